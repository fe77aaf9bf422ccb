/**
 * Issue 12, item 5: one connection lifecycle. Connections are shared per file
 * identity and open mode, a closed one leaves the registry, and a second user
 * of a shared connection cannot silently change its pragmas.
 */
import Database from 'better-sqlite3';
import { existsSync, rmSync, symlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/core/errors.js';
import { BackgroundJobQueue, initQueue } from '../../src/events/index.js';
import { userCount, usersModel, useTempDir } from './helpers.js';

const tmp = useTempDir();

function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
}

function countEvents(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM queue').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('connection registry', () => {
  it('a queue opened after its file was deleted writes into a new file, not the deleted inode', () => {
    const dbName = tmp.file();
    const old = initQueue({ dbName });
    old.store({ cmd: 'before' });
    removeDatabase(dbName);
    expect(existsSync(dbName)).toBe(false);

    const fresh = initQueue({ dbName });
    expect(fresh.db).not.toBe(old.db);
    fresh.store({ cmd: 'after' });
    expect(existsSync(dbName)).toBe(true);
    fresh.close();
    old.close();
    // The event stored after the delete is in the file at the path, alone.
    expect(countEvents(dbName)).toBe(1);
  });

  it('two paths to one file (through a symlinked directory) share one connection', () => {
    const dbName = tmp.file();
    const link = `${tmp.dir}-link`;
    symlinkSync(tmp.dir, link);
    const a = initQueue({ dbName });
    const b = initQueue({ dbName: `${link}/${basename(dbName)}` });
    rmSync(link);
    expect(b.db).toBe(a.db);
    a.close();
    b.store({ cmd: 'still open' });
    b.close();
    expect(a.db.open).toBe(false);
  });

  it('a connection closed directly (model._db.close()) leaves the registry: later opens get a working one', () => {
    const dbName = tmp.file();
    const model = usersModel(dbName);
    model._db.close();

    const again = usersModel(dbName);
    const queue = initQueue({ dbName });
    expect(queue.db).toBe(again._db);
    queue.store({ cmd: 'addUser', data: { name: 'ann' } }, again);
    expect(userCount(again)).toBe(1);
    queue.close();
    again._close();
    model._close(); // releasing the dead one is harmless
  });

  it('a second queue with other pragmas on a shared connection is a ConfigurationError naming both; the first keeps its durability', () => {
    const dbName = tmp.file();
    const full = initQueue({ dbName, durability: 'full' });
    let caught: unknown;
    try {
      initQueue({ dbName, durability: 'normal' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as Error).message).toMatch(/durability: 'normal'.*synchronous=NORMAL.*durability: 'full'.*synchronous=FULL/s);
    expect(full.settings().synchronous).toBe('FULL');
    expect(() => initQueue({ dbName, busyTimeout: 100 })).toThrow(ConfigurationError);
    expect(() => initQueue({ dbName, WAL: false })).toThrow(/journal_mode=DELETE/);
    expect(full.settings().journalMode).toBe('wal');

    // The same settings share the connection (atomic with a model on that file).
    const same = initQueue({ dbName, durability: 'full' });
    expect(same.db).toBe(full.db);
    same.close();
    full.close();
  });

  it('a read-only opener never hands its connection to a later writer', () => {
    const dbName = tmp.file();
    initQueue({ dbName }).close();
    const reader = initQueue({ dbName, init: { readonly: true } });
    const writer = initQueue({ dbName });
    expect(writer.db).not.toBe(reader.db);
    expect(writer.db.readonly).toBe(false);
    writer.store({ cmd: 'written' });
    expect(reader.retrieveByID(1)?.cmd).toBe('written');
    writer.close();
    reader.close();
  });

  it('BackgroundJobQueue on an event queue file opens through the same registry and pragma check', async () => {
    const dbName = tmp.file();
    const events = initQueue({ dbName });
    const jobs = new BackgroundJobQueue({ dbName });
    expect(jobs.db).toBe(events.db);
    await jobs.close();
    expect(events.db.open).toBe(true);

    const normal = new BackgroundJobQueue({ dbName, durability: 'normal' });
    expect(() => normal.db).toThrow(ConfigurationError);
    await normal.close();
    expect(events.settings().synchronous).toBe('FULL');
    events.close();
  });
});
