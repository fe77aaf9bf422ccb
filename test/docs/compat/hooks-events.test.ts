/**
 * Hooks and events as s3db.js documents them: every before/after hook name,
 * `this` bound to the resource, afterUpdate with $before/$after, events
 * fetched/getMany/list/count/insertMany/deleteMany, useMiddleware(method, fn).
 */
import { describe, expect, it } from 'vitest';
import type { Resource } from '../../../src/docs/index.js';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

for (const backend of COMPAT_BACKENDS) {
  describe(`hooks and events on ${backend}://`, () => {
    it("hooks run with `this` bound to the resource (the README's this.validateStock example)", async () => {
      const t = await openCompatDb(backend);
      const products = await t.db.createResource({
        name: 'products',
        attributes: { name: 'string', stock: 'number' },
        hooks: {
          beforeInsert: [
            async function (this: Resource & { validateStock(n: unknown): void }, data) {
              this.validateStock(data.stock);
              expect(await this.count()).toBeGreaterThanOrEqual(0);
              return data;
            },
          ],
        },
      });
      Object.assign(products, {
        validateStock(n: unknown) {
          if (typeof n !== 'number' || n < 0) throw new Error('stock must be >= 0');
        },
      });
      expect((await products.insert({ id: 'p1', name: 'pen', stock: 3 })).stock).toBe(3);
      await expect(products.insert({ name: 'bad', stock: -1 })).rejects.toThrow('stock must be >= 0');
    });

    it('read and bulk hooks: before* may replace the argument, after* the result; afterUpdate gets $before/$after', async () => {
      const t = await openCompatDb(backend);
      const seen: string[] = [];
      const r = await t.db.createResource({
        name: 'items',
        attributes: { name: 'string', n: 'number' },
        hooks: {
          beforeGet: (id) => (String(id) === 'alias' ? 'i1' : undefined) as never,
          afterGet: (doc) => ({ ...doc, shown: true }),
          beforeList: (options) => ({ ...options, limit: 1 }),
          afterList: (docs) => void seen.push(`afterList:${(docs as unknown as unknown[]).length}`),
          afterCount: (n) => (n as unknown as number) * 10 as never,
          beforeExists: (id) => void seen.push(`beforeExists:${String(id)}`),
          afterGetMany: (docs) => void seen.push(`afterGetMany:${(docs as unknown as unknown[]).length}`),
          beforeQuery: (filter) => ({ ...filter, name: 'b' }),
          afterUpdate: function (this: Resource, data) {
            seen.push(`afterUpdate:${(data.$before as { n: number }).n}->${(data.$after as { n: number }).n}:${this.name}`);
          },
          beforeInsertMany: (items) => void seen.push(`beforeInsertMany:${(items as unknown as unknown[]).length}`),
          afterDeleteMany: (results) => void seen.push(`afterDeleteMany:${(results as unknown as unknown[]).length}`),
          beforePatch: (id) => void seen.push(`beforePatch:${String(id)}`),
          afterReplace: (doc) => void seen.push(`afterReplace:${String(doc.name)}`),
        },
      });
      await r.insertMany([{ id: 'i1', name: 'a', n: 1 }, { id: 'i2', name: 'b', n: 2 }]);
      expect(await r.get('alias')).toEqual({ id: 'i1', name: 'a', n: 1, shown: true });
      expect(await r.list()).toHaveLength(1);
      expect(await r.count()).toBe(20);
      expect(await r.exists('i2')).toBe(true);
      await r.getMany(['i1', 'nope']);
      expect((await r.query({ name: 'a' })).map((d) => d.id)).toEqual(['i2']);
      await r.update('i1', { n: 5 });
      await r.patch('i1', { n: 6 });
      await r.replace('i2', { name: 'z', n: 0 });
      await r.deleteMany(['i1', 'i2']);
      expect(seen).toEqual([
        'beforeInsertMany:2',
        'afterList:1',
        'beforeExists:i2',
        'afterGetMany:2',
        'afterUpdate:1->5:items',
        'beforePatch:i1',
        'afterUpdate:5->6:items',
        'afterUpdate:2->0:items',
        'afterReplace:z',
        'afterDeleteMany:2',
      ]);
      await expect(t.db.createResource({ name: 'x', attributes: { n: 'number' }, hooks: { beforeTeleport: () => undefined } as never })).rejects.toThrow(/hook names/);
    });

    it('events: fetched, getMany, list, count, insertMany and deleteMany carry what s3db.js documents', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'ev', attributes: { n: 'number', tag: 'string' }, partitions: { byTag: { fields: { tag: 'string' } } }, asyncPartitions: false, asyncEvents: false });
      const events: [string, unknown][] = [];
      for (const name of ['fetched', 'getMany', 'list', 'count', 'insertMany', 'deleteMany']) r.on(name, (payload: unknown) => events.push([name, payload]));
      // The duplicate id carries the same values: which of the two concurrent inserts wins is not defined.
      await r.insertMany([{ id: 'a', n: 1, tag: 'x' }, { id: 'b', n: 2, tag: 'y' }, { id: 'a', n: 1, tag: 'x' }]);
      await r.get('a');
      await r.getMany(['a', 'b', 'zz']);
      await r.list({ partition: 'byTag', partitionValues: { tag: 'x' } });
      await r.count();
      await r.deleteMany(['a', 'b', 'zz']);
      expect(events).toEqual([
        ['insertMany', 2],
        ['fetched', { id: 'a', n: 1, tag: 'x' }],
        ['getMany', 2],
        ['list', { count: 1, errors: 0, partition: 'byTag', partitionValues: { tag: 'x' } }],
        ['count', 2],
        ['deleteMany', 2],
      ]);
    });

    it('useMiddleware(method, fn) wraps one method (s3db.js names like inserted/fetched too) and can short-circuit', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'mw', attributes: { name: 'string' } });
      const log: string[] = [];
      r.useMiddleware('inserted', async (ctx, next) => {
        (ctx.args[0] as { name: string }).name = (ctx.args[0] as { name: string }).name.toUpperCase();
        log.push(`before ${ctx.method}`);
        const result = await next();
        log.push(`after ${ctx.method}`);
        return result;
      });
      const cache = new Map<string, unknown>([['cached', { id: 'cached', name: 'FROM CACHE' }]]);
      r.useMiddleware('fetched', async (ctx, next) => cache.get(ctx.args[0] as string) ?? next());
      const doc = await r.insert({ id: 'm1', name: 'john doe' });
      expect(doc.name).toBe('JOHN DOE');
      expect(log).toEqual(['before insert', 'after insert']);
      expect(await r.get('cached')).toEqual({ id: 'cached', name: 'FROM CACHE' });
      expect(await r.get('m1')).toEqual({ id: 'm1', name: 'JOHN DOE' });
      expect(() => r.useMiddleware('teleport', async (_c, next) => next())).toThrow(/one of/);
    });
  });
}
