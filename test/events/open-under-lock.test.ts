/**
 * Issue 12, item 12: opening an initialised queue file needs no write lock, so
 * processes with a short busyTimeout open it while another holds a write transaction.
 */
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { initQueue } from '../../src/events/index.js';
import { useTempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/open-queue-child.ts', import.meta.url));
const run = promisify(execFile);
const tmp = useTempDir();

describe('opening an initialised queue', () => {
  for (const wal of [true, false]) {
    it(`4 processes with busyTimeout 100 open it while another connection holds a write transaction (WAL: ${wal})`, async () => {
      const dbName = tmp.file();
      const seed = initQueue({ dbName, WAL: wal });
      seed.store({ cmd: 'seed' });
      seed.close();

      const writer = new Database(dbName);
      writer.exec('BEGIN IMMEDIATE');
      writer.prepare("INSERT INTO queue (datetime, cmd) VALUES (0, 'uncommitted')").run();
      try {
        const outputs = await Promise.all(
          Array.from({ length: 4 }, () => run(process.execPath, ['--import', 'tsx', CHILD, dbName, String(wal)], { timeout: 60_000 })),
        );
        const reports = outputs.map(({ stdout }) => JSON.parse(stdout.trim().split('\n').at(-1) as string) as { ok: boolean; error?: string });
        expect(reports).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
        expect(writer.inTransaction).toBe(true);
      } finally {
        writer.exec('ROLLBACK');
        writer.close();
      }
    }, 120_000);
  }
});
