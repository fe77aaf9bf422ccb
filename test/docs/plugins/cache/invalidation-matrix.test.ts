/**
 * The invalidation matrix: every write method against every cached read
 * method, on every driver. A read is warmed (and shown to be served from the
 * cache), a write runs, and the same read must then equal what storage holds.
 * Shared drivers run each cell twice: in one process, and with the read in
 * a second database instance ("another process") sharing the cache.
 *
 * Pins the s3db.js defect "patch, upsert, insertMany, updateConditional and
 * deleteAll do not invalidate the cache: get after patch returns stale data".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource, S3db } from '../../../../src/docs/index.js';
import type { CachePlugin } from '../../../../src/docs/plugins/cache/index.js';
import { driverSetups, memoryConnectionString, openCachedDb, redisReachable } from './helpers.js';

const redisOk = await redisReachable();

const attributes = { name: 'string', group: 'string', n: 'number|optional' };
const SEED = [
  { id: 'a', name: 'A', group: 'g1', n: 1 },
  { id: 'b', name: 'B', group: 'g1', n: 2 },
  { id: 'c', name: 'C', group: 'g2', n: 3 },
];

type WriteName = 'insert' | 'insertMany' | 'update' | 'patch' | 'replace' | 'upsert' | 'delete' | 'deleteMany';
const WRITES: Record<WriteName, (r: Resource) => Promise<unknown>> = {
  insert: (r) => r.insert({ id: 'd', name: 'D', group: 'g1', n: 4 }),
  insertMany: (r) => r.insertMany([{ id: 'd', name: 'D', group: 'g1' }, { id: 'e', name: 'E', group: 'g1' }]),
  update: (r) => r.update('b', { name: 'B-updated' }),
  patch: (r) => r.patch('b', { n: 20 }),
  replace: (r) => r.replace('b', { name: 'B-replaced', group: 'g2' }),
  upsert: (r) => r.upsert({ id: 'b', name: 'B-upserted' }),
  delete: (r) => r.delete('b'),
  deleteMany: (r) => r.deleteMany(['b', 'c']),
};

/** The document each write touches (get reads it). */
const TARGET: Record<WriteName, string> = { insert: 'd', insertMany: 'e', update: 'b', patch: 'b', replace: 'b', upsert: 'b', delete: 'b', deleteMany: 'c' };

type ReadName = 'get' | 'getMany' | 'list' | 'listIds' | 'count' | 'page' | 'query';
const READS: Record<ReadName, (r: Resource, target: string) => Promise<unknown>> = {
  get: (r, target) => r.get(target),
  getMany: (r, target) => r.getMany(['a', target, 'zz']),
  list: (r) => r.list({ limit: 10 }),
  listIds: (r) => r.listIds(),
  count: (r) => r.count(),
  page: (r) => r.page({ size: 2 }),
  query: (r) => r.query({ group: 'g1' }),
};

async function outcome(read: Promise<unknown>): Promise<{ value?: unknown; error?: string }> {
  try {
    return { value: await read };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) };
  }
}

let cell = 0;

for (const setup of driverSetups()) {
  describe.skipIf(setup.redis && !redisOk)(`invalidation matrix on the ${setup.name} driver`, () => {
    const connectionString = memoryConnectionString('matrix');
    let writer: { db: S3db; plugin: CachePlugin };
    let other: { db: S3db; plugin: CachePlugin };
    let truth: { db: S3db };

    beforeAll(async () => {
      writer = await openCachedDb(connectionString, setup.options());
      other = await openCachedDb(connectionString, setup.options());
      const { S3db } = await import('../../../../src/docs/index.js');
      truth = { db: new S3db({ connectionString, logLevel: 'silent' }) };
      await truth.db.connect();
    });
    afterAll(async () => {
      await writer.db.client.clear();
      for (const db of [writer.db, other.db, truth.db]) await db.disconnect();
      await setup.cleanup();
    });

    const shared = setup.name !== 'memory';
    const modes = shared ? (['same process', 'another process'] as const) : (['same process'] as const);
    for (const mode of modes) {
      for (const write of Object.keys(WRITES) as WriteName[]) {
        it(`${mode}: a read after ${write} never returns stale data (get, getMany, list, listIds, count, page, query)`, async () => {
          for (const read of Object.keys(READS) as ReadName[]) {
            const name = `m${++cell}`;
            const mine = await writer.db.createResource({ name, attributes });
            const reader = mode === 'same process' ? { db: writer.db, plugin: writer.plugin } : other;
            const theirs = mode === 'same process' ? mine : await reader.db.createResource({ name, attributes });
            const check = await truth.db.createResource({ name, attributes });
            await mine.insertMany(SEED);
            const target = TARGET[write];
            const doRead = () => outcome(READS[read](theirs, target));

            const before = await doRead();
            await reader.plugin.flush();
            const hits = reader.plugin.stats().hits;
            expect(await doRead(), `${read} served again`).toEqual(before);
            if (before.error === undefined) expect(reader.plugin.stats().hits, `${read} was served from the cache`).toBe(hits + 1);

            await WRITES[write](mine);
            const after = await doRead();
            expect(after, `${read} after ${write}`).toEqual(await outcome(READS[read](check, target)));
          }
        });
      }
    }
  });
}
