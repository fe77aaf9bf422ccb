/**
 * idGenerator forms and the sequence API of s3db.js: uuid, ulid, nanoid,
 * sizes, 'incremental', 'incremental:1000', 'incremental:ORD-0001', objects
 * with start/increment/prefix, fast mode batches; sequences are conditional
 * writes, so several processes never hand out the same id.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { generateId, S3db } from '../../../src/docs/index.js';
import { COMPAT_BACKENDS, dbProcess, openCompatDb } from '../helpers.js';

for (const backend of COMPAT_BACKENDS) {
  describe(`id generators on ${backend}://`, () => {
    it("'uuid', 'ulid', 'nanoid', a size and { size, alphabet } make ids of that form", async () => {
      const t = await openCompatDb(backend);
      const u = await t.db.createResource({ name: 'u', attributes: { v: 'number' }, idGenerator: 'uuid' });
      expect((await u.insert({ v: 1 })).id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const l = await t.db.createResource({ name: 'l', attributes: { v: 'number' }, idGenerator: 'ulid' });
      const ulids = [(await l.insert({ v: 1 })).id, (await l.insert({ v: 2 })).id];
      expect(ulids[0]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect([...ulids].sort()).toEqual(ulids); // monotonic: list order is insert order
      const n = await t.db.createResource({ name: 'n', attributes: { v: 'number' }, idGenerator: 12 });
      expect((await n.insert({ v: 1 })).id).toMatch(/^[A-Za-z0-9_-]{12}$/);
      const a = await t.db.createResource({ name: 'a', attributes: { v: 'number' }, idGenerator: { type: 'nanoid', size: 10, alphabet: '0123456789abcdef' } });
      expect((await a.insert({ v: 1 })).id).toMatch(/^[0-9a-f]{10}$/);
      expect(await u.getSequenceValue()).toBeNull();
      expect(await u.reserveIdBatch(5)).toBeNull();
      await expect(t.db.createResource({ name: 'x', attributes: { v: 'number' }, idGenerator: 'sequential' as never })).rejects.toBeInstanceOf(ValidationError);
      await expect(t.db.createResource({ name: 'x', attributes: { v: 'number' }, idGenerator: { type: 'incremental', increment: 0 } })).rejects.toBeInstanceOf(ValidationError);
    });

    it("'incremental', 'incremental:1000', 'incremental:ORD-0001' and { start, increment, prefix } count as documented", async () => {
      const t = await openCompatDb(backend);
      const plain = await t.db.createResource({ name: 'plain', attributes: { v: 'number' }, idGenerator: 'incremental' });
      expect([(await plain.insert({ v: 1 })).id, (await plain.insert({ v: 2 })).id, (await plain.insert({ v: 3 })).id]).toEqual(['1', '2', '3']);
      expect(await plain.getSequenceValue()).toBe(4);
      expect(await plain.getSequenceValue()).toBe(4); // peeking takes nothing
      const big = await t.db.createResource({ name: 'big', attributes: { v: 'number' }, idGenerator: 'incremental:1000' });
      expect((await big.insert({ v: 1 })).id).toBe('1000');
      const ord = await t.db.createResource({ name: 'ord', attributes: { v: 'number' }, idGenerator: 'incremental:ORD-0001' });
      expect([(await ord.insert({ v: 1 })).id, (await ord.insert({ v: 2 })).id]).toEqual(['ORD-0001', 'ORD-0002']);
      const step = await t.db.createResource({ name: 'step', attributes: { v: 'number' }, idGenerator: { type: 'incremental', start: 100, increment: 10, prefix: 'INV-' } });
      expect([(await step.insert({ v: 1 })).id, (await step.insert({ v: 2 })).id]).toEqual(['INV-100', 'INV-110']);
      // A given id bypasses the sequence.
      expect((await plain.insert({ id: 'manual', v: 9 })).id).toBe('manual');
      expect(await plain.resetSequence('id', 50)).toBe(true);
      expect((await plain.insert({ v: 4 })).id).toBe('50');
      const sequences = await plain.listSequences();
      expect(sequences?.map((s) => [s.name, s.value])).toEqual([['id', 51]]);
      expect(await u0(t.db)).toBe(false);
    });

    it("fast mode reserves batches: reserveIdBatch, getBatchStatus, releaseBatch", async () => {
      const t = await openCompatDb(backend);
      const logs = await t.db.createResource({ name: 'logs', attributes: { v: 'number' }, idGenerator: { type: 'incremental', mode: 'fast', batchSize: 50 } });
      t.store.reset();
      await logs.insert({ v: 1 });
      await logs.insert({ v: 2 });
      // One sequence write for the batch, then one document PUT per insert.
      expect(t.store.log.filter((e) => e.method === 'putObject' && e.key?.includes('sequence=')).length).toBe(1);
      expect(logs.getBatchStatus()).toEqual({ start: 1, end: 51, current: 3, remaining: 48 });
      const batch = await logs.reserveIdBatch(200);
      expect(batch).toMatchObject({ start: 51, end: 251, current: 51 });
      expect((await logs.insert({ v: 3 })).id).toBe('51');
      logs.releaseBatch();
      expect(logs.getBatchStatus()).toBeNull();
      expect((await logs.insert({ v: 4 })).id).toBe('251'); // released values are skipped, never reused
      const fast = await t.db.createResource({ name: 'fast2', attributes: { v: 'number' }, idGenerator: 'incremental:fast' });
      expect((await fast.insert({ v: 1 })).id).toBe('1');
    });
  });
}

/** A resource without incremental ids has no sequences to reset. */
async function u0(db: S3db): Promise<boolean> {
  const r = await db.createResource({ name: 'u0', attributes: { v: 'number' } });
  return r.resetSequence('id', 5);
}

describe('generateId', () => {
  it('is 21 url-safe characters by default; size and alphabet options', () => {
    expect(generateId()).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(generateId(8)).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(generateId({ size: 30, alphabet: 'ab' })).toMatch(/^[ab]{30}$/);
    expect(new Set(Array.from({ length: 1000 }, () => generateId())).size).toBe(1000);
    expect(() => generateId({ alphabet: 'a' })).toThrow(ValidationError);
  });
});

for (const backend of COMPAT_BACKENDS) {
  describe(`incremental ids from several databases on ${backend}://`, () => {
    // The file store serialises conditional writes within one process only (its documented limit), so
    // concurrent writers are separate databases in this process; on S3 the same conditional writes
    // are enforced by the service across processes.
    it('three databases inserting at once never get the same id; no id is skipped', async () => {
      const t = await openCompatDb(backend);
      const each = 40;
      const dbs = [t.db, await t.reopen(), await t.reopen()];
      const resources = await Promise.all(dbs.map((db) => db.createResource({ name: 'orders', attributes: { who: 'number' }, idGenerator: 'incremental' })));
      const ids = (
        await Promise.all(
          resources.map(async (r, who) => {
            const mine: string[] = [];
            await Promise.all(Array.from({ length: 4 }, async () => { while (mine.length < each) { const slot = mine.push('') - 1; mine[slot] = (await r.insert({ who })).id; } }));
            return mine;
          }),
        )
      ).flat();
      expect(ids).toHaveLength(3 * each);
      expect(new Set(ids).size).toBe(3 * each);
      expect(ids.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 3 * each }, (_, i) => i + 1));
      expect(await resources[0]!.count()).toBe(3 * each);
    }, 120_000);
  });
}

describe('incremental ids after a crash (file://, real process)', () => {
  it('a process killed with SIGKILL holding a fast batch: later ids never reuse its values', async () => {
    const t = await openCompatDb('file');
    const holder = dbProcess(`
      const db = new S3db({ connectionString: ${JSON.stringify(t.connectionString)}, logLevel: 'silent' });
      await db.connect();
      const r = await db.createResource({ name: 'logs', attributes: { v: 'number' }, idGenerator: 'incremental:fast' });
      await r.insert({ v: 1 });
      console.log('READY');
      await new Promise(() => setInterval(() => undefined, 1000));`);
    await holder.ready;
    holder.kill();
    await holder.done.catch(() => undefined);
    const db = t.create({ logLevel: 'silent' });
    await db.connect();
    const r = await db.createResource({ name: 'logs', attributes: { v: 'number' }, idGenerator: 'incremental:fast' });
    expect((await r.insert({ v: 2 })).id).toBe('101'); // the dead process's batch was 1..100
    expect(await r.count()).toBe(2);
  }, 120_000);
});
