import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/core/errors.js';
import type { Resource, S3db } from '../../../src/docs/index.js';
import { FaultyStore, openOn, referenceKeys } from './fixtures.js';

const definition = {
  name: 'orders',
  attributes: { status: 'string', amount: 'number' },
  partitions: { byStatus: { fields: { status: 'string' } } },
  partitionQueue: { retries: 2, retryDelay: 5 },
};
const ref = (status: string, id: string) => `resource=orders/partition=byStatus/status=${status}/id=${id}`;
const intentKeys = async (store: FaultyStore) => {
  const keys: string[] = [];
  for await (const object of store.inner.listAll({ prefix: 'resource=orders/partition-intent/' })) keys.push(object.key);
  return keys;
};

describe('the partition queue', () => {
  let t: { db: S3db; store: FaultyStore; cleanup: () => Promise<void> };
  afterEach(() => t.cleanup());

  async function open(asyncPartitions: boolean): Promise<Resource> {
    t = await openOn((inner) => new FaultyStore(inner));
    return t.db.createResource({ ...definition, asyncPartitions });
  }

  it('s3db.js defect: async partition failures only emitted an event and the reference was lost; here the work is retried, reported, kept listed and repaired', async () => {
    const orders = await open(true);
    const errors: { id: string; error: Error; attempts: number }[] = [];
    orders.on('partitionError', (e) => errors.push(e));
    t.store.fault = (method, key) => method === 'putObject' && key.includes('/partition=');
    await orders.insert({ id: 'a', status: 'open', amount: 1 });
    const stats = await orders.flushPartitions();
    expect(stats).toEqual({ pending: 0, failed: 1, retried: 2, intents: 0, recovered: 0 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ id: 'a', attempts: 3 });
    expect(errors[0]?.error).toBeInstanceOf(StorageError);
    expect(orders.partitionFailures()).toEqual([expect.objectContaining({ id: 'a', attempts: 3, keys: [ref('open', 'a')] })]);
    expect(await referenceKeys(t.store, 'orders')).toEqual([]);
    // The intent stays in storage while the work fails: a crash now would not hide it.
    expect(await intentKeys(t.store)).toHaveLength(1);
    // Still listed by this process while it awaits repair: the queue knows the key it owes.
    expect(await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'open' } })).toEqual(['a']);
    // Storage heals; the failure is repaired on demand.
    t.store.fault = () => false;
    expect(await orders.retryPartitions()).toMatchObject({ pending: 0, failed: 0 });
    expect(await referenceKeys(t.store, 'orders')).toEqual([ref('open', 'a')]);
    expect(await intentKeys(t.store)).toEqual([]);
    expect(orders.partitionFailures()).toEqual([]);
    expect(orders.partitionQueue.stats()).toEqual(orders.partitionStats());
  });

  it('transient failures are retried with backoff and counted', async () => {
    const orders = await open(true);
    let failuresLeft = 2;
    t.store.fault = (method, key) => method === 'putObject' && key.includes('/partition=') && failuresLeft-- > 0;
    await orders.insert({ id: 'a', status: 'open', amount: 1 });
    expect(await orders.flushPartitions()).toEqual({ pending: 0, failed: 0, retried: 2, intents: 0, recovered: 0 });
    expect(await referenceKeys(t.store, 'orders')).toEqual([ref('open', 'a')]);
  });

  it('a failed document is repaired by its next write, which re-reads it (no stale key left from the failed move)', async () => {
    const orders = await open(true);
    await orders.insert({ id: 'a', status: 'open', amount: 1 });
    await orders.flushPartitions();
    t.store.fault = (method, key) => key.includes('/partition=') && method !== 'getObject';
    await orders.update('a', { status: 'paid' });
    expect((await orders.flushPartitions()).failed).toBe(1);
    expect(await referenceKeys(t.store, 'orders')).toEqual([ref('open', 'a')]);
    // The stale reference never lists it under its old value.
    expect(await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'open' } })).toEqual([]);
    expect(await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'paid' } })).toEqual(['a']);
    t.store.fault = () => false;
    await orders.update('a', { amount: 2 });
    expect(await orders.flushPartitions()).toMatchObject({ pending: 0, failed: 0 });
    expect(await referenceKeys(t.store, 'orders')).toEqual([ref('paid', 'a')]);
  });

  it('sync partitions: the write rejects with a StorageError saying the document was written and the references are queued', async () => {
    const orders = await open(false);
    t.store.fault = (method, key) => method === 'putObject' && key.includes('/partition=');
    const failed = orders.insert({ id: 'a', status: 'open', amount: 1 });
    await expect(failed).rejects.toThrow(/orders\/a was written but its partition references were not: they are queued for retry/);
    expect((await orders.get('a')).status).toBe('open');
    expect((await orders.flushPartitions()).failed).toBe(1);
    t.store.fault = () => false;
    const rebuilt = await orders.rebuildPartitions();
    expect(rebuilt).toMatchObject({ requeued: 1, checked: 1, restored: 0, removed: 0, failed: 0 });
    expect(orders.partitionStats()).toMatchObject({ pending: 0, failed: 0 });
    expect(await referenceKeys(t.store, 'orders')).toEqual([ref('open', 'a')]);
  });

  it('a failed job is retried as a reconcile pass, so a document that moved on meanwhile is not moved back', async () => {
    const orders = await open(true);
    await orders.insert({ id: 'a', status: 'open', amount: 1 });
    await orders.flushPartitions();
    let failuresLeft = 1;
    t.store.fault = (method, key) => method === 'deleteObject' && key === ref('open', 'a') && failuresLeft-- > 0;
    await orders.update('a', { status: 'paid' });
    await orders.update('a', { status: 'void' });
    await orders.flushPartitions();
    expect(await referenceKeys(t.store, 'orders')).toEqual([ref('void', 'a')]);
  });
});
