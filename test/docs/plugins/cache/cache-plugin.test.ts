import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { S3db, type Resource } from '../../../../src/docs/index.js';
import { ValidationError } from '../../../../src/core/errors.js';
import { CachePlugin, FilesystemDriver, MemoryDriver, type CachePluginOptions } from '../../../../src/docs/plugins/cache/index.js';
import { deleteRedisKeys, driverSetups, memoryConnectionString, openCachedDb, redisReachable, REDIS_URL, uniquePrefix } from './helpers.js';

const attributes = { name: 'string', group: 'string|optional', born: 'date|optional', tags: 'array|items:string|optional' };
const opened: S3db[] = [];
const redisOk = await redisReachable();
const dirs: string[] = [];

afterEach(async () => {
  for (const db of opened.splice(0)) {
    await db.client.clear();
    await db.disconnect();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function setup(options: CachePluginOptions = { driver: 'memory' }, dbOptions = {}) {
  const { db, plugin } = await openCachedDb(memoryConnectionString(), options, dbOptions);
  opened.push(db);
  const users = await db.createResource({ name: 'users', attributes });
  for (let i = 0; i < 6; i++) await users.insert({ id: `u${i}`, name: `User ${i}`, group: i % 2 ? 'odd' : 'even' });
  await plugin.flush();
  return { db, plugin, users };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 's3lite-cache-plugin-'));
  dirs.push(dir);
  return dir;
}

describe('CachePlugin', () => {
  it('works exactly as in the seed: usePlugin(new CachePlugin({ driver: "memory", ttl: 60000, max: 1000 }))', async () => {
    const db = new S3db({ connectionString: memoryConnectionString(), logLevel: 'silent' });
    await db.connect();
    opened.push(db);
    await db.usePlugin(new CachePlugin({
      // Drivers: 'memory', 'redis', 'filesystem', 's3'
      driver: 'memory',
      ttl: 60000, // 1 minute
      max: 1000, // Max items
    }));
    const plugin = db.plugins.find((p) => p instanceof CachePlugin) as CachePlugin;
    const users = await db.createResource({ name: 'users', attributes });
    await users.insert({ id: 'x', name: 'X' });
    await users.get('x');
    await users.get('x');
    expect(plugin.stats()).toMatchObject({ hits: 1, misses: 1, sets: 1, errors: 0 });
    expect(plugin.ttl).toBe(60000);
  });

  it('accepts maxSize as an alias of max (the s3db.js guide said max, the code read maxSize)', async () => {
    const { plugin, users } = await setup({ driver: 'memory', maxSize: 2 });
    for (const id of ['u0', 'u1', 'u2', 'u3']) await users.get(id);
    await plugin.flush();
    expect(plugin.stats().evictions).toBe(2);
    expect(() => new CachePlugin({ max: 2, maxSize: 3 })).toThrow(/maxSize/);
  });

  it('list({limit:5}) after list({limit:2}) returns 5 items (s3db.js defect: cache keys for list/count ignore limit/offset)', async () => {
    const { users, plugin } = await setup();
    expect(await users.list({ limit: 2 })).toHaveLength(2);
    expect(await users.list({ limit: 5 })).toHaveLength(5);
    expect((await users.list({ limit: 2, offset: 3 })).map((d) => d.id)).toEqual(['u3', 'u4']);
    expect((await users.list({ limit: 2, offset: 1 })).map((d) => d.id)).toEqual(['u1', 'u2']);
    expect(await users.listIds({ limit: 1 })).toEqual(['u0']);
    expect(await users.listIds({ offset: 4 })).toEqual(['u4', 'u5']);
    await plugin.flush();
    // Served again from the cache, each under its own key.
    const hits = plugin.stats().hits;
    expect(await users.list({ limit: 5 })).toHaveLength(5);
    expect(await users.list({ limit: 2 })).toHaveLength(2);
    expect(plugin.stats().hits).toBe(hits + 2);
  });

  it('keys include every argument: page cursor and size, query filter (undefined included), getMany ids and their order', async () => {
    const { users } = await setup();
    const first = await users.page({ size: 2 });
    const second = await users.page({ size: 2, cursor: first.nextCursor });
    expect(first.items.map((d) => d.id)).toEqual(['u0', 'u1']);
    expect(second.items.map((d) => d.id)).toEqual(['u2', 'u3']);
    expect((await users.page({ size: 3 })).items).toHaveLength(3);
    expect((await users.query({ group: 'odd' })).map((d) => d.id)).toEqual(['u1', 'u3', 'u5']);
    expect((await users.query({ group: 'even' })).map((d) => d.id)).toEqual(['u0', 'u2', 'u4']);
    expect(await users.query({ group: 'odd' }, { limit: 1 })).toHaveLength(1);
    expect(await users.query({ group: 'odd' }, { offset: 2 })).toHaveLength(1);
    expect(await users.query({ born: undefined })).toHaveLength(6);
    expect(await users.query({})).toHaveLength(6);
    expect((await users.getMany(['u1', 'u2'])).map((d) => d?.id)).toEqual(['u1', 'u2']);
    expect((await users.getMany(['u2', 'u1'])).map((d) => d?.id)).toEqual(['u2', 'u1']);
    expect(await users.count()).toBe(6);
  });

  it('signal and priority do not split keys; both still reach storage on a miss', async () => {
    const { users, plugin } = await setup();
    await users.get('u1', { priority: 5 });
    await plugin.flush();
    const hits = plugin.stats().hits;
    await users.get('u1', { signal: new AbortController().signal });
    await users.list({ limit: 2, priority: 1 });
    await plugin.flush();
    await users.list({ limit: 2, priority: 9 });
    expect(plugin.stats().hits).toBe(hits + 2);
  });

  it('returns copies: callers cannot corrupt what the next caller reads (eventlite/s3db defect: callers receive the cached objects)', async () => {
    const { users, plugin } = await setup();
    await users.update('u1', { tags: ['a'], born: new Date(1000) });
    const first = await users.get('u1');
    first.name = 'changed by caller';
    (first.tags as string[]).push('leak');
    (first.born as Date).setTime(0);
    await plugin.flush();
    const second = await users.get('u1');
    expect(plugin.stats().hits).toBeGreaterThan(0);
    expect(second).toMatchObject({ name: 'User 1', tags: ['a'], born: new Date(1000) });
    second.name = 'again';
    const list = await users.list();
    list[0]!.name = 'list caller';
    expect((await users.get('u1')).name).toBe('User 1');
    expect((await users.list())[0]!.name).toBe('User 0');
  });

  for (const driver of driverSetups()) {
    it.skipIf(driver.redis && !redisOk)(`${driver.name} driver: changing what a miss returned does not change what is cached`, async () => {
      try {
        const { users, plugin } = await setup(driver.options());
        await users.update('u1', { tags: ['a'], born: new Date(1000) });
        const first = await users.get('u1');
        first.name = 'changed by caller';
        (first.tags as string[]).push('leak');
        (first.born as Date).setTime(0);
        await plugin.flush();
        const hits = plugin.stats().hits;
        expect(await users.get('u1')).toMatchObject({ name: 'User 1', tags: ['a'], born: new Date(1000) });
        expect(plugin.stats().hits).toBe(hits + 1);
        await plugin.flush();
      } finally {
        await driver.cleanup();
      }
    });
  }

  it('a read racing a write never leaves stale data behind: the old result is not kept', async () => {
    const { users, plugin } = await setup();
    // A read that starts before the write and ends after it (a slow storage GET).
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let slowOnce = true;
    users.use(async (call, next) => {
      if (call.method === 'get' && slowOnce) {
        slowOnce = false;
        const value = await next();
        await gate;
        return value;
      }
      return next();
    });
    const racing = users.get('u2');
    await new Promise((r) => setTimeout(r, 10));
    await users.patch('u2', { name: 'New name' });
    release();
    expect((await racing).name).toBe('User 2');
    await plugin.flush();
    expect((await users.get('u2')).name).toBe('New name');
  });

  it('entries expire after ttl', async () => {
    const { users, plugin } = await setup({ driver: 'memory', ttl: 40 });
    await users.get('u1');
    await plugin.flush();
    await users.get('u1');
    expect(plugin.stats().hits).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    await users.get('u1');
    expect(plugin.stats()).toMatchObject({ hits: 1, misses: 2 });
  });

  it('maxBytes bounds the memory driver by result size', async () => {
    const { users, plugin } = await setup({ driver: 'memory', maxBytes: 200 });
    for (let i = 0; i < 6; i++) await users.get(`u${i}`);
    await plugin.flush();
    expect(plugin.stats().evictions).toBeGreaterThan(0);
  });

  it('clear(resource) and clear() forget entries; stats() counts per driver', async () => {
    const { db, users, plugin } = await setup();
    const teams = await db.createResource({ name: 'teams', attributes: { name: 'string' } });
    await teams.insert({ id: 't1', name: 'T' });
    await users.get('u1');
    await teams.get('t1');
    await plugin.flush();
    await plugin.clear('users');
    await users.get('u1');
    await teams.get('t1');
    expect(plugin.stats()).toMatchObject({ hits: 1, misses: 3 });
    await plugin.flush();
    await plugin.clear();
    await teams.get('t1');
    await users.get('u1');
    const stats = plugin.stats();
    expect(stats).toMatchObject({ hits: 1, misses: 5, errors: 0 });
    expect(stats.drivers.memory).toMatchObject({ driver: 'memory', hits: 1, misses: 5, errors: 0 });
    expect(stats.hitRate).toBeCloseTo(1 / 6);
  });

  it('in-process stacks (hits served without awaiting) stay exact: a stale upper copy is never served after another instance wrote', async () => {
    const connectionString = memoryConnectionString();
    const shared = new MemoryDriver({ max: 100 });
    const a = await openCachedDb(connectionString, { drivers: [new MemoryDriver(), shared] });
    const b = await openCachedDb(connectionString, { drivers: [new MemoryDriver(), shared] });
    opened.push(a.db, b.db);
    const usersA = await a.db.createResource({ name: 'users', attributes });
    const usersB = await b.db.createResource({ name: 'users', attributes });
    await usersA.insert({ id: 'u1', name: 'One' });
    await usersA.get('u1');
    await a.plugin.flush();
    await usersB.get('u1'); // served by the shared driver, promoted to b's own
    await b.plugin.flush();
    const copy = await usersB.get('u1'); // served by b's own driver
    expect(b.plugin.stats().drivers).toMatchObject({ memory: { hits: 1 }, 'memory#2': { hits: 1 } });
    copy.name = 'changed by caller';
    await usersA.patch('u1', { name: 'Patched' });
    expect((await usersB.get('u1')).name).toBe('Patched');
    await b.plugin.flush();
    expect((await usersB.get('u1')).name).toBe('Patched');
    expect(b.plugin.stats().hits).toBe(3);
  });

  it('caches resources created after the plugin, and one created from the catalogue at connect', async () => {
    const connectionString = memoryConnectionString();
    const first = new S3db({ connectionString, logLevel: 'silent' });
    await first.connect();
    opened.push(first);
    await (await first.createResource({ name: 'notes', attributes: { text: 'string' } })).insert({ id: 'n', text: 'hi' });
    const { db, plugin } = await openCachedDb(connectionString, { driver: 'memory' });
    opened.push(db);
    const notes = db.getResource('notes');
    await notes.get('n');
    await plugin.flush();
    await notes.get('n');
    expect(plugin.stats().hits).toBe(1);
  });

  it('a schema change (new resource version) never serves documents decoded under the old one', async () => {
    const { db, users, plugin } = await setup();
    await users.get('u1');
    await plugin.flush();
    const v2 = await db.createResource({ name: 'users', attributes: { ...attributes, score: 'number|optional' } });
    expect(v2).not.toBe(users);
    await v2.get('u1');
    expect(plugin.stats().hits).toBe(0);
  });

  it('s3 driver keeps entries as objects under plugin=cache/ of the database store', async () => {
    const { db, users, plugin } = await setup({ driver: 's3' });
    await users.get('u1');
    await plugin.flush();
    const keys: string[] = [];
    for await (const object of db.client.listAll({ prefix: 'plugin=cache/' })) keys.push(object.key);
    expect(keys.some((k) => k.includes('/e/d/users/u1'))).toBe(true);
    await users.get('u1');
    expect(plugin.stats().drivers.s3).toMatchObject({ hits: 1 });
  });

  it('filesystem driver: a corrupt entry never breaks reads (logged once, counted, read from storage)', async () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const { users, plugin } = await setup({ driver: 'filesystem', directory: dir }, { logLevel: 'warn', logger: { warn: (m: string) => warnings.push(m) } });
    await users.get('u1');
    await users.get('u2');
    await plugin.flush();
    const driver = plugin.drivers[0] as FilesystemDriver;
    for (const name of readdirSync(driver.directory)) writeFileSync(join(driver.directory, name), 'garbage');
    expect((await users.get('u1')).name).toBe('User 1');
    expect((await users.get('u2')).name).toBe('User 2');
    expect(plugin.stats().errors).toBeGreaterThanOrEqual(1);
    expect(warnings.filter((w) => w.includes('cache driver filesystem'))).toHaveLength(1);
    // The damaged files were removed: the cache works again.
    await plugin.flush();
    await users.get('u1');
    await plugin.flush();
    const hits = plugin.stats().hits;
    await users.get('u1');
    expect(plugin.stats().hits).toBe(hits + 1);
  });

  it('filesystem driver removes expired files lazily and keeps the directory under maxBytes', async () => {
    const dir = tempDir();
    const { users, plugin } = await setup({ driver: 'filesystem', directory: dir, ttl: 30, maxBytes: 4000 });
    await users.get('u1');
    await plugin.flush();
    await new Promise((r) => setTimeout(r, 50));
    await users.get('u1');
    expect(plugin.stats().evictions).toBeGreaterThan(0);
    const driver = plugin.drivers[0] as FilesystemDriver;
    for (let i = 0; i < 60; i++) await users.list({ limit: 6, offset: i % 6, priority: i });
    for (let i = 0; i < 30; i++) await users.query({ name: `n${i}` });
    await plugin.flush();
    await driver.sweep();
    const size = readdirSync(driver.directory).length;
    expect(size).toBeGreaterThan(0);
    const { statSync } = await import('node:fs');
    const bytes = readdirSync(driver.directory).reduce((sum, f) => sum + statSync(join(driver.directory, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(4000);
  });

  it.skipIf(!redisOk)('redis with autoPipelining: concurrent reads are served from the cache and stay exact after a write', async () => {
    const keyPrefix = uniquePrefix('autopipe');
    try {
      const { users, plugin } = await setup({ driver: 'redis', url: REDIS_URL, keyPrefix, autoPipelining: true });
      await Promise.all(['u0', 'u1', 'u2'].map((id) => users.get(id)));
      await plugin.flush();
      const hits = plugin.stats().hits;
      const docs = await Promise.all(Array.from({ length: 30 }, (_, i) => users.get(`u${i % 3}`)));
      expect(docs.map((d) => d.name)).toEqual(Array.from({ length: 30 }, (_, i) => `User ${i % 3}`));
      expect(plugin.stats().hits).toBe(hits + 30);
      await users.patch('u1', { name: 'Patched' });
      const after = await Promise.all(Array.from({ length: 10 }, () => users.get('u1')));
      expect(new Set(after.map((d) => d.name))).toEqual(new Set(['Patched']));
      await plugin.flush();
    } finally {
      await deleteRedisKeys(keyPrefix);
    }
  });

  it('a stopped plugin lets reads through to storage', async () => {
    const { db, users, plugin } = await setup();
    await users.get('u1');
    await plugin.stop();
    await users.get('u1');
    expect(plugin.stats().hits).toBe(0);
    expect(db.isConnected).toBe(true);
  });
});

describe('CachePlugin options', () => {
  const bad: [string, unknown, RegExp][] = [
    ['unknown option', { drivr: 'memory' }, /drivr/],
    ['unknown driver', { driver: 'memcached' }, /`driver`.*'memory', 'redis', 'filesystem', 's3'/],
    ['negative ttl', { ttl: -1 }, /`ttl` to be an integer from 0/],
    ['fractional max', { max: 1.5 }, /`max`/],
    ['driver and drivers', { driver: 'memory', drivers: ['redis'] }, /`driver`/],
    ['empty drivers', { drivers: [] }, /`drivers`/],
    ['option of another driver', { driver: 'memory', url: 'redis://x' }, /`url`.*redis/],
    ['bad redis url', { driver: 'redis', url: 'http://x' }, /`url`/],
    ['unknown option in a stacked driver', { drivers: [{ driver: 'redis', max: 3 }] }, /drivers\[0\]\.max/],
    ['bad filesystem directory', { driver: 'filesystem', directory: '' }, /`directory`/],
    ['non-boolean autoPipelining', { driver: 'redis', autoPipelining: 'yes' }, /`autoPipelining`/],
    ['autoPipelining with a client', { driver: 'redis', client: { mget() {} }, autoPipelining: true }, /`autoPipelining`.*client/],
  ];
  for (const [what, options, message] of bad) {
    it(`rejects ${what} with a ValidationError naming it`, () => {
      expect(() => new CachePlugin(options as CachePluginOptions)).toThrow(ValidationError);
      expect(() => new CachePlugin(options as CachePluginOptions)).toThrow(message);
    });
  }

  it('options next to drivers apply to the drivers they belong to', () => {
    const plugin = new CachePlugin({ drivers: ['memory', 'filesystem'], max: 10, maxBytes: 1000, ttl: 5 });
    expect(plugin.drivers.map((d) => d.kind)).toEqual(['memory', 'filesystem']);
    expect(plugin.ttl).toBe(5);
  });
});

export type { Resource };
