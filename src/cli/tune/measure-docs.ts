/**
 * The documents half of `s3lite tune`: a concurrency sweep (throughput and
 * latency at 10…500, maxSockets matched, and once deliberately unmatched on
 * backends with sockets), partition lookup versus scan, asyncPartitions, and
 * reads with and without the CachePlugin. Everything runs under a fresh
 * sub-prefix of the target, cleared at the end.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { S3db, createClient, parseConnectionString } from '../../index.js';
import type { Progress } from '../progress.js';
import { measureCache } from './measure-cache.js';
import { measurePartitions, type PartitionSizes } from './measure-partitions.js';
import { spreadOf } from './spread.js';
import { withSubPrefix } from './sub-prefix.js';
import type { DocsFigures, SweepPoint } from './tune-types.js';

export const SWEEP_LEVELS = [10, 50, 100, 200, 500] as const;
/** maxSockets of the deliberately unmatched run. */
export const UNMATCHED_SOCKETS = 10;

export interface DocsTuneOptions {
  connectionString: string;
  quick: boolean;
  keepAlive: boolean;
  progress: Progress;
}

const ATTRIBUTES = { customerId: 'string', status: 'string', amount: 'number', note: 'string|optional' };
const STATUSES = ['pending', 'paid', 'shipped', 'closed'];
const RESOURCE = 'tune_orders';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

function open(connectionString: string, concurrency: number, maxSockets: number | null, keepAlive: boolean, warnings: string[]): S3db {
  return new S3db({
    connectionString,
    executorPool: { concurrency, timeout: 60_000 },
    ...(maxSockets === null ? {} : { httpClientOptions: { maxSockets, keepAlive } }),
    logLevel: 'warn',
    logger: { warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) },
  });
}

interface BurstSample {
  throughput: number;
  latencies: number[];
  serviceP50: number;
  serviceP95: number;
}

/** One burst: `requests / 2` inserts issued at once, then as many gets of them. */
async function burst(db: S3db, label: string, requests: number): Promise<BurstSample> {
  const resource = await db.createResource({ name: RESOURCE, attributes: ATTRIBUTES });
  const half = Math.max(1, Math.floor(requests / 2));
  const latencies: number[] = [];
  const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const value = await fn();
    latencies.push(performance.now() - start);
    return value;
  };
  const started = performance.now();
  const ids = Array.from({ length: half }, (_, i) => `${label}-${i}`);
  await Promise.all(
    ids.map((id, i) => timed(() => resource.insert({ id, customerId: `customer-${i % 97}`, status: STATUSES[i % 4] as string, amount: i / 100 }))),
  );
  await Promise.all(ids.map((id) => timed(() => resource.get(id))));
  const elapsed = performance.now() - started;
  const service = db.executorPool.stats().latency;
  return { throughput: (half * 2 * 1000) / elapsed, latencies, serviceP50: service.p50, serviceP95: service.p95 };
}

/** Median throughput and in-pool percentiles of the rounds; end-to-end percentiles over every request. */
function summarize(concurrency: number, maxSockets: number | null, requests: number, samples: BurstSample[]): SweepPoint {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const all = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  return {
    concurrency,
    maxSockets,
    requests,
    rounds: samples.length,
    throughput: median(samples.map((s) => s.throughput)),
    throughputSpread: spreadOf(samples.map((s) => s.throughput)),
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    serviceP50: median(samples.map((s) => s.serviceP50)),
    serviceP95: median(samples.map((s) => s.serviceP95)),
  };
}

/** Opens a database at `concurrency`, runs one burst, closes it. */
async function level(target: string, concurrency: number, maxSockets: number | null, keepAlive: boolean, warnings: string[], label: string, requests: number): Promise<BurstSample> {
  const db = open(target, concurrency, maxSockets, keepAlive, warnings);
  await db.connect();
  try {
    return await burst(db, label, requests);
  } finally {
    await db.disconnect();
  }
}

/** Runs the sweep, the partition and the cache measurements on `options.connectionString`. */
export async function measureDocs(options: DocsTuneOptions): Promise<DocsFigures> {
  const { quick, progress, keepAlive } = options;
  const kind = parseConnectionString(options.connectionString).kind;
  const sockets = kind === 's3';
  const requests = sockets ? (quick ? 400 : 2000) : quick ? 4000 : 20_000;
  const sub = `s3lite-tune-${randomBytes(4).toString('hex')}`;
  const target = withSubPrefix(options.connectionString, sub);
  const warnings: string[] = [];
  const notes: string[] = [];
  const resources = await readResources(options.connectionString);

  const rounds = quick ? 3 : 5;
  const unmatchedAt = SWEEP_LEVELS[SWEEP_LEVELS.length - 1] as number;
  const partitionSizes = sizesFor(kind, quick, rounds);
  const steps = 1 + rounds * (SWEEP_LEVELS.length + (sockets ? 1 : 0)) + 1 + 2 * rounds + 1;
  const task = progress.task('documents: sweep, partitions, cache', steps);
  const samples = new Map<string, BurstSample[]>();
  const add = (key: string, sample: BurstSample) => samples.set(key, [...(samples.get(key) ?? []), sample]);
  let unmatched: SweepPoint | null = null;
  let cache: DocsFigures['cache'] = null;
  let partitions: DocsFigures['partitions'] = null;
  let step = 0;
  try {
    // Warm-up (not recorded): the first burst pays for JIT compilation and connection set-up.
    await level(target, 100, sockets ? 100 : null, keepAlive, warnings, 'warmup', Math.min(requests, 1000));
    task.update(++step);
    // Interleaved rounds: a busy neighbour slows every level alike.
    for (let round = 0; round < rounds; round++) {
      for (const concurrency of SWEEP_LEVELS) {
        add(String(concurrency), await level(target, concurrency, sockets ? concurrency : null, keepAlive, warnings, `r${round}c${concurrency}`, requests));
        task.update(++step);
      }
      if (sockets) {
        add('unmatched', await level(target, unmatchedAt, UNMATCHED_SOCKETS, keepAlive, warnings, `r${round}u`, requests));
        task.update(++step);
      }
    }
    if (sockets) {
      unmatched = summarize(unmatchedAt, UNMATCHED_SOCKETS, requests, samples.get('unmatched') ?? []);
      const warned = warnings.find((w) => /maxSockets/i.test(w));
      if (warned) notes.push(`s3lite warned during the unmatched run: ${warned.replace(/^\[s3lite\] /, '')}`);
    } else {
      notes.push(
        `${kind}:// has no sockets, so maxSockets does not apply here and the "maxSockets unmatched" case was not run: it is only meaningful on an HTTP backend (pass --docs http://KEY:SECRET@host:port/bucket/prefix for MinIO or s3rver, or s3://… for AWS).`,
        `On ${kind}:// every request is CPU work on one thread, so more concurrency cannot add network parallelism; the sweep shows the pool's own overhead and queueing.`,
      );
    }
    const db = open(target, 100, sockets ? 100 : null, keepAlive, warnings);
    await db.connect();
    try {
      const measured = await measurePartitions(db, partitionSizes, () => task.update(++step));
      partitions = measured.figures;
      const resource = await db.createResource({ name: RESOURCE, attributes: ATTRIBUTES });
      cache = await measureCache(db, resource, measured.partitioned, cacheSizesFor(kind, quick));
    } finally {
      await db.disconnect();
    }
    task.update(++step);
  } finally {
    task.finish();
    // Remove everything tune wrote, even after a failure.
    const store = createClient(target, { logger: { warn: () => undefined } });
    try {
      await store.clear();
      removeEmptyDirectory(target);
    } catch (error) {
      // The figures are measured; a failed clean-up is reported, not allowed to throw them away.
      const left = `tune could not remove what it wrote under the sub-prefix ${sub}/ (${(error as Error).message}); delete that prefix by hand`;
      notes.push(left);
      progress.note(`warning: ${left}`);
    } finally {
      await store.close();
    }
  }
  const sweep = SWEEP_LEVELS.map((c) => summarize(c, sockets ? c : null, requests, samples.get(String(c)) ?? []));
  return { sockets, sweep, unmatched, notes, recommendation: recommend(sweep), partitions, cache, resources };
}

/** file:// keeps the emptied sub-prefix directory; remove it when no file is left in it. */
function removeEmptyDirectory(target: string): void {
  const parsed = parseConnectionString(target);
  if (parsed.kind !== 'file') return;
  const hasFile = (dir: string): boolean => readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? hasFile(join(dir, e.name)) : true));
  try {
    if (!hasFile(parsed.root)) rmSync(parsed.root, { recursive: true, force: true });
  } catch {
    // Already gone, or not ours to judge: leave it.
  }
}

/** Sized so that --quick stays within seconds on memory:// and within a minute on a nearby S3. */
function sizesFor(kind: string, quick: boolean, rounds: number): PartitionSizes {
  if (kind === 'memory') return { documents: quick ? 2000 : 10_000, inserts: quick ? 600 : 3000, rounds };
  if (kind === 'file') return { documents: quick ? 500 : 2000, inserts: quick ? 150 : 600, rounds };
  return { documents: quick ? 300 : 2000, inserts: quick ? 60 : 300, rounds };
}

function cacheSizesFor(kind: string, quick: boolean): { gets: number; lists: number } {
  if (kind === 'memory') return { gets: quick ? 5000 : 20_000, lists: quick ? 20 : 100 };
  if (kind === 'file') return { gets: quick ? 2000 : 10_000, lists: quick ? 10 : 50 };
  return { gets: quick ? 200 : 1000, lists: quick ? 5 : 20 };
}

/** Batch: the highest throughput (the lowest concurrency within 5% of it). API: the lowest in-pool p95 among levels with at least 70% of that throughput. */
export function recommend(sweep: SweepPoint[]): DocsFigures['recommendation'] {
  const best = Math.max(...sweep.map((p) => p.throughput));
  const batchPoint = sweep.find((p) => p.throughput >= best * 0.95) ?? (sweep[0] as SweepPoint);
  const candidates = sweep.filter((p) => p.throughput >= best * 0.7);
  const apiPoint = candidates.reduce((a, b) => (b.serviceP95 < a.serviceP95 ? b : a), candidates[0] as SweepPoint);
  const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
  return {
    api: {
      concurrency: apiPoint.concurrency,
      maxSockets: apiPoint.concurrency,
      why: `lowest in-pool p95 (${ms(apiPoint.serviceP95)}) among levels within 70% of the best throughput`,
    },
    batch: {
      concurrency: batchPoint.concurrency,
      maxSockets: batchPoint.concurrency,
      why: `highest throughput (${Math.round(batchPoint.throughput).toLocaleString('en-US')} req/s; lowest level within 5% of the best)`,
    },
  };
}

/** The target's own resources, for the checklist; none on a fresh target. */
async function readResources(connectionString: string): Promise<DocsFigures['resources']> {
  const db = new S3db({ connectionString, logLevel: 'silent' });
  await db.connect();
  try {
    return Object.values(db.resources).map((r) => ({
      name: r.name,
      behavior: r.behavior,
      partitions: Object.keys(r.definition.partitions ?? {}).length,
      asyncPartitions: r.definition.asyncPartitions,
    }));
  } finally {
    await db.disconnect();
  }
}
