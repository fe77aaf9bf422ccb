/**
 * Per-task overhead of ExecutorPool.run for no-op tasks, side by side with
 * p-queue doing the same work in the same run. Also Cache and Memoizer hits.
 */
import PQueue from 'p-queue';
import { ExecutorPool, Cache, Memoizer } from '../../src/index.js';
import type { SuiteReport } from '../lib/report.js';

const TASKS = 200_000;
const ROUNDS = 5;

async function timeBatch(submit: () => Promise<unknown>, tasks: number): Promise<number> {
  const started = performance.now();
  const all: Promise<unknown>[] = new Array(tasks);
  for (let i = 0; i < tasks; i++) all[i] = submit();
  await Promise.all(all);
  return performance.now() - started;
}

/** Median over rounds of the per-task cost in ns, alternating the two contenders to share noise. */
async function compare(concurrency: number) {
  const noop = async () => undefined;
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const pool = new ExecutorPool({ concurrency });
    const oursMs = await timeBatch(() => pool.run(noop), TASKS);
    const queue = new PQueue({ concurrency });
    const theirsMs = await timeBatch(() => queue.add(noop), TASKS);
    if (round === 0) continue; // warm-up
    ours.push((oursMs * 1e6) / TASKS);
    theirs.push((theirsMs * 1e6) / TASKS);
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
  return { ours: median(ours), theirs: median(theirs) };
}

export async function run(report: SuiteReport): Promise<void> {
  const rows = [];
  for (const concurrency of [1, 10, 100]) {
    const { ours, theirs } = await compare(concurrency);
    rows.push([concurrency, ours, theirs, ours / theirs, 1e9 / ours]);
  }
  report.add({
    title: 'ExecutorPool.run overhead vs p-queue (no-op tasks)',
    settings: { tasks: TASKS, rounds: ROUNDS, statistic: 'median', timeout: '30000 ms (pool default)', pQueue: '9.x' },
    columns: ['concurrency', 'ExecutorPool ns/task', 'p-queue ns/task', 'ratio (goal <= 1.2)', 'ExecutorPool tasks/s'],
    rows,
  });

  const cache = new Cache<{ id: number; name: string; tags: string[] }>({ max: 10_000 });
  const frozen = new Cache<{ id: number; name: string; tags: string[] }>({ max: 10_000, freeze: true });
  for (let i = 0; i < 10_000; i++) {
    cache.set(`k${i}`, { id: i, name: `name-${i}`, tags: ['a', 'b'] });
    frozen.set(`k${i}`, { id: i, name: `name-${i}`, tags: ['a', 'b'] });
  }
  const hitRate = (c: typeof cache) => {
    const n = 1_000_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) c.get(`k${i % 10_000}`);
    return (n * 1000) / (performance.now() - started);
  };
  const memo = Memoizer(async (id: number) => ({ id }), { ttl: 60_000 });
  await memo(1);
  const memoStarted = performance.now();
  for (let i = 0; i < 200_000; i++) await memo(1);
  const memoRate = (200_000 * 1000) / (performance.now() - memoStarted);
  report.add({
    title: 'Cache and Memoizer hits',
    settings: { entries: 10_000, value: '{ id, name, tags[2] }' },
    columns: ['operation', 'ops/s'],
    rows: [
      ['Cache.get (structuredClone copy)', hitRate(cache)],
      ['Cache.get (frozen, no copy)', hitRate(frozen)],
      ['Memoizer hit (awaited)', memoRate],
    ],
  });
}
