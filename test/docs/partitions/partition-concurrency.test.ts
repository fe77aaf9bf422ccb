import { afterEach, describe, expect, it } from 'vitest';
import type { Resource, S3db } from '../../../src/docs/index.js';
import { createClient } from '../../../src/storage/index.js';
import { openTestDb, type TestDb } from '../helpers.js';
import { GatedStore, referenceKeys } from './fixtures.js';

const definition = {
  name: 'orders',
  attributes: { status: 'string', region: 'string', amount: 'number' },
  partitions: { byStatus: { fields: { status: 'string' } }, byRegionAndStatus: { fields: { region: 'string', status: 'string' } } },
};
const STATUSES = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];

async function expectExactlyTheFinalReferences(t: TestDb, orders: Resource, id: string): Promise<void> {
  const doc = await orders.get(id);
  const keys = (await referenceKeys(t.store, 'orders')).filter((k) => k.endsWith(`/id=${id}`));
  expect(keys.sort()).toEqual(
    [`resource=orders/partition=byRegionAndStatus/region=${String(doc.region)}/status=${String(doc.status)}/id=${id}`, `resource=orders/partition=byStatus/status=${String(doc.status)}/id=${id}`].sort(),
  );
}

describe('concurrent updates of partition fields', () => {
  let t: TestDb;
  afterEach(() => t.cleanup());

  for (const asyncPartitions of [false, true]) {
    it(`one process, 40 concurrent updates of one document leave exactly the references of the final document (asyncPartitions: ${asyncPartitions})`, async () => {
      t = await openTestDb('memory');
      const orders = await t.db.createResource({ ...definition, asyncPartitions });
      await orders.insert({ id: 'x', status: 'new', region: 'eu', amount: 0 });
      await Promise.all(Array.from({ length: 40 }, (_, i) => orders.update('x', { status: STATUSES[i % 8], region: i % 3 ? 'eu' : 'us', amount: i })));
      await orders.flushPartitions();
      await expectExactlyTheFinalReferences(t, orders, 'x');
      expect(await orders.verifyPartitions()).toMatchObject({ missing: [], stale: [] });
    });
  }

  it('two processes updating one document at once leave exactly the references of the final document', async () => {
    t = await openTestDb('memory');
    const a = await t.db.createResource({ ...definition, asyncPartitions: true });
    const other = await t.reopen();
    const b = await other.createResource({ ...definition, asyncPartitions: true });
    await a.insert({ id: 'x', status: 'new', region: 'eu', amount: 0 });
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).patch('x', { status: STATUSES[(i + round) % 8], region: i % 4 < 2 ? 'eu' : 'us' })),
      );
    }
    await Promise.all([a.flushPartitions(), b.flushPartitions()]);
    await expectExactlyTheFinalReferences(t, a, 'x');
  });

  it('a move overtaken by another process is caught: the late writer re-checks, and a stale reference is never listed', async () => {
    t = await openTestDb('memory');
    // Process 1 reaches storage through a gate that can hold its reference requests.
    const gated = new GatedStore(createClient(t.connectionString));
    const { S3db } = await import('../../../src/docs/index.js');
    const db1: S3db = new S3db({ client: gated, logLevel: 'silent' });
    await db1.connect();
    try {
      const p1 = await db1.createResource({ ...definition, asyncPartitions: true });
      const p2 = await t.db.createResource({ ...definition, asyncPartitions: true });
      await p2.insert({ id: 'x', status: 'a', region: 'eu', amount: 0 });
      await p2.flushPartitions();
      gated.hold();
      await p1.update('x', { status: 'b' }); // its move (delete a, put b) is held
      await p2.update('x', { status: 'a' }); // moves b → a and finishes first
      await p2.flushPartitions();
      // While process 1's late move is pending, process 2 lists the truth.
      expect(await p2.listIds({ partition: 'byStatus', partitionValues: { status: 'a' } })).toEqual(['x']);
      expect(await p2.listIds({ partition: 'byStatus', partitionValues: { status: 'b' } })).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      gated.release();
      await p1.flushPartitions();
      await p2.flushPartitions();
      await expectExactlyTheFinalReferences(t, p2, 'x');
    } finally {
      gated.release();
      await db1.disconnect();
      await gated.close();
    }
  });
});

describe('an update racing a delete (deletes have no If-Match)', () => {
  let t: TestDb;
  afterEach(() => t.cleanup());

  it('leaves no reference of the deleted document: the delete sees the interleaved version and reconciles', async () => {
    t = await openTestDb('memory');
    const orders = await t.db.createResource({ ...definition, asyncPartitions: true });
    for (let round = 0; round < 20; round++) {
      const id = `r${round}`;
      await orders.insert({ id, status: 's0', region: 'eu', amount: 0 });
      const results = await Promise.allSettled([orders.update(id, { status: 's1', region: 'us' }), orders.delete(id)]);
      await orders.flushPartitions();
      const exists = await orders.exists(id);
      const keys = (await referenceKeys(t.store, 'orders')).filter((k) => k.endsWith(`/id=${id}`));
      if (exists) await expectExactlyTheFinalReferences(t, orders, id);
      else expect(keys).toEqual([]);
      expect(results[1]?.status).toBe('fulfilled');
    }
  });

  it('deterministic interleaving: the update lands between the delete\'s read and its DELETE', async () => {
    t = await openTestDb('memory');
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const orders = await t.db.createResource({
      ...definition,
      asyncPartitions: true,
      hooks: { beforeDelete: () => gate.then(() => undefined) },
    });
    await orders.insert({ id: 'x', status: 's0', region: 'eu', amount: 0 });
    await orders.flushPartitions();
    const deleting = orders.delete('x');
    await new Promise((resolve) => setTimeout(resolve, 5)); // the delete has read v1 and waits in its hook
    await orders.update('x', { status: 's1', region: 'us' });
    open();
    await deleting;
    await orders.flushPartitions();
    expect(await orders.exists('x')).toBe(false);
    expect(await referenceKeys(t.store, 'orders')).toEqual([]);
  });
});
