/**
 * Resource methods s3db.js documents: replace creating a missing document,
 * numbered pages, getAll/getOrNull/getOrThrow, updateConditional,
 * listPartition, config/attributes introspection.
 */
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../../src/core/errors.js';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

for (const backend of COMPAT_BACKENDS) {
  describe(`s3db.js methods on ${backend}://`, () => {
    it('replace on a missing id creates the document; on an existing one replaces it', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'r', attributes: { name: 'string', note: 'string|optional' }, timestamps: true });
      t.store.reset();
      const created = await r.replace('new', { name: 'fresh' });
      expect(created).toMatchObject({ id: 'new', name: 'fresh' });
      // The create was conditional: it can never overwrite a concurrent insert.
      expect(t.store.log.find((e) => e.method === 'putObject' && e.key?.endsWith('id=new') && !e.key.includes('partition'))?.ifNoneMatch).toBe('*');
      const replaced = await r.replace('new', { name: 'second' });
      expect(replaced).toMatchObject({ id: 'new', name: 'second' });
      expect(replaced.note).toBeUndefined();
      expect(replaced.createdAt).toBe(created.createdAt);
      // Racing creators: exactly one creates, the others replace it; nothing fails, one document remains.
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => r.replace('race', { name: `n${i}` })));
      expect(results).toHaveLength(6);
      expect(await r.count()).toBe(2);
    });

    it('page({ size, page }) and page({ size, offset }) return the documented shape; unknown options are errors', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'p', attributes: { n: 'number' } });
      await r.insertMany(Array.from({ length: 25 }, (_, i) => ({ id: `d${String(i).padStart(2, '0')}`, n: i })));
      const second = await r.page({ size: 10, page: 1 });
      expect(second.items.map((d) => d.n)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(second).toMatchObject({ totalItems: 25, page: 1, pageSize: 10, totalPages: 3, hasMore: true });
      const last = await r.page({ size: 10, offset: 20 });
      expect(last.items.map((d) => d.n)).toEqual([20, 21, 22, 23, 24]);
      expect(last).toMatchObject({ totalItems: 25, page: 2, pageSize: 10, totalPages: 3, hasMore: false });
      const fast = await r.page({ size: 10, offset: 0, skipCount: true });
      expect(fast).toMatchObject({ totalItems: null, totalPages: null, hasMore: true, page: 0 });
      await expect(r.page({ size: 10, pageNumber: 2 } as never)).rejects.toBeInstanceOf(ValidationError);
      await expect(r.page({ size: 10, page: -1 })).rejects.toBeInstanceOf(ValidationError);
      await expect(r.page({ size: 10, page: 1, cursor: 'x' })).rejects.toBeInstanceOf(ValidationError);
      // Cursor paging is unchanged, and says whether more follows.
      const first = await r.page({ size: 20 });
      expect(first).toMatchObject({ pageSize: 20, hasMore: true });
      expect((await r.page({ size: 20, cursor: first.nextCursor })).items).toHaveLength(5);
    });

    it("upsert(id, data) as s3db.js's guide writes it, beside upsert({ id, ...data })", async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'u', attributes: { name: 'string', email: 'string|optional' } });
      expect(await r.upsert('user-123', { name: 'John Doe' })).toEqual({ id: 'user-123', name: 'John Doe' });
      expect(await r.upsert('user-123', { email: 'john@example.com' })).toEqual({ id: 'user-123', name: 'John Doe', email: 'john@example.com' });
      expect(await r.upsert({ id: 'user-123', name: 'Jane' })).toEqual({ id: 'user-123', name: 'Jane', email: 'john@example.com' });
      await expect(r.upsert('user-9', 'nope' as never)).rejects.toBeInstanceOf(ValidationError);
    });

    it('getAll, getOrNull, getOrThrow, listPartition', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'g', attributes: { n: 'number', tag: 'string' }, partitions: { byTag: { fields: { tag: 'string' } } }, asyncPartitions: false });
      await r.insertMany([{ id: 'a', n: 1, tag: 'x' }, { id: 'b', n: 2, tag: 'y' }]);
      expect((await r.getAll()).map((d) => d.id)).toEqual(['a', 'b']);
      expect(await r.getOrNull('zz')).toBeNull();
      expect(await r.getOrNull('a')).toEqual({ id: 'a', n: 1, tag: 'x' });
      await expect(r.getOrThrow('zz')).rejects.toBeInstanceOf(NotFoundError);
      expect((await r.listPartition({ partition: 'byTag', partitionValues: { tag: 'y' } })).map((d) => d.id)).toEqual(['b']);
    });

    it('updateConditional applies only while the ETag is unchanged', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'c', attributes: { n: 'number' } });
      await r.insert({ id: 'c1', n: 1 });
      const etag = (await r.getEtag('c1')) as string;
      const ok = await r.updateConditional('c1', { n: 2 }, { ifMatch: etag });
      expect(ok).toMatchObject({ success: true, data: { id: 'c1', n: 2 } });
      const stale = await r.updateConditional('c1', { n: 3 }, { ifMatch: etag });
      expect(stale.success).toBe(false);
      expect((await r.get('c1')).n).toBe(2);
      const next = ok.success ? (ok.etag as string) : '';
      expect((await r.updateConditional('c1', { n: 4 }, { ifMatch: next })).success).toBe(true);
      expect((await r.updateConditional('missing', { n: 1 }, { ifMatch: next })).success).toBe(false);
      await expect(r.updateConditional('c1', { n: 5 }, {} as never)).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
