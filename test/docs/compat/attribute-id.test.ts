/**
 * s3db.js accepts an attribute named `id` ('string|optional', 'string|required',
 * 'uuid', rules with options): the rule checks the document id.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

for (const backend of COMPAT_BACKENDS) {
  describe(`attribute named id on ${backend}://`, () => {
    it("accepts id: 'string|optional' and 'string|required'; insert({ id }) uses the given id", async () => {
      const t = await openCompatDb(backend);
      const a = await t.db.createResource({ name: 'a', attributes: { id: 'string|optional', name: 'string' } });
      expect((await a.insert({ id: 'alice', name: 'Alice' })).id).toBe('alice');
      expect(await a.get('alice')).toEqual({ id: 'alice', name: 'Alice' });
      const generated = await a.insert({ name: 'Bob' });
      expect(generated.id).toMatch(/^[A-Za-z0-9_-]+$/);
      const b = await t.db.createResource({ name: 'b', attributes: { id: 'string|required', name: 'string' } });
      expect((await b.insert({ id: 'x1', name: 'X' })).id).toBe('x1');
      expect(await b.list()).toEqual([{ id: 'x1', name: 'X' }]);
    });

    it('the rule validates the document id before any request', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'codes', attributes: { id: 'string|min:3|max:5|pattern:^[A-Z]+$', v: 'number' } });
      t.store.reset();
      await expect(r.insert({ id: 'ab', v: 1 })).rejects.toBeInstanceOf(ValidationError);
      await expect(r.insert({ id: 'abcde', v: 1 })).rejects.toThrow(/id/);
      await expect(r.upsert({ id: 'TOOLONG', v: 1 })).rejects.toBeInstanceOf(ValidationError);
      expect(t.store.counts.putObject ?? 0).toBe(0);
      expect((await r.insert({ id: 'ABC', v: 1 })).id).toBe('ABC');
      const many = await r.insertMany([{ id: 'OK', v: 1 }, { id: 'GOOD', v: 2 }]);
      expect(many.map((m) => m.ok)).toEqual([false, true]);
      const uuids = await t.db.createResource({ name: 'u', attributes: { id: 'uuid', v: 'number' } });
      await expect(uuids.insert({ id: 'not-a-uuid', v: 1 })).rejects.toBeInstanceOf(ValidationError);
      expect((await uuids.insert({ id: '3b241101-e2bb-4255-8caf-4136c566a962', v: 1 })).v).toBe(1);
    });

    it('nested attributes named id are ordinary fields; the definition survives a reopen', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'n', attributes: { id: 'string|required', owner: { id: 'string', name: 'string' } } });
      await r.insert({ id: 'n1', owner: { id: 'u1', name: 'Ann' } });
      const db2 = await t.reopen();
      const again = db2.getResource('n');
      expect(await again.get('n1')).toEqual({ id: 'n1', owner: { id: 'u1', name: 'Ann' } });
      await expect(again.insert({ id: 'n2', owner: { name: 'no id' } })).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
