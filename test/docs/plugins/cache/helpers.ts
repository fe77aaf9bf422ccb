/**
 * Fixtures of the cache plugin tests: the Redis the suite runs against, and
 * one factory per driver configuration.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { S3db, type S3dbOptions } from '../../../../src/docs/index.js';
import { CachePlugin, type CachePluginOptions } from '../../../../src/docs/plugins/cache/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether Redis answers. Without it the Redis tests are skipped with the
 * reason printed, except in CI (`CI=true`), where a missing Redis fails the run.
 */
export async function redisReachable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (err) {
    const reason = `Redis is not reachable at ${REDIS_URL} (${(err as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}: CI must run the Redis tests; start redis-server first`);
    console.warn(`[cache tests] skipping Redis tests: ${reason}`);
    return false;
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test (or test file running in parallel) uses. */
export function uniquePrefix(label: string): string {
  return `s3lite-test:${label}:${randomBytes(5).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.del(keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A driver configuration under test, able to make plugins that share one cache (like processes would). */
export interface DriverSetup {
  name: string;
  /** Needs the Redis server. */
  redis: boolean;
  /** Options of one plugin; every call shares the same backing cache. */
  options(): CachePluginOptions;
  cleanup(): Promise<void>;
}

export function driverSetups(): DriverSetup[] {
  const redisPrefix = uniquePrefix('matrix');
  const stackPrefix = uniquePrefix('stack');
  const dir = mkdtempSync(join(tmpdir(), 's3lite-cache-test-'));
  const s3Bucket = `memory://cache-${randomBytes(5).toString('hex')}/objects`;
  return [
    { name: 'memory', redis: false, options: () => ({ driver: 'memory', ttl: 60_000, max: 1000 }), cleanup: async () => undefined },
    { name: 'redis', redis: true, options: () => ({ driver: 'redis', url: REDIS_URL, keyPrefix: redisPrefix }), cleanup: () => deleteRedisKeys(redisPrefix) },
    {
      name: 'filesystem',
      redis: false,
      options: () => ({ driver: 'filesystem', directory: dir }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    },
    { name: 's3 (memory://)', redis: false, options: () => ({ driver: 's3', connectionString: s3Bucket }), cleanup: async () => undefined },
    {
      name: 'memory+redis',
      redis: true,
      options: () => ({ drivers: ['memory', { driver: 'redis', url: REDIS_URL, keyPrefix: stackPrefix }] }),
      cleanup: () => deleteRedisKeys(stackPrefix),
    },
  ];
}

/** A connected database on `connectionString` with its own CachePlugin. */
export async function openCachedDb(connectionString: string, options: CachePluginOptions, dbOptions: Partial<S3dbOptions> = {}): Promise<{ db: S3db; plugin: CachePlugin }> {
  const db = new S3db({ connectionString, logLevel: 'silent', executorPool: { concurrency: 20, retryDelay: 5 }, ...dbOptions });
  await db.connect();
  const plugin = await db.usePlugin(new CachePlugin(options));
  return { db, plugin };
}

export function memoryConnectionString(label = 'db'): string {
  return `memory://cache-${randomBytes(6).toString('hex')}/${label}`;
}
