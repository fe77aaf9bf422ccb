/**
 * A short self-check: runs real work through the shared core (pool limits,
 * retries, timeouts, cache, memoizer) and reports what it measured.
 */
import { ExecutorPool } from '../../core/executor-pool.js';
import { Cache } from '../../core/cache.js';
import { Memoizer } from '../../core/memoize.js';
import { TimeoutError } from '../../core/errors.js';
import { sleep } from '../../core/sleep.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SelfCheckResult {
  ok: boolean;
  checks: CheckResult[];
  lines: string[];
}


async function checkPool(): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const pool = new ExecutorPool({ concurrency: 100, retries: 2, retryDelay: 1, timeout: 1000 });
  const tasks = 100_000;
  const started = performance.now();
  await Promise.all(Array.from({ length: tasks }, () => pool.run(async () => undefined)));
  const rate = Math.round((tasks * 1000) / (performance.now() - started));
  results.push({ name: 'executor pool throughput', ok: pool.stats().completed === tasks, detail: `${rate.toLocaleString('en-US')} no-op tasks/s at concurrency 100` });

  let peak = 0;
  let inFlight = 0;
  const limited = new ExecutorPool({ concurrency: 4 });
  await Promise.all(
    Array.from({ length: 40 }, () =>
      limited.run(async () => {
        peak = Math.max(peak, ++inFlight);
        await sleep(1);
        inFlight--;
      }),
    ),
  );
  results.push({ name: 'concurrency limit', ok: peak === 4, detail: `peak ${peak} in flight with concurrency 4` });

  let attempts = 0;
  await pool.run(async () => {
    if (++attempts < 3) throw Object.assign(new Error('SlowDown'), { $metadata: { httpStatusCode: 503 } });
  });
  let notFoundCalls = 0;
  await pool
    .run(async () => {
      notFoundCalls++;
      throw Object.assign(new Error('NoSuchKey'), { $metadata: { httpStatusCode: 404 } });
    })
    .catch(() => undefined);
  results.push({ name: 'retries', ok: attempts === 3 && notFoundCalls === 1, detail: `503 retried (${attempts} calls), 404 called ${notFoundCalls} time` });

  const timeout = await pool.run((signal) => sleep(5_000, signal), { timeout: 20 }).catch((e: unknown) => e);
  results.push({ name: 'timeouts abort', ok: timeout instanceof TimeoutError, detail: timeout instanceof TimeoutError ? 'a 5 s task was aborted after 20 ms' : `unexpected: ${String(timeout)}` });
  return results;
}

function checkCache(): CheckResult {
  const cache = new Cache<{ n: number }>({ max: 1000 });
  for (let i = 0; i < 1000; i++) cache.set(String(i), { n: i });
  const reads = 200_000;
  const started = performance.now();
  for (let i = 0; i < reads; i++) cache.get(String(i % 1000));
  const rate = Math.round((reads * 1000) / (performance.now() - started));
  const copy = cache.get('1');
  if (copy) copy.n = -1;
  const ok = cache.get('1')?.n === 1 && cache.stats().hits === reads + 2;
  return { name: 'cache', ok, detail: `${rate.toLocaleString('en-US')} hits/s, values handed out as copies` };
}

async function checkMemoizer(): Promise<CheckResult> {
  let calls = 0;
  const load = Memoizer(async () => (await sleep(10), ++calls), { ttl: 60_000 });
  await Promise.all(Array.from({ length: 50 }, () => load()));
  await load();
  return { name: 'memoizer', ok: calls === 1, detail: `51 calls, ${calls} load (single flight)` };
}

export async function runSelfCheck(): Promise<SelfCheckResult> {
  const checks = [...(await checkPool()), checkCache(), await checkMemoizer()];
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = ['s3lite self-check', '', ...checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`)];
  return { ok: checks.every((c) => c.ok), checks, lines };
}
