/**
 * CachePlugin: `get` one at a time with and without the cache, on memory://
 * and on a real S3 server (s3rver), at 0%, 90% and 100% hits, for the memory
 * and redis drivers.
 *
 * A hit reads a document of a pre-warmed hot set; a miss reads a document
 * never read before (so 0% really misses every time). Each cell states the
 * hit rate it measured from plugin.stats(). The machine is shared: every
 * cell also gives gets per CPU-second of this process (what other processes'
 * load does not change) and the table the load average; the 100%-hit cells
 * are the median of three rounds. On Redis a bare ioredis MGET of the same
 * four keys, one at a time, is measured next to the hits: the round trip no
 * cache driver can beat on that machine at that moment.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { S3db, type Resource } from '../../src/docs/index.js';
import { CachePlugin, type CachePluginOptions } from '../../src/docs/plugins/cache/index.js';
import { startS3rver, s3rverConnectionStringFor } from '../../test/helpers/s3rver.js';
import type { Cell, SuiteReport } from '../lib/report.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HOT = 100;
const HIT_RATES = [0, 0.9, 1] as const;
/** Rounds of a 100%-hit cell (the median is reported). */
const HIT_ROUNDS = 3;

interface Backend {
  name: string;
  connectionString: string;
  /** Documents never read before, one per miss. */
  cold: number;
  /** Further documents read once before a database's first cell (JIT warm-up of the miss path, not measured). */
  warm: number;
  /** Gets per round of an uncached 100%-hit cell (every one a storage read). */
  storageOps: number;
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

/** Loads HOT + cold + warm documents under a fresh resource name. */
async function load(db: S3db, name: string, backend: Backend): Promise<Resource> {
  const resource = await db.createResource({ name, attributes: { name: 'string', email: 'string', age: 'number', tags: 'array|items:string' } });
  const docs = Array.from({ length: HOT + backend.cold + backend.warm }, (_, i) => ({ id: `d${String(i).padStart(6, '0')}`, name: `User ${i}`, email: `user${i}@example.com`, age: 20 + (i % 50), tags: ['a', 'b'] }));
  for (let i = 0; i < docs.length; i += 500) {
    const results = await resource.insertMany(docs.slice(i, i + 500));
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw failed.error;
  }
  return resource;
}

interface Rate {
  /** Gets per wall-clock second. */
  rate: number;
  /** Gets per CPU-second of this process. */
  cpuRate: number;
  ops: number;
}

/** Runs `ops` calls of `op` one at a time. */
async function timed(ops: number, op: (i: number) => Promise<unknown>): Promise<Rate> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < ops; i++) await op(i);
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { rate: (ops * 1000) / elapsed, cpuRate: (ops * 1e6) / Math.max(1, used.user + used.system), ops };
}

function median(rates: Rate[]): Rate {
  const sorted = [...rates].sort((a, b) => a.rate - b.rate);
  return sorted[Math.floor(sorted.length / 2)] as Rate;
}

/** Runs gets one at a time: with hitRate h, of every 10 gets round(10h) go to the hot set. `hitOps`: gets per round of a 100% cell. */
async function measure(resource: Resource, hitRate: number, backend: Backend, hitOps: number): Promise<Rate> {
  const id = (index: number) => `d${String(index).padStart(6, '0')}`;
  if (hitRate === 1) {
    const rounds: Rate[] = [];
    for (let round = 0; round < HIT_ROUNDS; round++) rounds.push(await timed(hitOps, (i) => resource.get(id(i % HOT))));
    return median(rounds);
  }
  const hotPer10 = Math.round(hitRate * 10);
  const ops = hitRate === 0 ? backend.cold : Math.floor(backend.cold / (10 - hotPer10)) * 10;
  let cold = HOT;
  let hot = 0;
  return timed(ops, (i) => resource.get(id(i % 10 < hotPer10 ? hot++ % HOT : cold++)));
}

/** A bare ioredis MGET of three version keys and one entry, one at a time (the floor of a Redis hit). */
async function bareMget(ops: number): Promise<Rate> {
  const client = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000, lazyConnect: true });
  await client.connect();
  const prefix = `s3lite-bench:${randomBytes(4).toString('hex')}:`;
  const keys = ['v/g', 'v/r/users', 'v/d/users/d000001', 'e/d/users/d000001'].map((k) => prefix + k);
  try {
    await client.mset(...keys.flatMap((k) => [k, k.startsWith(`${prefix}e/`) ? 'x'.repeat(150) : randomBytes(9).toString('base64url')]));
    const rounds: Rate[] = [];
    for (let round = 0; round < HIT_ROUNDS; round++) rounds.push(await timed(ops, () => client.mget(keys)));
    return median(rounds);
  } finally {
    await client.del(keys);
    client.disconnect();
  }
}

/** Reads the warm documents once, then the hot ones a few times: the first cell is not measured with cold code. */
async function warmUp(resource: Resource, backend: Backend): Promise<void> {
  for (let i = 0; i < backend.warm; i++) await resource.get(`d${String(HOT + backend.cold + i).padStart(6, '0')}`);
  for (let i = 0; i < 10 * HOT; i++) await resource.get(`d${String(i % HOT).padStart(6, '0')}`);
}

interface DriverSpec {
  name: string;
  options: () => CachePluginOptions;
  /** Gets per round of a 100%-hit cell (sized for about a second a round). */
  hitOps: number;
  cleanup?: () => Promise<void>;
}

async function runBackend(report: SuiteReport, backend: Backend, drivers: DriverSpec[]): Promise<void> {
  const rows: Cell[][] = [];
  const loadBefore = loadavg()[0] as number;
  const db = new S3db({ connectionString: backend.connectionString, logLevel: 'silent', executorPool: { concurrency: 100 } });
  await db.connect();
  try {
    // Uncached baseline, same access pattern.
    const baseline = new Map<number, number>();
    for (const hitRate of HIT_RATES) {
      const resource = await load(db, `plain${Math.round(hitRate * 100)}`, backend);
      if (hitRate === HIT_RATES[0]) await warmUp(resource, backend);
      for (let i = 0; i < HOT; i++) await resource.get(`d${String(i).padStart(6, '0')}`);
      const { rate, cpuRate, ops } = await measure(resource, hitRate, backend, backend.storageOps);
      baseline.set(hitRate, rate);
      rows.push([backend.name, 'none', `${hitRate * 100}%`, null, ops, rate, cpuRate, 1]);
    }
    for (const driver of drivers) {
      const cachedDb = new S3db({ connectionString: backend.connectionString, logLevel: 'silent', executorPool: { concurrency: 100 } });
      await cachedDb.connect();
      const plugin = await cachedDb.usePlugin(new CachePlugin(driver.options()));
      try {
        for (const hitRate of HIT_RATES) {
          const resource = await load(cachedDb, `${driver.name.replace(/\W/g, '')}${Math.round(hitRate * 100)}`, backend);
          if (hitRate === HIT_RATES[0]) await warmUp(resource, backend);
          for (let i = 0; i < HOT; i++) await resource.get(`d${String(i).padStart(6, '0')}`);
          await plugin.flush();
          const before = plugin.stats();
          const { rate, cpuRate, ops } = await measure(resource, hitRate, backend, driver.hitOps);
          const after = plugin.stats();
          const measured = (after.hits - before.hits) / Math.max(1, after.hits - before.hits + after.misses - before.misses);
          rows.push([backend.name, driver.name, `${hitRate * 100}%`, `${(measured * 100).toFixed(1)}%`, ops, rate, cpuRate, rate / (baseline.get(hitRate) ?? rate)]);
          await plugin.flush();
        }
        if (driver.name === 'redis') {
          const bare = await bareMget(driver.hitOps);
          rows.push([backend.name, 'bare ioredis MGET (reference)', '-', null, bare.ops, bare.rate, bare.cpuRate, null]);
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
    settings: {
      backend: backend.name,
      hotSet: HOT,
      coldReads: backend.cold,
      concurrency: 1,
      executorPool: 100,
      ttl: 60000,
      document: '{ name, email, age, tags[2] }',
      hitCells: `median of ${HIT_ROUNDS} rounds`,
      warmUp: `${backend.warm} other documents once and ${10 * HOT} hot gets before each database's first cell`,
      load_average_1m: `${loadBefore.toFixed(1)} before, ${(loadavg()[0] as number).toFixed(1)} after (${availableParallelism()} cores, shared)`,
    },
    columns: ['backend', 'driver', 'target hits', 'measured hits', 'gets', 'gets/s', 'gets/CPU-s', 'x uncached'],
    rows,
    notes: [
      'Goals: memory-driver hits >= 500k gets/s; redis hits >= 15k gets/s one at a time; on s3rver a 90%-hit workload >= 5x the uncached rate.',
      'A hit checks three version tokens (global, resource, document) and the entry, and hands out a copy. memory: no await, no key built (get plans are memoised), tokens compared by identity. redis: one MGET of the tokens and the entry.',
      'gets/CPU-s: gets per CPU-second of the bench process, independent of other load (not of Redis: its server time is not counted).',
    ],
  });
}

export async function run(report: SuiteReport): Promise<void> {
  const haveRedis = await redisUp();
  const drivers = () => {
    const list: DriverSpec[] = [{ name: 'memory', hitOps: 200_000, options: () => ({ driver: 'memory', ttl: 60_000, max: 100_000 }) }];
    if (haveRedis) {
      const prefix = `s3lite-bench:${randomBytes(4).toString('hex')}:`;
      list.push({ name: 'redis', hitOps: 15_000, options: () => ({ driver: 'redis', url: REDIS_URL, keyPrefix: prefix, ttl: 60_000 }), cleanup: () => deletePrefix(prefix) });
      const stacked = `s3lite-bench:${randomBytes(4).toString('hex')}:`;
      list.push({ name: 'memory+redis', hitOps: 15_000, options: () => ({ drivers: ['memory', { driver: 'redis', url: REDIS_URL, keyPrefix: stacked }], max: 100_000, ttl: 60_000 }), cleanup: () => deletePrefix(stacked) });
    } else {
      console.warn(`Redis is not reachable at ${REDIS_URL}: the redis rows are left out`);
    }
    return list;
  };

  await runBackend(report, { name: 'memory://', connectionString: `memory://bench-cache-${randomBytes(4).toString('hex')}/db`, cold: 2000, warm: 2000, storageOps: 100_000 }, drivers());

  const server = await startS3rver();
  try {
    const connectionString = await s3rverConnectionStringFor(server.endpoint, 'bench');
    await runBackend(report, { name: 's3rver', connectionString, cold: 300, warm: 100, storageOps: 500 }, drivers());
  } finally {
    await server.stop();
  }
}
