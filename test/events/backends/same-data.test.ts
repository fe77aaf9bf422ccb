/**
 * Same data both ways: the PostgreSQL export is byte-identical to the SQLite
 * export of the same events, and `migrate` moves a log (resumably) so that
 * holds for a migrated log too.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/core/errors.js';
import { migrateToPostgres } from '../../../src/events/backends/migrate.js';
import { initQueue, openQueue, type EventInput, type EventStore } from '../../../src/events/index.js';
import { BACKENDS, createTestDatabase } from './backends.js';

const run = promisify(execFile);
const postgres = BACKENDS.find((b) => b.name === 'postgres')!;
const available = await postgres.available();
const dir = mkdtempSync(join(tmpdir(), 's3lite-same-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Events covering what JSON text can hold: escapes, unicode, numbers, nesting, streams, causation. */
function sampleEvents(n: number): EventInput[] {
  const tricky = ['quote " and \\ backslash', 'line\nbreak\ttab', 'ctrl \u0001 \u001f \u007f', 'émoji 🎉 中文', 'sep \u2028 \u2029', ''];
  return Array.from({ length: n }, (_, i) => ({
    cmd: i % 7 === 0 ? 'accountOpened' : 'noted',
    data: { i, text: tricky[i % tricky.length], float: i / 3, big: 2 ** 53 - i, neg: -i, list: [1, 'two', null, { deep: [true, false] }], empty: {} },
    user: i % 3 === 0 ? '' : `user-${i % 4}`,
    ip: `10.0.0.${i % 250}`,
    version: 1 + (i % 2),
    correlationId: `corr-${Math.floor(i / 3)}`,
    causationId: i > 2 && i % 5 === 0 ? i - 1 : undefined,
    metadata: i % 2 ? { trace: `t-${i}`, nested: { a: [i] } } : {},
    stream: i % 4 === 0 ? `acct-${i % 3}` : undefined,
  }));
}

async function exportText(queue: EventStore, name: string): Promise<string> {
  const file = join(dir, name);
  await queue.exportToJSONL(file);
  return readFileSync(file, 'utf8');
}

describe.skipIf(!available)('the same events on SQLite and PostgreSQL', () => {
  it('export byte-identical JSONL', async () => {
    const db = await createTestDatabase('same');
    let tick = 1_716_200_000_000;
    const clock = () => (tick += 7);
    const sqlite = await openQueue({ connectionString: join(dir, 'same.sqlite'), datetime: clock });
    const pg = await openQueue({ connectionString: db.url, datetime: clock });
    try {
      const events = sampleEvents(120);
      tick = 1_716_200_000_000;
      for (let i = 0; i < 60; i++) await sqlite.store(events[i]!);
      await sqlite.storeBulk(events.slice(60));
      tick = 1_716_200_000_000;
      for (let i = 0; i < 60; i++) await pg.store(events[i]!);
      await pg.storeBulk(events.slice(60));
      const a = await exportText(sqlite, 'same-sqlite.jsonl');
      const b = await exportText(pg, 'same-pg.jsonl');
      expect(a.split('\n')).toHaveLength(121);
      expect(b).toBe(a);
      // Filters give the same selection on both.
      const fa = join(dir, 'fa.jsonl');
      const fb = join(dir, 'fb.jsonl');
      await sqlite.exportToJSONL(fa, { filter: { cmd: 'accountOpened', user: ['', 'user-1'] }, startId: 2 });
      await pg.exportToJSONL(fb, { filter: { cmd: 'accountOpened', user: ['', 'user-1'] }, startId: 2 });
      expect(readFileSync(fb, 'utf8')).toBe(readFileSync(fa, 'utf8'));
    } finally {
      await sqlite.close();
      await pg.close();
      await db.drop();
    }
  });

  it('migrate copies a SQLite log to PostgreSQL, resumes after an interruption, and refuses a foreign target', async () => {
    const file = join(dir, 'migrate.sqlite');
    const source = initQueue({ dbName: file });
    source.storeBulk(sampleEvents(1234));
    source.close();
    const db = await createTestDatabase('migrate');
    try {
      // Interrupted after the second page.
      let pages = 0;
      await expect(
        migrateToPostgres(file, db.url, {
          batchSize: 200,
          onProgress: () => {
            if (++pages === 2) throw new Error('interrupted');
          },
        }),
      ).rejects.toThrow('interrupted');
      const resumed = await migrateToPostgres(file, db.url, { batchSize: 200 });
      expect(resumed).toEqual({ copied: 834, resumedAfter: 400, total: 1234 });
      expect(await migrateToPostgres(file, db.url)).toEqual({ copied: 0, resumedAfter: 1234, total: 1234 });

      const sqlite = await openQueue({ connectionString: `sqlite://${file}` });
      const pg = await openQueue({ connectionString: db.url });
      try {
        expect(await exportText(pg, 'migrated-pg.jsonl')).toBe(await exportText(sqlite, 'migrated-sqlite.jsonl'));
        // The PostgreSQL log continues after the copied ids, with the copied stream versions.
        await pg.store({ cmd: 'afterMove', stream: 'acct-0', expectedVersion: await sqlite.getStreamVersion('acct-0') });
        expect((await pg.retrieveByID(1235))?.cmd).toBe('afterMove');
      } finally {
        await sqlite.close();
        await pg.close();
      }
      const other = join(dir, 'other.sqlite');
      const q = initQueue({ dbName: other });
      q.storeBulk([{ cmd: 'different' }]);
      q.close();
      await expect(migrateToPostgres(other, db.url)).rejects.toBeInstanceOf(ConflictError);
    } finally {
      await db.drop();
    }
  });

  it('importFromJSONL on PostgreSQL refuses ids at or below positions already handed out (readers may have passed them)', async () => {
    const source = await createTestDatabase('imp_src');
    const target = await createTestDatabase('imp_dst');
    const from = await openQueue({ connectionString: source.url });
    const to = await openQueue({ connectionString: target.url });
    try {
      await from.storeBulk(sampleEvents(5));
      const file = join(dir, 'import-past.jsonl');
      await from.exportToJSONL(file);
      // A rejected event burns position 1 on the target without storing anything.
      const model = await to.modelSetup({ methods: () => ({ fails: () => { throw new Error('no'); } }) });
      await expect(to.store({ cmd: 'fails' }, model)).rejects.toThrow();
      await expect(to.importFromJSONL(file)).rejects.toBeInstanceOf(ConflictError);
      expect(await to.retrieveByID(1)).toBeNull();
      expect(await to.retrieveByID(5)).toBeNull();
    } finally {
      await from.close();
      await to.close();
      await source.drop();
      await target.drop();
    }
  });

  it.skipIf(!existsSync('dist/cli/main.js'))('`s3lite events migrate <sqlite-file> <postgres-url>` runs from the CLI', { timeout: 60_000 }, async () => {
    const file = join(dir, 'cli.sqlite');
    const source = initQueue({ dbName: file });
    source.storeBulk(sampleEvents(50));
    source.close();
    const db = await createTestDatabase('cli');
    try {
      const { stdout } = await run(process.execPath, ['dist/cli/main.js', 'events', 'migrate', file, db.url, '--json']);
      expect(JSON.parse(stdout)).toEqual({ copied: 50, resumedAfter: 0, total: 50 });
      const again = await run(process.execPath, ['dist/cli/main.js', 'events', file, 'migrate', db.url]);
      expect(again.stdout).toContain('migrated 0 events (resumed after 50 already there); 50 in PostgreSQL');
    } finally {
      await db.drop();
    }
  });
});
