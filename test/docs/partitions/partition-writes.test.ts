import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '../../../src/docs/index.js';
import { openTestDb, type TestDb } from '../helpers.js';
import { GatedStore, openOn, referenceKeys } from './fixtures.js';

const attributes = { status: 'string', region: 'string|optional', amount: 'number', createdAt: 'string|optional' };
const partitions = {
  byStatus: { fields: { status: 'string' } },
  byDate: { fields: { createdAt: 'date' } },
  byRegionAndStatus: { fields: { region: 'string', status: 'string' } },
};
const key = (p: string, rest: string, id: string) => `resource=orders/partition=${p}/${rest}/id=${id}`;
const INTENT = /^resource=orders\/partition-intent\/[0-9a-z]{9}-[0-9a-f]{12}\/id=/;

for (const asyncPartitions of [false, true]) {
  describe(`partition writes (asyncPartitions: ${asyncPartitions})`, () => {
    let t: TestDb;
    let orders: Resource;
    const settle = () => (asyncPartitions ? orders.flushPartitions() : Promise.resolve());

    beforeAll(async () => {
      t = await openTestDb('memory');
      orders = await t.db.createResource({ name: 'orders', attributes, partitions, asyncPartitions });
    });
    afterAll(() => t.cleanup());

    it('s3db.js defect: insert wrote every reference twice; here insert is 1 + one PUT per partition, each reference once, plus the crash intent (PUT before, DELETE after)', async () => {
      t.store.reset();
      await orders.insert({ id: 'o1', status: 'open', region: 'eu', amount: 1, createdAt: '2024-05-01T10:00:00Z' });
      await settle();
      const puts = t.store.log.filter((e) => e.method === 'putObject').map((e) => e.key);
      expect(t.store.counts).toEqual({ putObject: 5, deleteObject: 1 });
      expect(new Set(puts).size).toBe(5);
      // The intent is stored before the document and deleted after the references.
      expect(t.store.log[0]?.key).toMatch(INTENT);
      expect(t.store.log[1]?.key).toBe('resource=orders/data/id=o1');
      expect(t.store.log.at(-1)).toEqual({ method: 'deleteObject', key: t.store.log[0]?.key });
      expect(await referenceKeys(t.store, 'orders')).toEqual([
        key('byDate', 'createdAt=2024-05-01', 'o1'),
        key('byRegionAndStatus', 'region=eu/status=open', 'o1'),
        key('byStatus', 'status=open', 'o1'),
      ]);
    });

    it('a document without a partition field gets no reference for that partition', async () => {
      t.store.reset();
      await orders.insert({ id: 'o2', status: 'open', amount: 2 });
      await settle();
      expect(t.store.counts).toEqual({ putObject: 3, deleteObject: 1 });
      expect((await referenceKeys(t.store, 'orders')).filter((k) => k.endsWith('/id=o2'))).toEqual([key('byStatus', 'status=open', 'o2')]);
    });

    it('s3db.js defect: update scanned the partition prefix and cost 6 requests; here it is GET + PUT + 2 per changed partition (+ 2 for the intent), no LIST', async () => {
      t.store.reset();
      await orders.update('o1', { status: 'closed' });
      await settle();
      // status changes byStatus and byRegionAndStatus; byDate is untouched.
      expect(t.store.counts).toEqual({ getObject: 1, putObject: 4, deleteObject: 3 });
      expect(t.store.log.filter((e) => e.method === 'deleteObject' && !INTENT.test(e.key as string)).map((e) => e.key).sort()).toEqual([
        key('byRegionAndStatus', 'region=eu/status=open', 'o1'),
        key('byStatus', 'status=open', 'o1'),
      ]);
      t.store.reset();
      // An update that moves no reference stores no intent either.
      await orders.update('o1', { amount: 10 });
      await settle();
      expect(t.store.counts).toEqual({ getObject: 1, putObject: 1 });
    });

    it('patch, replace and both paths of upsert move exactly the references that changed', async () => {
      const refsOf = async (id: string) => (await referenceKeys(t.store, 'orders')).filter((k) => k.endsWith(`/id=${id}`)).sort();
      await orders.patch('o1', { region: 'us' });
      await settle();
      expect(await refsOf('o1')).toEqual([key('byDate', 'createdAt=2024-05-01', 'o1'), key('byRegionAndStatus', 'region=us/status=closed', 'o1'), key('byStatus', 'status=closed', 'o1')]);
      await orders.replace('o1', { status: 'paid', amount: 3 });
      await settle();
      expect(await refsOf('o1')).toEqual([key('byStatus', 'status=paid', 'o1')]);
      await orders.upsert({ id: 'o1', status: 'void', region: 'eu' });
      await settle();
      expect(await refsOf('o1')).toEqual([key('byRegionAndStatus', 'region=eu/status=void', 'o1'), key('byStatus', 'status=void', 'o1')]);
      await orders.upsert({ id: 'o9', status: 'new', amount: 9 });
      await settle();
      expect(await refsOf('o9')).toEqual([key('byStatus', 'status=new', 'o9')]);
    });

    it('s3db.js defect: delete deleted every reference twice; here delete is GET + DELETE + one DELETE per reference (+ the intent PUT and DELETE)', async () => {
      t.store.reset();
      await orders.delete('o1');
      await settle();
      expect(t.store.counts).toEqual({ getObject: 1, putObject: 1, deleteObject: 5 }); // intent; document, two references, intent, binary content
      expect((await referenceKeys(t.store, 'orders')).filter((k) => k.endsWith('/id=o1'))).toEqual([]);
    });

    it('insertMany and deleteMany keep references in step', async () => {
      await orders.insertMany(Array.from({ length: 30 }, (_, i) => ({ id: `m${i}`, status: i % 2 ? 'odd' : 'even', amount: i })));
      await settle();
      expect(await orders.count({ partition: 'byStatus', partitionValues: { status: 'odd' } })).toBe(15);
      await orders.deleteMany(Array.from({ length: 30 }, (_, i) => `m${i}`));
      await settle();
      expect((await referenceKeys(t.store, 'orders')).filter((k) => /id=m\d+$/.test(k))).toEqual([]);
    });

    it('replace that drops a partition field removes that reference (s3db.js defect: replace left stale references)', async () => {
      await orders.insert({ id: 'r1', status: 'open', region: 'eu', amount: 1 });
      await orders.replace('r1', { status: 'open', amount: 1 });
      await settle();
      expect((await referenceKeys(t.store, 'orders')).filter((k) => k.endsWith('/id=r1'))).toEqual([key('byStatus', 'status=open', 'r1')]);
      expect(await orders.listIds({ partition: 'byRegionAndStatus', partitionValues: { region: 'eu' } })).toEqual([]);
    });

    it('a resource without partitions writes nothing extra', async () => {
      const plain = await t.db.createResource({ name: 'plain', attributes: { status: 'string' }, asyncPartitions });
      t.store.reset();
      await plain.insert({ id: 'a', status: 'x' });
      await plain.update('a', { status: 'y' });
      await plain.delete('a');
      expect(t.store.counts).toEqual({ putObject: 2, getObject: 2, deleteObject: 2 }); // the second DELETE: the document's binary content
      expect(plain.partitionStats()).toEqual({ pending: 0, failed: 0, retried: 0, intents: 0, recovered: 0 });
    });
  });
}

describe('async partitions return before the references are written', () => {
  it('insert resolves after the document PUT; this process lists it at once; flushPartitions() resolves when the references are there', async () => {
    const t = await openOn((inner) => new GatedStore(inner));
    try {
      const orders = await t.db.createResource({ name: 'orders', attributes, partitions, asyncPartitions: true });
      t.store.hold();
      t.store.reset();
      await orders.insert({ id: 'a1', status: 'open', amount: 1 });
      // Only the intent and the document PUT have reached the store (the gate holds reference requests before they are counted).
      expect(t.store.log.map((e) => e.key)).toEqual([expect.stringMatching(INTENT), 'resource=orders/data/id=a1']);
      expect(orders.partitionStats().pending).toBe(1);
      expect(await referenceKeys(t.store, 'orders')).toEqual([]);
      // The reference is not written yet, but this process already lists the document.
      expect(await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'open' } })).toEqual(['a1']);
      const flushed = orders.flushPartitions();
      t.store.release();
      expect(await flushed).toEqual({ pending: 0, failed: 0, retried: 0, intents: 0, recovered: 0 });
      expect(await referenceKeys(t.store, 'orders')).toEqual([key('byStatus', 'status=open', 'a1')]);
    } finally {
      t.store.release();
      await t.cleanup();
    }
  });
});
