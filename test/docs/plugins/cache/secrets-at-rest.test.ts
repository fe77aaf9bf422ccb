/**
 * Secret fields never reach a cache in plain text: for every driver, the raw
 * bytes it wrote (files on disk, Redis values and key names, stored objects
 * with their keys and metadata) are searched for the plaintext after every
 * cached read method ran, and hits still return the decrypted documents.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { S3db } from '../../../../src/docs/index.js';
import type { CachePluginOptions } from '../../../../src/docs/plugins/cache/index.js';
import { s3rverConnectionString } from '../../../helpers/s3rver.js';
import { deleteRedisKeys, memoryConnectionString, openCachedDb, REDIS_URL, redisReachable, uniquePrefix } from './helpers.js';

const hasRedis = await redisReachable();
const PASSPHRASE = 'correct horse battery staple';
const dirs: string[] = [];
const redisPrefixes: string[] = [];
const dbs: S3db[] = [];

afterEach(async () => {
  for (const db of dbs.splice(0)) await db.disconnect();
});
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const prefix of redisPrefixes) await deleteRedisKeys(prefix);
});

interface Setup {
  name: string;
  redis: boolean;
  connectionString(): Promise<string>;
  /** Options of one plugin; every call shares the same backing cache. */
  options: CachePluginOptions;
  /** Every byte the cache backend holds outside the database's store (names included). */
  rawCache(): Promise<string[]>;
}

function setups(): Setup[] {
  const dir = mkdtempSync(join(tmpdir(), 's3lite-secret-cache-'));
  dirs.push(dir);
  const prefix = uniquePrefix('secrets');
  redisPrefixes.push(prefix);
  const files = async () => readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((e) => (e.isFile() ? [e.name, readFileSync(join(e.parentPath, e.name), 'latin1')] : [e.name]));
  const redisValues = async () => {
    const client = new Redis(REDIS_URL);
    try {
      const out: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) out.push(key, (await client.getBuffer(key))?.toString('latin1') ?? '');
      } while (cursor !== '0');
      return out;
    } finally {
      client.disconnect();
    }
  };
  const nothing = async () => [];
  const memory = async () => memoryConnectionString('secrets');
  return [
    { name: 'memory', redis: false, connectionString: memory, options: { driver: 'memory' }, rawCache: nothing },
    { name: 'filesystem', redis: false, connectionString: memory, options: { driver: 'filesystem', directory: dir }, rawCache: files },
    // The s3 driver's objects live in the database's own bucket: the store dump below covers them.
    { name: 's3 (memory://)', redis: false, connectionString: memory, options: { driver: 's3' }, rawCache: nothing },
    { name: 's3 (s3rver)', redis: false, connectionString: () => s3rverConnectionString('secrets'), options: { driver: 's3' }, rawCache: nothing },
    { name: 'redis', redis: true, connectionString: memory, options: { driver: 'redis', url: REDIS_URL, keyPrefix: prefix }, rawCache: redisValues },
    { name: 'memory+filesystem', redis: false, connectionString: memory, options: { drivers: ['memory', { driver: 'filesystem', directory: dir }] }, rawCache: files },
    { name: 'memory+redis', redis: true, connectionString: memory, options: { drivers: ['memory', { driver: 'redis', url: REDIS_URL, keyPrefix: prefix }] }, rawCache: redisValues },
  ];
}

/** Every object of the database's store: keys, metadata and bodies. */
async function rawStore(db: S3db): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of db.client.listAll()) {
    const object = await db.client.getObject({ key });
    out.push(key, JSON.stringify(object.metadata), object.body.toString('latin1'));
  }
  return out;
}

describe.each(setups())('secret fields at rest in the $name cache', (setup) => {
  it.skipIf(setup.redis && !hasRedis)('every byte the cache wrote holds the secrets only encrypted; hits return them decrypted', async () => {
    const connectionString = await setup.connectionString();
    const password = `pw-${randomBytes(9).toString('hex')}`;
    const token = `tok-${randomBytes(9).toString('hex')}`;
    const open = async () => {
      const opened = await openCachedDb(connectionString, setup.options, { passphrase: PASSPHRASE });
      dbs.push(opened.db);
      return opened;
    };
    const { db, plugin } = await open();
    const attributes = { name: 'string', password: 'secret', creds: { token: 'secret', note: 'string|optional' } };
    const users = await db.createResource({ name: 'users', attributes });
    await users.insert({ id: 'u1', name: 'Ann', password, creds: { token, note: 'kept' } });
    await users.insert({ id: 'u2', name: 'Bob', password: `${password}-2`, creds: { token: `${token}-2` } });

    const reads = async (r: typeof users) => ({
      get: await r.get('u1'),
      getMany: await r.getMany(['u1', 'u2', 'missing']),
      list: await r.list(),
      page: await r.page({ size: 10 }),
      bySecret: await r.query({ password }),
      byNestedSecret: await r.query({ 'creds.token': token }),
      byName: await r.query({ name: 'Ann' }),
      count: await r.count(),
      ids: await r.listIds(),
    });
    const first = await reads(users);
    expect(first.get).toMatchObject({ password, creds: { token, note: 'kept' } });
    expect(first.bySecret.map((d) => d.id)).toEqual(['u1']);
    expect(first.byNestedSecret.map((d) => d.id)).toEqual(['u1']);
    await plugin.flush();

    // Served from the cache, decrypted and equal to what storage returned.
    const hits = plugin.stats().hits;
    expect(await reads(users)).toEqual(first);
    expect(plugin.stats().hits - hits).toBe(9);

    // Another "process" on the same shared cache (a fresh plugin and memory layer) opens the sealed entries too.
    if (setup.name !== 'memory') {
      await db.disconnect();
      const other = await open();
      const again = await reads(other.db.resources.users as typeof users);
      expect(again).toEqual(first);
      expect(other.plugin.stats().hits).toBe(9);
      await other.plugin.flush();
    }

    const raw = [...(await setup.rawCache()), ...(await rawStore(dbs[dbs.length - 1] as S3db))];
    expect(raw.length).toBeGreaterThan(0);
    for (const text of raw) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(token);
    }
  });
});

describe('a sealed secret that was changed in the cache', () => {
  it('does not decrypt: the entry is not served, the error is counted, and the document comes from storage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3lite-secret-tamper-'));
    dirs.push(dir);
    const warnings: string[] = [];
    const opened = await openCachedDb(memoryConnectionString('tamper'), { driver: 'filesystem', directory: dir }, {
      passphrase: PASSPHRASE,
      logLevel: 'warn',
      logger: { warn: (m: string) => warnings.push(m) },
    });
    dbs.push(opened.db);
    const users = await opened.db.createResource({ name: 'users', attributes: { password: 'secret' } });
    await users.insert({ id: 'u1', password: 'the real one' });
    await users.get('u1');
    await opened.plugin.flush();
    // Change one character inside each sealed value (`e` + base64url) of every entry file.
    let changed = 0;
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = join(entry.parentPath, entry.name);
      const text = readFileSync(file, 'utf8');
      const tampered = text.replace(/(e[A-Za-z0-9_-]{30})([A-Za-z0-9_-])/g, (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'));
      if (tampered !== text) {
        writeFileSync(file, tampered);
        changed++;
      }
    }
    expect(changed).toBeGreaterThan(0);
    const errors = opened.plugin.stats().errors;
    expect((await users.get('u1')).password).toBe('the real one');
    expect(opened.plugin.stats().errors).toBeGreaterThan(errors);
    expect(warnings.some((w) => w.includes('do not decrypt'))).toBe(true);
  });
});
