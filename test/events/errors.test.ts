import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClosedError, StorageError } from '../../src/core/errors.js';
import { initQueue } from '../../src/events/index.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir();

describe('bad files and closing', () => {
  it('a database locked by another connection gives a retryable StorageError and writes nothing', async () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName, busyTimeout: 30 });
    const other = new Database(dbName);
    other.exec('BEGIN IMMEDIATE');
    expect(() => queue.store({ cmd: 'x' })).toThrow(StorageError);
    try {
      queue.storeBulk([{ cmd: 'y' }]);
    } catch (err) {
      expect(err).toMatchObject({ retryable: true, message: expect.stringMatching(/locked by another connection.*busyTimeout/) });
    }
    await expect(queue.storeAsync({ cmd: 'z' })).rejects.toThrow(/locked/);
    other.exec('ROLLBACK');
    other.close();
    expect(queue.db.prepare('SELECT count(*) FROM queue').pluck().get()).toBe(0);
    expect(queue.db.inTransaction).toBe(false);
    queue.store({ cmd: 'after' });
    queue.close();
  });

  it('opening a file held exclusively by another process fails with a typed error', () => {
    const dbName = tmp.file();
    const other = new Database(dbName);
    other.pragma('journal_mode = DELETE');
    other.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);');
    expect(() => initQueue({ dbName, busyTimeout: 30 })).toThrow(/locked by another connection/);
    other.exec('ROLLBACK');
    other.close();
  });

  it('a file that is not a database gives a StorageError saying so', () => {
    const dbName = tmp.file();
    writeFileSync(dbName, 'this is not a database, just some text '.repeat(200));
    expect(() => initQueue({ dbName })).toThrow(/not a SQLite database or is corrupt/);
    expect(() => initQueue({ dbName })).toThrow(StorageError);
  });

  it('close() commits pending storeAsync events, releases the file, and later calls throw ClosedError', async () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const pending = queue.storeAsync({ cmd: 'last' });
    queue.close();
    await pending;
    expect(queue.db.open).toBe(false);
    // The last connection closed: SQLite checkpointed and removed the WAL file.
    expect(existsSync(`${dbName}-wal`)).toBe(false);
    expect(() => queue.store({ cmd: 'x' })).toThrow(ClosedError);
    queue.close();
    const again = initQueue({ dbName });
    expect(again.retrieveByID(1)!.cmd).toBe('last');
    again.close();
  });

  it('a read-only queue reads and refuses writes with a typed error', () => {
    const dbName = tmp.file();
    const writer = initQueue({ dbName });
    writer.store({ cmd: 'a' });
    writer.close();
    const reader = initQueue({ dbName, init: { readonly: true } });
    expect(reader.retrieveByID(1)!.cmd).toBe('a');
    expect(() => reader.store({ cmd: 'b' })).toThrow(/read-only/);
    reader.close();
  });

  it('creates the directory of dbName', () => {
    const dbName = `${tmp.dir}/nested/deeper/events.sqlite`;
    const queue = initQueue({ dbName });
    expect(queue.dbName).toBe(dbName);
    expect(existsSync(dbName)).toBe(true);
    queue.close();
  });
});
