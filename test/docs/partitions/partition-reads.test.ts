import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../../src/core/errors.js';
import type { Resource } from '../../../src/docs/index.js';
import { openTestDb, type TestDb } from '../helpers.js';
import { referenceKeys } from './fixtures.js';

describe('partition reads', () => {
  let t: TestDb;
  let orders: Resource;

  beforeAll(async () => {
    t = await openTestDb('memory');
    // The seed's configuration, as written.
    orders = await t.db.createResource({
      name: 'orders',
      attributes: { status: 'string', region: 'string', amount: 'number' },
      timestamps: true,
      partitions: {
        byStatus: { fields: { status: 'string' } },
        byDate: { fields: { createdAt: 'date' } },
        byRegionAndStatus: { fields: { region: 'string', status: 'string' } },
      },
      asyncPartitions: true,
    });
    const statuses = ['pending', 'paid', 'closed'];
    const regions = ['eu', 'us'];
    await orders.insertMany(
      Array.from({ length: 120 }, (_, i) => ({
        id: `o${String(i).padStart(3, '0')}`,
        status: statuses[i % 3],
        region: regions[i % 2],
        amount: i,
        createdAt: new Date(Date.UTC(2024, 0, 1 + (i % 4), 12)).toISOString(),
      })),
    );
    await orders.flushPartitions();
  });
  afterAll(() => t.cleanup());

  it("the seed's examples work as written: query scans, list({ partition }) looks up, same documents", async () => {
    const scanned = await orders.query({ status: 'pending' });
    const pending = await orders.list({ partition: 'byStatus', partitionValues: { status: 'pending' } });
    expect(pending).toHaveLength(40);
    expect(pending.every((d) => d.status === 'pending')).toBe(true);
    expect(pending).toEqual(scanned);
  });

  it('a partition read costs one LIST per 1000 references and one GET per document: the size of the partition, not of the resource', async () => {
    t.store.reset();
    const paid = await orders.list({ partition: 'byStatus', partitionValues: { status: 'paid' } });
    expect(paid).toHaveLength(40);
    expect(t.store.counts).toEqual({ listObjects: 1, getObject: 40 });
  });

  it('list and listIds honour limit and offset in id order; count and page agree', async () => {
    const all = await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'closed' } });
    expect(all).toEqual([...all].sort());
    expect(await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'closed' }, limit: 5, offset: 10 })).toEqual(all.slice(10, 15));
    expect((await orders.list({ partition: 'byStatus', partitionValues: { status: 'closed' }, limit: 3 })).map((d) => d.id)).toEqual(all.slice(0, 3));
    expect(await orders.count({ partition: 'byStatus', partitionValues: { status: 'closed' } })).toBe(40);
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await orders.page({ partition: 'byStatus', partitionValues: { status: 'closed' }, size: 15, cursor });
      paged.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(paged).toEqual(all);
    expect(pages).toBe(3);
  });

  it('date partitions take a Date, an ISO string or a day', async () => {
    const byDay = await orders.listIds({ partition: 'byDate', partitionValues: { createdAt: '2024-01-02' } });
    expect(byDay).toHaveLength(30);
    expect(await orders.listIds({ partition: 'byDate', partitionValues: { createdAt: new Date(Date.UTC(2024, 0, 2, 23)) } })).toEqual(byDay);
    expect(await orders.listIds({ partition: 'byDate', partitionValues: { createdAt: '2024-01-02T01:00:00Z' } })).toEqual(byDay);
  });

  it('multi-field partitions: full values, leading partial values, and a clear error for other partial values', async () => {
    const euPaid = await orders.list({ partition: 'byRegionAndStatus', partitionValues: { region: 'eu', status: 'paid' } });
    expect(euPaid).toHaveLength(20);
    expect(euPaid.every((d) => d.region === 'eu' && d.status === 'paid')).toBe(true);
    const eu = await orders.listIds({ partition: 'byRegionAndStatus', partitionValues: { region: 'eu' } });
    expect(eu).toHaveLength(60);
    expect(await orders.count({ partition: 'byRegionAndStatus', partitionValues: { region: 'eu' } })).toBe(60);
    await expect(orders.list({ partition: 'byRegionAndStatus', partitionValues: { status: 'paid' } })).rejects.toThrow(/"status" needs "region"/);
    await expect(orders.list({ partition: 'nope', partitionValues: {} })).rejects.toThrow(/Unknown partition "nope".*byStatus, byDate, byRegionAndStatus/);
    await expect(orders.list({ partitionValues: { status: 'paid' } })).rejects.toBeInstanceOf(ValidationError);
    await expect(orders.page({ partition: 'byStatus', partitionValues: { status: 'paid' }, cursor: 'bogus' })).rejects.toThrow(/cursor/);
  });

  it('getFromPartition: one GET, checked against the document', async () => {
    t.store.reset();
    const doc = await orders.getFromPartition({ id: 'o001', partitionName: 'byStatus', partitionValues: { status: 'paid' } });
    expect(doc).toMatchObject({ id: 'o001', status: 'paid' });
    expect(t.store.counts).toEqual({ getObject: 1 });
    await expect(orders.getFromPartition({ id: 'o001', partitionName: 'byStatus', partitionValues: { status: 'pending' } })).rejects.toBeInstanceOf(NotFoundError);
    await expect(orders.getFromPartition({ id: 'nope', partitionName: 'byStatus', partitionValues: { status: 'paid' } })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('query uses the partition whose fields the filter covers best, and returns what a scan returns', async () => {
    // (The resource's first query read the catalogue once to learn the partition is complete: defined in every schema version.)
    t.store.reset();
    const viaPartition = await orders.query({ region: 'us', status: 'closed' });
    expect(t.store.counts).toEqual({ listObjects: 1, getObject: 20 });
    const scan = (await orders.list()).filter((d) => d.region === 'us' && d.status === 'closed');
    expect(viaPartition).toEqual(scan);
    expect(await orders.query({ status: 'closed' }, { limit: 4, offset: 3 })).toEqual((await orders.list()).filter((d) => d.status === 'closed').slice(3, 7));
    // No partition for amount: a scan, same semantics.
    expect((await orders.query({ amount: 7 })).map((d) => d.id)).toEqual(['o007']);
    // query() inside a partition.
    expect((await orders.query({ region: 'eu' }, { partition: 'byStatus', partitionValues: { status: 'paid' } })).every((d) => d.region === 'eu' && d.status === 'paid')).toBe(true);
  });

  it('s3db.js defect: a closed order stayed listed as pending; here a stale reference is skipped and repaired', async () => {
    // Damage by hand: a stale reference saying o000 (pending) is paid, and one for a document that does not exist.
    const stale = 'resource=orders/partition=byStatus/status=paid/id=o000';
    const ghost = 'resource=orders/partition=byStatus/status=paid/id=ghost';
    await t.store.inner.putObject({ key: stale, body: '' });
    await t.store.inner.putObject({ key: ghost, body: '' });
    const paid = await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'paid' } });
    expect(paid).not.toContain('o000');
    expect(paid).not.toContain('ghost');
    expect(paid).toHaveLength(40);
    await orders.flushPartitions();
    const keys = await referenceKeys(t.store, 'orders', 'byStatus');
    expect(keys).not.toContain(stale);
    expect(keys).not.toContain(ghost);
    expect(keys).toContain('resource=orders/partition=byStatus/status=pending/id=o000');
  });

  it('a stale reference in a partial lookup never lists a document twice', async () => {
    await t.store.inner.putObject({ key: 'resource=orders/partition=byRegionAndStatus/region=eu/status=zzz/id=o000', body: '' });
    const eu = await orders.listIds({ partition: 'byRegionAndStatus', partitionValues: { region: 'eu' } });
    expect(eu.filter((id) => id === 'o000')).toHaveLength(1);
    expect(eu).toHaveLength(60);
    await orders.flushPartitions();
  });
});
