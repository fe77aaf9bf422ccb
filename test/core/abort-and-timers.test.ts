/**
 * Issue 12 item 13: signals are never shared between attempts, a kept signal is
 * not nested work, a pending deadline keeps the process alive, and the shared
 * sleep (pool retries, document conflict backoff) ends on abort.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as wait } from 'node:timers/promises';
import { ExecutorPool, AbortError, TimeoutError } from '../../src/core/index.js';
import { sleep } from '../../src/core/sleep.js';
import { backoff } from '../../src/docs/write-arguments.js';

const deferred = <T = void>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ExecutorPool: one AbortController per attempt', () => {
  it('never aborts a signal kept by a finished task when a later task times out', async () => {
    const pool = new ExecutorPool({ concurrency: 1, retries: 0 });
    const kept: AbortSignal[] = [];
    for (let i = 0; i < 20; i++) await pool.run(async (signal) => void kept.push(signal));
    const late = pool.run((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), { timeout: 30 });
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
    expect(kept.filter((s) => s.aborted)).toEqual([]);
    expect(new Set(kept).size).toBe(kept.length);
  });

  it('queues work given a finished task\'s kept signal, within the concurrency limit', async () => {
    const pool = new ExecutorPool({ concurrency: 1, retries: 0 });
    let kept: AbortSignal | undefined;
    await pool.run(async (signal) => void (kept = signal));
    const gate = deferred();
    let inFlight = 0;
    let peak = 0;
    const body = async () => {
      peak = Math.max(peak, ++inFlight);
      await gate.promise;
      inFlight--;
    };
    const blocker = pool.run(body);
    const second = pool.run(body, { signal: kept });
    await wait(20);
    expect(pool.stats()).toMatchObject({ active: 1, queued: 1 });
    gate.resolve();
    await Promise.all([blocker, second]);
    expect(peak).toBe(1);
  });

  it('still runs nested work given a running task\'s signal inside that task\'s slot', async () => {
    const pool = new ExecutorPool({ concurrency: 1, timeout: 5000 });
    const value = await pool.run(async (signal) => (await pool.run(async () => 20, { signal })) + 1);
    expect(value).toBe(21);
  });
});

describe('ExecutorPool: a pending deadline keeps the process alive', () => {
  it('times out a task hanging on an in-process promise instead of letting the process exit (code 13)', () => {
    const src = fileURLToPath(new URL('../../src/core/index.ts', import.meta.url));
    const code = `
      import { ExecutorPool, TimeoutError } from ${JSON.stringify(src)};
      const pool = new ExecutorPool({ retries: 0 });
      const error = await pool.run(() => new Promise(() => {}), { timeout: 200 }).catch((e) => e);
      console.log(error instanceof TimeoutError ? 'timed out' : 'other: ' + String(error));
      // An idle pool must not hold the process: nothing is pending, so it exits now.
      await pool.run(async () => 1, { timeout: 600_000 });
    `;
    // spawnSync's timeout kills a child kept alive by the idle 600 s deadline: status is then null.
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('timed out');
    expect(child.status).toBe(0);
  });
});

describe('shared abortable sleep', () => {
  it('ends at once with AbortError when the signal aborts mid-sleep', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(new Error('stop')), 10);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error('stop'));
  });

  it('docs backoff() between conflicting attempts honours an abort during its sleep', async () => {
    // Attempt 7 sleeps up to 50 ms; the abort comes while it sleeps and must end it.
    // Aborted before any timer can fire, so a backoff that ignores the abort resolves instead.
    const controller = new AbortController();
    const pending = backoff(7, controller.signal).then(
      () => 'slept',
      (e: unknown) => e,
    );
    await Promise.resolve();
    controller.abort();
    expect(await pending).toBeInstanceOf(AbortError);
  });
});
