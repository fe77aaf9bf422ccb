/**
 * Partition rules s3db.js documents beyond string/number/date: 'boolean' and
 * 'date|maxlength:N'; timestamps: true brings byCreatedDate / byUpdatedDate.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

for (const backend of COMPAT_BACKENDS) {
  describe(`partition rules on ${backend}://`, () => {
    it("'boolean' and 'date|maxlength:7' (month) partitions list exactly their documents", async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({
        name: 'events',
        attributes: { active: 'boolean', at: 'string' },
        partitions: { byActive: { fields: { active: 'boolean' } }, byMonth: { fields: { at: 'date|maxlength:7' } } },
        asyncPartitions: false,
      });
      await r.insertMany([
        { id: 'a', active: true, at: '2024-01-15T10:00:00.000Z' },
        { id: 'b', active: false, at: '2024-01-31T23:59:59.000Z' },
        { id: 'c', active: true, at: '2024-02-01T00:00:00.000Z' },
      ]);
      expect(await r.listIds({ partition: 'byActive', partitionValues: { active: true } })).toEqual(['a', 'c']);
      expect(await r.listIds({ partition: 'byActive', partitionValues: { active: false } })).toEqual(['b']);
      expect(await r.listIds({ partition: 'byMonth', partitionValues: { at: '2024-01' } })).toEqual(['a', 'b']);
      expect(await r.listIds({ partition: 'byMonth', partitionValues: { at: '2024-02' } })).toEqual(['c']);
      await r.update('a', { active: false });
      expect(await r.listIds({ partition: 'byActive', partitionValues: { active: true } })).toEqual(['c']);
      await expect(t.db.createResource({ name: 'bad', attributes: { n: 'number' }, partitions: { p: { fields: { n: 'number|maxlength:3' } } } })).rejects.toBeInstanceOf(ValidationError);
    });

    it('timestamps: true creates byCreatedDate and byUpdatedDate', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'notes', attributes: { text: 'string' }, timestamps: true, asyncPartitions: false });
      const doc = await r.insert({ id: 'n1', text: 'hi' });
      const day = String(doc.createdAt).slice(0, 10);
      expect(await r.listIds({ partition: 'byCreatedDate', partitionValues: { createdAt: day } })).toEqual(['n1']);
      expect(await r.listIds({ partition: 'byUpdatedDate', partitionValues: { updatedAt: day } })).toEqual(['n1']);
      expect(await r.listIds({ partition: 'byCreatedDate', partitionValues: { createdAt: '1999-01-01' } })).toEqual([]);
      expect(Object.keys(r.config.partitions)).toEqual(['byCreatedDate', 'byUpdatedDate']);
      // A user definition of the same name wins.
      const own = await t.db.createResource({ name: 'own', attributes: { text: 'string' }, timestamps: true, partitions: { byCreatedDate: { fields: { createdAt: 'date|maxlength:7' } } } });
      expect(own.config.partitions.byCreatedDate).toEqual({ fields: { createdAt: 'date|maxlength:7' } });
    });
  });
}
