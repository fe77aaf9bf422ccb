/**
 * CachePlugin: `get` one at a time with and without the cache, on memory://
 * and on a real S3 server (s3rver), at 0%, 90% and 100% hits, for the memory
 * and redis drivers.
 *
 * A hit reads a document of a pre-warmed hot set; a miss reads a document
 * never read before (so 0% really misses every time). Each cell states the
 * hit rate it measured from plugin.stats().
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { S3db, type Resource } from '../../src/docs/index.js';
import { CachePlugin, type CachePluginOptions } from '../../src/docs/plugins/cache/index.js';
import { startS3rver, s3rverConnectionStringFor } from '../../test/helpers/s3rver.js';
import type { Cell, SuiteReport } from '../lib/report.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HOT = 100;
const HIT_RATES = [0, 0.9, 1] as const;

interface Backend {
  name: string;
  connectionString: string;
  /** Documents never read before, one per miss. */
  cold: number;
  /** Operations of a 100%-hit cell. */
  hitOps: number;
}

async function redisUp(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function deletePrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(keys);
  } while (cursor !== '0');
  client.disconnect();
}

/** Loads HOT + cold documents under a fresh resource name. */
async function load(db: S3db, name: string, cold: number): Promise<Resource> {
  const resource = await db.createResource({ name, attributes: { name: 'string', email: 'string', age: 'number', tags: 'array|items:string' } });
  const docs = Array.from({ length: HOT + cold }, (_, i) => ({ id: `d${String(i).padStart(6, '0')}`, name: `User ${i}`, email: `user${i}@example.com`, age: 20 + (i % 50), tags: ['a', 'b'] }));
  for (let i = 0; i < docs.length; i += 500) {
    const results = await resource.insertMany(docs.slice(i, i + 500));
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw failed.error;
  }
  return resource;
}

/** Runs gets one at a time: with hitRate h, of every 10 gets round(10h) go to the hot set. Returns gets/s. */
async function measure(resource: Resource, hitRate: number, backend: Backend): Promise<{ rate: number; ops: number }> {
  const hotPer10 = Math.round(hitRate * 10);
  const ops = hitRate === 1 ? backend.hitOps : hitRate === 0 ? backend.cold : Math.floor(backend.cold / (10 - hotPer10)) * 10;
  let cold = HOT;
  let hot = 0;
  const started = performance.now();
  for (let i = 0; i < ops; i++) {
    const index = i % 10 < hotPer10 ? hot++ % HOT : cold++;
    await resource.get(`d${String(index).padStart(6, '0')}`);
  }
  return { rate: (ops * 1000) / (performance.now() - started), ops };
}

async function runBackend(report: SuiteReport, backend: Backend, drivers: { name: string; options: () => CachePluginOptions; cleanup?: () => Promise<void> }[]): Promise<void> {
  const rows: Cell[][] = [];
  const db = new S3db({ connectionString: backend.connectionString, logLevel: 'silent', executorPool: { concurrency: 100 } });
  await db.connect();
  try {
    // Uncached baseline, same access pattern.
    const baseline = new Map<number, number>();
    for (const hitRate of HIT_RATES) {
      const resource = await load(db, `plain${Math.round(hitRate * 100)}`, backend.cold);
      for (let i = 0; i < HOT; i++) await resource.get(`d${String(i).padStart(6, '0')}`);
      const { rate, ops } = await measure(resource, hitRate, backend);
      baseline.set(hitRate, rate);
      rows.push([backend.name, 'none', `${hitRate * 100}%`, null, ops, rate, 1]);
    }
    for (const driver of drivers) {
      const cachedDb = new S3db({ connectionString: backend.connectionString, logLevel: 'silent', executorPool: { concurrency: 100 } });
      await cachedDb.connect();
      const plugin = await cachedDb.usePlugin(new CachePlugin(driver.options()));
      try {
        for (const hitRate of HIT_RATES) {
          const resource = await load(cachedDb, `${driver.name.replace(/\W/g, '')}${Math.round(hitRate * 100)}`, backend.cold);
          for (let i = 0; i < HOT; i++) await resource.get(`d${String(i).padStart(6, '0')}`);
          await plugin.flush();
          const before = plugin.stats();
          const { rate, ops } = await measure(resource, hitRate, backend);
          const after = plugin.stats();
          const measured = (after.hits - before.hits) / Math.max(1, after.hits - before.hits + after.misses - before.misses);
          rows.push([backend.name, driver.name, `${hitRate * 100}%`, `${(measured * 100).toFixed(1)}%`, ops, rate, rate / (baseline.get(hitRate) ?? rate)]);
          await plugin.flush();
        }
      } finally {
        await cachedDb.disconnect();
        await driver.cleanup?.();
      }
    }
  } finally {
    // memory:// keeps its buckets for the life of the process; s3rver's data directory goes with the server.
    if (backend.name === 'memory://') await db.client.clear();
    await db.disconnect();
  }
  report.add({
    title: `get() one at a time with and without CachePlugin on ${backend.name}`,
    settings: { backend: backend.name, hotSet: HOT, coldReads: backend.cold, concurrency: 1, executorPool: 100, ttl: 60000, document: '{ name, email, age, tags[2] }' },
    columns: ['backend', 'driver', 'target hits', 'measured hits', 'gets', 'gets/s', 'x uncached'],
    rows,
    notes: [
      'Goals: memory-driver hits >= 500k gets/s; redis hits >= 15k gets/s one at a time; on s3rver a 90%-hit workload >= 5x the uncached rate.',
      'A hit costs one lookup that checks three version tokens and the entry (one MGET on Redis); copies of the cached document are handed out.',
    ],
  });
}

export async function run(report: SuiteReport): Promise<void> {
  const haveRedis = await redisUp();
  const drivers = () => {
    const list: { name: string; options: () => CachePluginOptions; cleanup?: () => Promise<void> }[] = [{ name: 'memory', options: () => ({ driver: 'memory', ttl: 60_000, max: 100_000 }) }];
    if (haveRedis) {
      const prefix = `s3lite-bench:${randomBytes(4).toString('hex')}:`;
      list.push({ name: 'redis', options: () => ({ driver: 'redis', url: REDIS_URL, keyPrefix: prefix, ttl: 60_000 }), cleanup: () => deletePrefix(prefix) });
      const stacked = `s3lite-bench:${randomBytes(4).toString('hex')}:`;
      list.push({ name: 'memory+redis', options: () => ({ drivers: ['memory', { driver: 'redis', url: REDIS_URL, keyPrefix: stacked }], max: 100_000, ttl: 60_000 }), cleanup: () => deletePrefix(stacked) });
    } else {
      console.warn(`Redis is not reachable at ${REDIS_URL}: the redis rows are left out`);
    }
    return list;
  };

  await runBackend(report, { name: 'memory://', connectionString: `memory://bench-cache-${randomBytes(4).toString('hex')}/db`, cold: 5000, hitOps: 200_000 }, drivers());

  const server = await startS3rver();
  try {
    const connectionString = await s3rverConnectionStringFor(server.endpoint, 'bench');
    await runBackend(report, { name: 's3rver', connectionString, cold: 300, hitOps: 20_000 }, drivers());
  } finally {
    await server.stop();
  }
}
