import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '../../../src/docs/index.js';
import { openTestDb, type Backend, type TestDb } from '../helpers.js';
import { referenceKeys } from './fixtures.js';

const BACKENDS: Backend[] = ['memory', 'file', 's3rver'];
const VALUES = ['active', 'active_old', 'x/y', 'x', 'a=b', '%2F', 'é', '😀', ''];

for (const backend of BACKENDS) {
  describe(`partitions on ${backend}://`, () => {
    let t: TestDb;
    let items: Resource;

    beforeAll(async () => {
      t = await openTestDb(backend);
      items = await t.db.createResource({
        name: 'items',
        attributes: { status: 'string', day: 'string' },
        partitions: { byStatus: { fields: { status: 'string' } }, byStatusAndDay: { fields: { status: 'string', day: 'date' } } },
      });
      await items.insertMany(VALUES.map((status, i) => ({ id: `i${i}`, status, day: `2024-03-0${1 + (i % 3)}T12:00:00Z` })));
      await items.flushPartitions();
    });
    afterAll(() => t.cleanup());

    it('every tricky value lists exactly its own document, by full and partial lookups', async () => {
      for (const [i, status] of VALUES.entries()) {
        expect(await items.listIds({ partition: 'byStatus', partitionValues: { status } })).toEqual([`i${i}`]);
        expect(await items.listIds({ partition: 'byStatusAndDay', partitionValues: { status } })).toEqual([`i${i}`]);
      }
      expect(await referenceKeys(t.store, 'items')).toHaveLength(VALUES.length * 2);
    });

    it('moves, deletes, verify and page behave the same on this backend', async () => {
      await items.update('i0', { status: 'active_old' });
      await items.delete('i3');
      await items.flushPartitions();
      expect(await items.listIds({ partition: 'byStatus', partitionValues: { status: 'active' } })).toEqual([]);
      expect(await items.listIds({ partition: 'byStatus', partitionValues: { status: 'active_old' } })).toEqual(['i0', 'i1']);
      expect(await items.listIds({ partition: 'byStatus', partitionValues: { status: 'x' } })).toEqual([]);
      const first = await items.page({ partition: 'byStatus', partitionValues: { status: 'active_old' }, size: 1 });
      const second = await items.page({ partition: 'byStatus', partitionValues: { status: 'active_old' }, size: 1, cursor: first.nextCursor });
      expect([...first.items, ...second.items].map((d) => d.id)).toEqual(['i0', 'i1']);
      expect(second.nextCursor).toBeNull();
      expect(await items.verifyPartitions()).toMatchObject({ checked: VALUES.length - 1, missing: [], stale: [] });
    });
  });
}
