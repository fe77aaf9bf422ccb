import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '../../../src/docs/index.js';
import { openTestDb, type TestDb } from '../helpers.js';

describe('a partition added to a resource that already has documents', () => {
  let t: TestDb;
  let orders: Resource;

  beforeAll(async () => {
    t = await openTestDb('memory');
    const v1 = await t.db.createResource({ name: 'orders', attributes: { status: 'string' } });
    await v1.insertMany(Array.from({ length: 30 }, (_, i) => ({ id: `old${i}`, status: i % 2 ? 'open' : 'closed' })));
    orders = await t.db.createResource({ name: 'orders', attributes: { status: 'string' }, partitions: { byStatus: { fields: { status: 'string' } } }, asyncPartitions: false });
    await orders.insert({ id: 'new1', status: 'open' });
  });
  afterAll(() => t.cleanup());

  it('query() does not trust it (the old documents have no references) and scans: same results as before the partition', async () => {
    const open = await orders.query({ status: 'open' });
    expect(open.map((d) => d.id).sort()).toEqual([...Array.from({ length: 15 }, (_, i) => `old${2 * i + 1}`), 'new1'].sort());
  });

  it('an explicit partition lookup lists what has references; verify names the missing ones', async () => {
    expect(await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'open' } })).toEqual(['new1']);
    const verified = await orders.verifyPartitions();
    expect(verified.missing).toHaveLength(30);
  });

  it('after rebuildPartitions() the partition is complete: query() uses it (one GET per match, no scan)', async () => {
    const rebuilt = await orders.rebuildPartitions();
    expect(rebuilt).toMatchObject({ restored: 30, failed: 0 });
    t.store.reset();
    const open = await orders.query({ status: 'open' });
    expect(open).toHaveLength(16);
    expect(t.store.counts).toEqual({ listObjects: 1, getObject: 16 });
    // Another process learns it from the marker the rebuild left.
    const other = await t.reopen();
    const again = other.getResource('orders');
    expect((await again.query({ status: 'open' })).map((d) => d.id)).toEqual(open.map((d) => d.id));
  });
});
