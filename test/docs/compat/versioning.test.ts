/**
 * versioningEnabled: each write keeps the version it replaced readable
 * (getHistory), deletes included; without it nothing extra is written.
 */
import { describe, expect, it } from 'vitest';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

for (const backend of COMPAT_BACKENDS) {
  describe(`versioningEnabled on ${backend}://`, () => {
    it('update, patch, replace and delete keep the previous versions, oldest first, with exact values', async () => {
      const t = await openCompatDb(backend, { passphrase: 'history passphrase' });
      const r = await t.db.createResource({ name: 'docs', attributes: { title: 'string', when: 'date|optional', pin: 'secret|optional' }, versioningEnabled: true });
      const when = new Date('2024-01-02T03:04:05.678Z');
      await r.insert({ id: 'd1', title: 'one', when, pin: '1234' });
      expect(await r.getHistory('d1')).toEqual([]);
      await r.update('d1', { title: 'two' });
      await r.patch('d1', { title: 'three' });
      await r.replace('d1', { title: 'four' });
      await r.delete('d1');
      const history = await r.getHistory('d1');
      expect(history.map((h) => [h.version, h.replacedBy, h.data.title])).toEqual([
        [1, 'update', 'one'],
        [2, 'update', 'two'],
        [3, 'update', 'three'],
        [4, 'delete', 'four'],
      ]);
      expect(history[0]?.data).toEqual({ id: 'd1', title: 'one', when, pin: '1234' });
      // Secrets are sealed at rest in history too.
      const raw: string[] = [];
      for await (const o of t.db.client.listAll({ prefix: 'resource=docs/history/' })) raw.push((await t.db.client.getObject({ key: o.key })).body.toString());
      expect(raw).toHaveLength(4);
      expect(raw.join('\n')).not.toContain('1234');
    });

    it('without versioningEnabled no history is written', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'plain', attributes: { title: 'string' } });
      await r.insert({ id: 'p1', title: 'a' });
      t.store.reset();
      await r.update('p1', { title: 'b' });
      expect(t.store.counts.putObject).toBe(1);
      expect(await r.getHistory('p1')).toEqual([]);
    });
  });
}
