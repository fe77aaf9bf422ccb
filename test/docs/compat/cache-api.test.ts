/**
 * s3db.js's CachePlugin API and cache classes, from its documentation, over
 * our one cache implementation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError, ValidationError } from '../../../src/core/errors.js';
import {
  CachePlugin,
  FilesystemCache,
  MemoryCache,
  MultiTierCache,
  PartitionAwareFilesystemCache,
  S3Cache,
  S3db,
} from '../../../src/docs/index.js';
import { MemoryClient, S3Client } from '../../../src/storage/index.js';
import { s3rverConnectionString } from '../../helpers/s3rver.js';

const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 's3lite-compat-cache-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function usersDb(plugin: CachePlugin) {
  const db = new S3db({ connectionString: `memory://compat-cache-${randomBytes(4).toString('hex')}/db` });
  await plugin.install(db);
  const users = await db.createResource({ name: 'users', attributes: { name: 'string', region: 'string' }, partitions: { byRegion: { fields: { region: 'string' } } } });
  return { db, users };
}

describe('CachePlugin: s3db.js options and methods', () => {
  it("accepts the README's config form, logLevel and partitionAware; install(db), driver, getCacheStats", async () => {
    const plugin = new CachePlugin({ driver: 'memory', ttl: 300000, logLevel: 'debug', partitionAware: true, config: { maxSize: 50, enableCompression: true, compressionThreshold: 1024 } });
    expect(plugin.logLevel).toBe('debug');
    expect(plugin.driver.kind).toBe('memory');
    const { db, users } = await usersDb(plugin);
    expect(db.plugins).toContain(plugin);
    const ann = await users.insert({ name: 'Ann', region: 'eu' });
    await users.get(ann.id);
    await users.get(ann.id);
    const stats = plugin.getCacheStats();
    expect(stats).toMatchObject({ hits: 1, misses: 1, driver: 'memory', ttl: 300000 });
    await users.update(ann.id, { name: 'Anna' });
    expect((await users.get(ann.id)).name).toBe('Anna');
    await db.disconnect();
  });

  it('clearCacheForResource and clearAllCache make the next read miss', async () => {
    const plugin = new CachePlugin({ driver: 'memory' });
    const { db, users } = await usersDb(plugin);
    const ann = await users.insert({ name: 'Ann', region: 'eu' });
    await users.get(ann.id);
    await plugin.clearCacheForResource('users');
    await users.get(ann.id);
    expect(plugin.getCacheStats()).toMatchObject({ hits: 0, misses: 2 });
    await users.get(ann.id);
    await plugin.clearAllCache();
    await users.get(ann.id);
    expect(plugin.getCacheStats()).toMatchObject({ hits: 1, misses: 3 });
    await db.disconnect();
  });

  it('warmCache(resource) makes the following count, list and gets hits', async () => {
    const plugin = new CachePlugin({ driver: 'memory' });
    const { db, users } = await usersDb(plugin);
    const ids = (await users.insertMany([{ name: 'a', region: 'eu' }, { name: 'b', region: 'us' }, { name: 'c', region: 'eu' }])).map((d) => d.id);
    expect(await plugin.warmCache('users')).toEqual({ resource: 'users', documents: 3 });
    const before = plugin.getCacheStats();
    await users.count();
    await users.list();
    for (const id of ids) await users.get(id as string);
    const after = plugin.getCacheStats();
    expect(after.misses).toBe(before.misses);
    expect(after.hits - before.hits).toBe(5);
    await db.disconnect();
    await expect(new CachePlugin().warmCache('users')).rejects.toThrow(/not installed/);
    await expect(new CachePlugin().warmCache('users')).rejects.toBeInstanceOf(ConfigurationError);
  });

  it("tiers as s3db.js writes them ({ driver, ttl, config }) or as cache instances", async () => {
    const plugin = new CachePlugin({
      drivers: [
        { driver: 'memory', ttl: 2000, config: { maxSize: 10 } },
        { driver: 'filesystem', ttl: 5000, config: { cacheDir: dir() } },
      ],
    });
    expect(plugin.drivers.map((d) => d.kind)).toEqual(['memory', 'filesystem']);
    expect(plugin.ttl).toBe(2000);
    const memory = new MemoryCache({ maxSize: 10 });
    const fromInstances = new CachePlugin({ drivers: [memory] });
    expect(fromInstances.drivers).toEqual(memory.drivers);
    const { db, users } = await usersDb(plugin);
    const ann = await users.insert({ name: 'Ann', region: 'eu' });
    await users.get(ann.id);
    await users.get(ann.id);
    expect(plugin.getCacheStats().hits).toBe(1);
    await db.disconnect();
    expect(() => new CachePlugin({ driver: 'memory', config: { nope: 1 } })).toThrow(/config\.nope/);
    expect(() => new CachePlugin({ driver: 'redis', config: { host: 'h', url: 'redis://x' } })).toThrow(ValidationError);
    expect(() => new CachePlugin({ partitionAware: 'yes' as never })).toThrow(/partitionAware/);
  });
});

describe('cache classes standalone (get/set/del/clear)', () => {
  it('MemoryCache: values come back as copies; maxSize evicts the least recently used; del and clear', async () => {
    const cache = new MemoryCache({ maxSize: 2, ttl: 60000 });
    const value = { name: 'Ann', tags: ['a'] };
    await cache.set('u1', value);
    value.tags.push('changed');
    const got = await cache.get<{ tags: string[] }>('u1');
    expect(got).toEqual({ name: 'Ann', tags: ['a'] });
    got!.tags.push('mutated');
    expect(await cache.get('u1')).toEqual({ name: 'Ann', tags: ['a'] });
    await cache.set('u1', { name: 'Ann v2' });
    expect(await cache.get('u1')).toEqual({ name: 'Ann v2' });
    await cache.del('u1');
    expect(await cache.get('u1')).toBeUndefined();
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    expect(cache.stats().evictions).toBeGreaterThan(0);
    await cache.clear();
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('c')).toBeUndefined();
    expect(() => new MemoryCache({ evictionPolicy: 'fifo' as never })).toThrow(/evictionPolicy/);
    expect(() => new MemoryCache({ maxMemoryBytes: 10, maxMemoryPercent: 0.1 })).toThrow(/maxMemoryPercent/);
    await cache.close();
  });

  it('FilesystemCache: two instances on one directory see each other, and a del in one is never served by the other', async () => {
    const directory = dir();
    const a = new FilesystemCache({ directory });
    const b = new FilesystemCache({ directory });
    await a.set('k', { v: 1 });
    expect(await b.get('k')).toEqual({ v: 1 });
    await b.del('k');
    expect(await a.get('k')).toBeUndefined();
    await a.set('k', { v: 2 });
    await b.clear();
    expect(await a.get('k')).toBeUndefined();
    await a.close();
    await b.close();
  });

  it('PartitionAwareFilesystemCache: clearPartition forgets one partition only', async () => {
    const cache = new PartitionAwareFilesystemCache({ directory: dir() });
    await cache.setPartition('users', 'byRegion', 'eu', ['u1']);
    await cache.setPartition('users', 'byStatus', 'active', ['u2']);
    await cache.clearPartition('users', 'byRegion');
    expect(await cache.getPartition('users', 'byRegion', 'eu')).toBeUndefined();
    expect(await cache.getPartition('users', 'byStatus', 'active')).toEqual(['u2']);
    await cache.close();
  });

  for (const [name, client] of [
    ['MemoryClient', async () => new MemoryClient({ bucket: `s3cache-${randomBytes(4).toString('hex')}` })],
    ['S3Client (s3rver)', async () => new S3Client({ connectionString: await s3rverConnectionString('c') })],
  ] as const) {
    it(`S3Cache on ${name}: objects under its prefix; get/set/del`, async () => {
      const store = await client();
      const cache = new S3Cache({ client: store, keyPrefix: 'cache' });
      await cache.set('report', { total: 3 });
      expect(await cache.get('report')).toEqual({ total: 3 });
      expect((await store.getAllKeys({ prefix: 'cache/' })).length).toBeGreaterThan(0);
      await cache.del('report');
      expect(await cache.get('report')).toBeUndefined();
      await cache.close();
      await store.close();
    });
  }

  it('MultiTierCache: a hit in a lower tier is promoted to the faster one', async () => {
    const directory = dir();
    const disk = new FilesystemCache({ directory });
    await disk.set('hot', { n: 1 });
    const tiers = new MultiTierCache({ drivers: [new MemoryCache({ maxSize: 10 }), new FilesystemCache({ directory })] });
    expect(await tiers.get('hot')).toEqual({ n: 1 });
    await new Promise((r) => setImmediate(r));
    expect(await tiers.get('hot')).toEqual({ n: 1 });
    const stats = tiers.stats();
    expect(stats.drivers.memory).toMatchObject({ hits: 1, sets: 1 });
    expect(stats.drivers.filesystem?.hits).toBe(1);
    await disk.del('hot');
    expect(await tiers.get('hot')).toBeUndefined();
    await tiers.close();
    await disk.close();
    expect(() => new MultiTierCache({ drivers: [] })).toThrow(ValidationError);
  });
});
