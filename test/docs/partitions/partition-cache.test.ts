import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachePlugin, type Resource } from '../../../src/docs/index.js';
import { openTestDb, type TestDb } from '../helpers.js';

const key = (status: string, id: string) => `resource=orders/partition=byStatus/status=${status}/id=${id}`;

describe('partition repairs and the CachePlugin', () => {
  let t: TestDb;
  let orders: Resource;
  let cache: CachePlugin;

  beforeAll(async () => {
    t = await openTestDb('memory');
    cache = await t.db.usePlugin(new CachePlugin({ driver: 'memory', ttl: 60_000, max: 1000 }));
    orders = await t.db.createResource({ name: 'orders', attributes: { status: 'string' }, partitions: { byStatus: { fields: { status: 'string' } } }, asyncPartitions: true });
    await orders.insert({ id: 'a', status: 'open' });
    await orders.flushPartitions();
  });
  afterAll(() => t.cleanup());

  const openIds = () => orders.listIds({ partition: 'byStatus', partitionValues: { status: 'open' } });

  it('a partition read is cached, and rebuildPartitions() invalidates it when it restores a missing reference', async () => {
    await t.store.inner.deleteObject({ key: key('open', 'a') });
    await orders.insert({ id: 'b', status: 'open' });
    await orders.flushPartitions();
    expect(await openIds()).toEqual(['b']);
    t.store.reset();
    expect(await openIds()).toEqual(['b']);
    expect(t.store.total).toBe(0); // served by the cache
    const rebuilt = await orders.rebuildPartitions();
    expect(rebuilt.restored).toBe(1);
    expect(await openIds()).toEqual(['a', 'b']);
  });

  it('a read-time repair (syncPartitionRefs) invalidates cached partition reads it changes', async () => {
    // Inverted moves left a stale reference under "open" and none under "paid" for document a.
    await orders.update('a', { status: 'paid' });
    await orders.flushPartitions();
    await t.store.inner.deleteObject({ key: key('paid', 'a') });
    await t.store.inner.putObject({ key: key('open', 'a'), body: '' });
    expect(await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'paid' } })).toEqual([]);
    // Reading "open" finds the stale reference, skips it, and queues a repair that re-reads a.
    expect(await openIds()).toEqual(['b']);
    await orders.flushPartitions();
    expect(await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'paid' } })).toEqual(['a']);
    expect(cache.stats().hits).toBeGreaterThan(0);
  });
});
