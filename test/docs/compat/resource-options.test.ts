/**
 * The resource options s3db.js documents are accepted and do what its docs say:
 * paranoid, autoDecrypt, allNestedObjectsOptional, asyncEvents, events, idSize,
 * version/parallelism/strictValidation, and `resource.config` introspection.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError, ValidationError } from '../../../src/core/errors.js';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

for (const backend of COMPAT_BACKENDS) {
  describe(`resource options on ${backend}://`, () => {
    it('paranoid (default true) refuses deleteAll and deleteAllData; paranoid: false allows them', async () => {
      const t = await openCompatDb(backend);
      const safe = await t.db.createResource({ name: 'safe', attributes: { v: 'number' } });
      await safe.insert({ id: 'a', v: 1 });
      await expect(safe.deleteAll()).rejects.toBeInstanceOf(ConfigurationError);
      await expect(safe.deleteAllData()).rejects.toThrow(/paranoid/);
      expect(await safe.count()).toBe(1);

      const loose = await t.db.createResource({
        name: 'loose',
        attributes: { v: 'number', tag: 'string' },
        paranoid: false,
        partitions: { byTag: { fields: { tag: 'string' } } },
        asyncPartitions: false,
      });
      const deleted: string[] = [];
      loose.on('deleted', (doc: { id: string }) => deleted.push(doc.id));
      for (let i = 0; i < 5; i++) await loose.insert({ id: `d${i}`, v: i, tag: i % 2 ? 'odd' : 'even' });
      expect(await loose.deleteAll()).toEqual({ deletedCount: 5 });
      expect(await loose.count()).toBe(0);
      expect(await loose.list({ partition: 'byTag', partitionValues: { tag: 'odd' } })).toEqual([]);
      expect(deleted.sort()).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);

      for (let i = 0; i < 3; i++) await loose.insert({ id: `e${i}`, v: i, tag: 'x' });
      const { deletedCount } = await loose.deleteAllData();
      expect(deletedCount).toBeGreaterThanOrEqual(6); // documents and their partition references
      let left = 0;
      for await (const o of t.db.client.listAll({ prefix: 'resource=loose/' })) left += o.key.length > 0 ? 1 : 0;
      expect(left).toBe(0);
      expect(await safe.count()).toBe(1);
    });

    it('autoDecrypt: false returns secrets sealed (and they open with the passphrase); the default returns plaintext', async () => {
      const t = await openCompatDb(backend, { passphrase: 'correct horse battery staple' });
      const open = await t.db.createResource({ name: 'keys', attributes: { name: 'string', token: 'secret' } });
      await open.insert({ id: 'k1', name: 'a', token: 'tok-123' });
      expect((await open.get('k1')).token).toBe('tok-123');
      const sealed = await t.db.createResource({ name: 'sealed', attributes: { name: 'string', token: 'secret' }, autoDecrypt: false });
      const inserted = await sealed.insert({ id: 'k1', name: 'a', token: 'tok-123' });
      expect(inserted.token).not.toBe('tok-123');
      const got = await sealed.get('k1');
      expect(typeof got.token).toBe('string');
      expect(got.token).not.toBe('tok-123');
      // An update merges with the plaintext, never the sealed form.
      await sealed.update('k1', { name: 'b' });
      const same = await t.db.createResource({ name: 'sealed', attributes: { name: 'string', token: 'secret' }, autoDecrypt: true });
      expect((await same.get('k1')).token).toBe('tok-123');
      expect((await same.list())[0]?.name).toBe('b');
    });

    it('allNestedObjectsOptional lets nested objects be omitted; without it they are required', async () => {
      const t = await openCompatDb(backend);
      const strict = await t.db.createResource({ name: 'strict', attributes: { name: 'string', address: { city: 'string' } } });
      await expect(strict.insert({ name: 'a' } as never)).rejects.toBeInstanceOf(ValidationError);
      const loose = await t.db.createResource({ name: 'loose', attributes: { name: 'string', address: { city: 'string' } }, allNestedObjectsOptional: true });
      expect(await loose.insert({ id: 'l1', name: 'a' } as never)).toEqual({ id: 'l1', name: 'a' });
      await expect(loose.insert({ name: 'b', address: {} } as never)).rejects.toBeInstanceOf(ValidationError);
      const db2 = await t.reopen();
      expect(await db2.getResource('loose').insert({ id: 'l2', name: 'c' })).toEqual({ id: 'l2', name: 'c' });
    });

    it('events: declarative listeners; asyncEvents (default) does not wait for them, asyncEvents: false does', async () => {
      const t = await openCompatDb(backend);
      const seen: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const fast = await t.db.createResource({
        name: 'fast',
        attributes: { v: 'number' },
        events: {
          inserted: async (doc: { id: string }) => {
            await gate;
            seen.push(`inserted:${doc.id}`);
          },
          updated: [(e: { $before: { v: number }; $after: { v: number } }) => void seen.push(`updated:${e.$before.v}->${e.$after.v}`)],
        },
      });
      await fast.insert({ id: 'f1', v: 1 });
      expect(seen).toEqual([]); // the listener is still waiting: the insert did not
      release();
      await gate;
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual(['inserted:f1']);
      await fast.update('f1', { v: 2 });
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual(['inserted:f1', 'updated:1->2']);

      const order: string[] = [];
      const sync = await t.db.createResource({
        name: 'sync',
        attributes: { v: 'number' },
        asyncEvents: false,
        events: {
          inserted: async () => {
            await new Promise((r) => setTimeout(r, 20));
            order.push('listener done');
          },
        },
      });
      await sync.insert({ v: 1 });
      order.push('insert resolved');
      expect(order).toEqual(['listener done', 'insert resolved']);
      sync.setAsyncMode(true);
      await sync.insert({ v: 2 });
      order.push('second insert resolved');
      expect(order.at(-1)).toBe('second insert resolved');
      expect(order.filter((o) => o === 'listener done')).toHaveLength(1);
    });

    it('idSize sizes generated ids; version, parallelism and strictValidation are accepted; resource.config shows them', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'cfg', attributes: { v: 'number' }, idSize: 10, version: 'v2', parallelism: 4, strictValidation: true, versioningEnabled: false });
      expect((await r.insert({ v: 1 })).id).toHaveLength(10);
      expect(r.config).toMatchObject({ name: 'cfg', paranoid: true, autoDecrypt: true, asyncEvents: true, allNestedObjectsOptional: false, idSize: 10, version: 'v2', parallelism: 4 });
      expect(r.attributes).toEqual({ v: 'number' });
      await expect(t.db.createResource({ name: 'bad', attributes: { v: 'number' }, paranoid: 'no' as never })).rejects.toBeInstanceOf(ValidationError);
      await expect(t.db.createResource({ name: 'bad', attributes: { v: 'number' }, events: { inserted: 5 as never } })).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
