/**
 * s3db.js's Plugin base class over our plugin seams (hooks, middleware,
 * the store), on memory:// and file://.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { Plugin, type Resource } from '../../../src/docs/index.js';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

class StampPlugin extends Plugin {
  readonly events: string[] = [];
  override async onInstall() {
    this.events.push('install');
    for (const resource of Object.values(this.database!.resources)) this.#stamp(resource);
    this.database!.on('resourceCreated', (r: Resource) => this.#stamp(r));
  }
  override async onStart() {
    this.events.push('start');
  }
  override async onStop() {
    this.events.push('stop');
  }
  #stamp(resource: Resource) {
    this.wrapResourceMethod(resource, 'get', async (result) => ({ ...(result as object), stamped: this.slug }));
  }
}

for (const backend of COMPAT_BACKENDS) {
  describe(`Plugin base class (${backend}://)`, () => {
    it('runs onInstall/onStart/onStop; wrapResourceMethod changes results; wrappers of two plugins chain', async () => {
      const db = (await openCompatDb(backend)).create();
      const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
      const stamp = new StampPlugin();
      expect(stamp.slug).toBe('stamp');
      await stamp.install(db);
      class CountPlugin extends Plugin {
        gets = 0;
        override async onInstall() {
          this.wrapResourceMethod('users', 'get', async (result) => {
            this.gets++;
            return result;
          });
        }
      }
      const count = await db.usePlugin(new CountPlugin({ namespace: 'one' }));
      const ann = await users.insert({ name: 'Ann' });
      const got = (await users.get(ann.id)) as unknown as Record<string, unknown>;
      expect(got.stamped).toBe('stamp');
      expect(count.gets).toBe(1);
      // A plain { setup } plugin still works next to them.
      const seen: string[] = [];
      await db.usePlugin({ name: 'plain', setup: (d) => void seen.push(String(d.isConnected)) });
      expect(seen).toEqual(['true']);
      await db.disconnect();
      expect(stamp.events).toEqual(['install', 'start', 'stop']);
    });

    it('addHook changes data before a write; removeHook stops it; addMiddleware runs around a method', async () => {
      const db = (await openCompatDb(backend)).create();
      const users = await db.createResource({ name: 'users', attributes: { name: 'string', tag: 'string|optional' } });
      const plugin = new Plugin({ slug: 'tagger' });
      await db.usePlugin(plugin);
      const tag = (data: Record<string, unknown>) => ({ ...data, tag: 'tagged' });
      plugin.addHook('users', 'beforeInsert', tag);
      expect((await users.insert({ name: 'A' })).tag).toBe('tagged');
      plugin.removeHook(users, 'beforeInsert', tag);
      expect((await users.insert({ name: 'B' })).tag).toBeUndefined();
      const calls: string[] = [];
      plugin.addMiddleware(users, 'count', async (next, ...args) => {
        calls.push('before');
        const n = await next(...args);
        calls.push('after');
        return (n as number) * 10;
      });
      expect(await users.count()).toBe(20);
      expect(calls).toEqual(['before', 'after']);
      plugin.addMiddleware(users, 'list', async (next) => next({ limit: 1 }));
      await expect(users.list()).rejects.toBeInstanceOf(ValidationError);
      await db.disconnect();
    });

    it('getStorage() keeps records under plugin=<slug>/<namespace>/, separate per namespace', async () => {
      const db = (await openCompatDb(backend)).create();
      await db.connect();
      const a = await db.usePlugin(new Plugin({ slug: 'audit', namespace: 'a' }));
      const b = await db.usePlugin(new Plugin({ slug: 'audit', namespace: 'b' }));
      await a.getStorage().set('log/1', { op: 'insert' });
      await a.getStorage().set('log/2', { op: 'update' });
      await b.getStorage().set('log/1', { op: 'other' });
      expect(await a.getStorage().get('log/1')).toEqual({ op: 'insert' });
      expect(await a.getStorage().list('log/')).toEqual(['log/1', 'log/2']);
      expect(await b.getStorage().list()).toEqual(['log/1']);
      await db.client.headObject({ key: 'plugin=audit/a/log/2' });
      await a.getStorage().delete('log/2');
      expect(await a.getStorage().get('log/2')).toBeNull();
      expect(await a.getStorage().deleteAll()).toBe(1);
      expect(await b.getStorage().get('log/1')).toEqual({ op: 'other' });
      expect(() => new Plugin({ slug: 'Bad Slug' })).toThrow(ValidationError);
      expect(() => new Plugin().getStorage()).toThrow(/not installed/);
      await db.disconnect();
    });

    it('extractPartitionValues and getNestedFieldValue', async () => {
      const db = (await openCompatDb(backend)).create();
      const orders = await db.createResource({ name: 'orders', attributes: { region: 'string', customer: { tier: 'string' } }, partitions: { byRegion: { fields: { region: 'string' } }, byTier: { fields: { 'customer.tier': 'string' } } } });
      const plugin = await db.usePlugin(new Plugin());
      expect(plugin.getNestedFieldValue({ customer: { tier: 'gold' } }, 'customer.tier')).toBe('gold');
      expect(plugin.extractPartitionValues({ region: 'eu', customer: { tier: 'gold' } }, orders)).toEqual({ byRegion: { region: 'eu' }, byTier: { 'customer.tier': 'gold' } });
      expect(plugin.extractPartitionValues({ region: 'eu' }, 'orders')).toEqual({ byRegion: { region: 'eu' } });
      await db.disconnect();
    });
  });
}

describe('plugins by name (usePlugin(plugin, name), getPlugin, db.plugins.<name>)', () => {
  it('names plugins by slug or name, or the name given; db.plugins is ordered and keyed', async () => {
    const db = (await openCompatDb('memory')).create();
    const stamp = await db.usePlugin(new StampPlugin());
    const plain = await db.usePlugin({ name: 'plain', setup: () => undefined });
    const aliased = await db.usePlugin(new Plugin({ slug: 'audit' }), 'auditTrail');
    const second = await db.usePlugin(new StampPlugin());
    expect(db.getPlugin('stamp')).toBe(stamp);
    expect(db.getPlugin('plain')).toBe(plain);
    expect(db.getPlugin('auditTrail')).toBe(aliased);
    expect(db.getPlugin('stamp2')).toBe(second);
    expect(db.plugins[0]).toBe(stamp);
    expect(db.plugins.length).toBe(4);
    expect((db.plugins as unknown as Record<string, unknown>).plain).toBe(plain);
    expect(Object.keys(db.pluginRegistry)).toEqual(['stamp', 'plain', 'auditTrail', 'stamp2']);
    await expect(db.usePlugin(new Plugin(), 'plain')).rejects.toThrow(/taken/);
    await db.connect();
    expect(stamp.events).toEqual(['install', 'start']);
    await db.disconnect();
  });
});
