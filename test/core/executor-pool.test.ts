import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExecutorPool, TasksPool, NotFoundError, TimeoutError, AbortError, ClosedError, StorageError, ConflictError } from '../../src/core/index.js';

const deferred = <T = void>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

function httpError(status: number, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`HTTP ${status}`), { $metadata: { httpStatusCode: status }, ...extra });
}

describe('ExecutorPool: concurrency and ordering', () => {
  it('the concurrency setter (and s3db.js\'s setConcurrency through TasksPool) rejects a missing or bad limit and keeps the old one', async () => {
    const pool = new ExecutorPool({ concurrency: 2 });
    for (const bad of [undefined, 0, 1.5, '3']) {
      expect(() => {
        pool.concurrency = bad as unknown as number;
      }).toThrow(/concurrency/);
    }
    expect(pool.concurrency).toBe(2);
    // An undefined limit used to be stored, and the pool then never started a task.
    await expect(pool.run(async () => 'ran')).resolves.toBe('ran');
    const tasks = new TasksPool({ concurrency: 2 });
    expect(() => tasks.setConcurrency(undefined as unknown as number)).toThrow(/concurrency/);
    expect(tasks.concurrency).toBe(2);
  });

  it('never runs more than `concurrency` tasks at once', async () => {
    const pool = new ExecutorPool({ concurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 30 }, () =>
        pool.run(async () => {
          peak = Math.max(peak, ++inFlight);
          await sleep(2);
          inFlight--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(pool.stats()).toMatchObject({ completed: 30, active: 0, queued: 0 });
  });

  it('starts higher priority first and keeps FIFO order within a priority (s3db.js accepted `priority` and ignored it)', async () => {
    const pool = new ExecutorPool({ concurrency: 1 });
    const gate = deferred();
    const order: string[] = [];
    const blocker = pool.run(() => gate.promise);
    const tasks = [
      ['low-1', 0],
      ['high-1', 100],
      ['low-2', 0],
      ['mid-1', 50],
      ['high-2', 100],
      ['low-3', 0],
    ] as const;
    const runs = tasks.map(([name, priority]) => pool.run(async () => void order.push(name), { priority }));
    gate.resolve();
    await Promise.all([blocker, ...runs]);
    expect(order).toEqual(['high-1', 'high-2', 'mid-1', 'low-1', 'low-2', 'low-3']);
  });

  it('does not starve low priority under a steady stream of high priority work (aging)', async () => {
    const pool = new ExecutorPool({ concurrency: 1, agingInterval: 5 });
    let lowDoneAt = -1;
    let highCount = 0;
    let stop = false;
    // Keep the queue full of priority-100 tasks, refilled as they run.
    const feed = async () => {
      while (!stop) {
        await pool.run(async () => {
          highCount++;
          await sleep(1);
        }, { priority: 100 });
      }
    };
    const feeders = Array.from({ length: 4 }, feed);
    await sleep(5);
    const low = pool.run(async () => void (lowDoneAt = highCount), { priority: 0 });
    const outcome = await Promise.race([low.then(() => 'ran'), sleep(5000).then(() => 'starved')]);
    stop = true;
    await Promise.all(feeders);
    expect(outcome).toBe('ran');
    // It ran after some high-priority work (priority still counts) but not after all of it.
    expect(lowDoneAt).toBeGreaterThan(0);
  });

  it('runs work that a task enqueues on its own pool inside the task slot, without deadlock', async () => {
    const pool = new ExecutorPool({ concurrency: 1, timeout: 2000 });
    const result = await pool.run(async (signal) => {
      const inner = await pool.run(async () => 21, { signal });
      return inner * 2;
    });
    expect(result).toBe(42);
  });
});

describe('ExecutorPool: retries', () => {
  it('calls a 404 exactly once (s3db.js retried a missing key 4 times over 7 s)', async () => {
    const pool = new ExecutorPool({ retries: 3, retryDelay: 1 });
    let calls = 0;
    await expect(
      pool.run(async () => {
        calls++;
        throw httpError(404, { name: 'NoSuchKey' });
      }),
    ).rejects.toThrow('HTTP 404');
    expect(calls).toBe(1);
    let typedCalls = 0;
    await expect(
      pool.run(async () => {
        typedCalls++;
        throw new NotFoundError('missing');
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(typedCalls).toBe(1);
  });

  it.each([
    ['400', httpError(400)],
    ['403', httpError(403)],
    ['412', httpError(412)],
    ['a ConflictError', new ConflictError('etag changed')],
    ['a plain Error', new Error('bug')],
    ['a non-retryable StorageError', new StorageError('denied', { retryable: false, statusCode: 403 })],
  ])('never retries %s', async (_label, error) => {
    const pool = new ExecutorPool({ retries: 3, retryDelay: 1 });
    let calls = 0;
    await expect(
      pool.run(async () => {
        calls++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(pool.stats().retried).toBe(0);
  });

  it.each([
    ['503 SlowDown', httpError(503, { name: 'SlowDown' })],
    ['429', Object.assign(new Error('too many'), { statusCode: 429 })],
    ['500', Object.assign(new Error('boom'), { status: 500 })],
    ['ECONNRESET', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['ThrottlingException', Object.assign(new Error('slow down'), { name: 'ThrottlingException' })],
    ['a retryable StorageError', new StorageError('flaky', { retryable: true })],
  ])('retries %s up to `retries` times, then rejects with the last error', async (_label, error) => {
    const pool = new ExecutorPool({ retries: 2, retryDelay: 1 });
    let calls = 0;
    await expect(
      pool.run(async () => {
        calls++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(calls).toBe(3);
    expect(pool.stats()).toMatchObject({ retried: 2, failed: 1 });
  });

  it('succeeds when a retry succeeds', async () => {
    const pool = new ExecutorPool({ retries: 3, retryDelay: 1 });
    let calls = 0;
    const value = await pool.run(async () => {
      if (++calls < 3) throw httpError(503);
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('backs off exponentially with full jitter', async () => {
    const pool = new ExecutorPool({ retries: 4, retryDelay: 8 });
    const delays: number[][] = [[], [], [], []];
    pool.on('taskRetry', ({ attempt, delay }: { attempt: number; delay: number }) => delays[attempt - 1]?.push(delay));
    for (let i = 0; i < 12; i++) {
      await pool.run(async () => {
        throw httpError(503);
      }).catch(() => undefined);
    }
    delays.forEach((forAttempt, i) => {
      expect(forAttempt).toHaveLength(12);
      // attempt i waits a random time in [0, retryDelay * 2^i]
      for (const d of forAttempt) {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(8 * 2 ** i);
      }
    });
    // Jitter: twelve waits of the last attempt are not all the same.
    expect(new Set(delays[3]).size).toBeGreaterThan(1);
  });

  it('honours Retry-After (seconds) when it asks for longer than the backoff', async () => {
    const pool = new ExecutorPool({ retries: 1, retryDelay: 1 });
    const seen: number[] = [];
    pool.on('taskRetry', ({ delay }: { delay: number }) => seen.push(delay));
    let calls = 0;
    const started = performance.now();
    await pool.run(async () => {
      if (++calls === 1) throw httpError(503, { $response: { headers: { 'retry-after': '0.2' } } });
      return 'ok';
    });
    expect(seen).toEqual([200]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    let hinted = 0;
    await pool.run(async () => {
      if (++hinted === 1) throw Object.assign(httpError(429), { $retryAfter: 0.05 });
    });
    expect(seen).toEqual([200, 50]);
  });
});

describe('ExecutorPool: timeouts and cancellation', () => {
  it('aborts the signal given to the task on timeout and rejects with TimeoutError', async () => {
    const pool = new ExecutorPool({ retries: 0, timeout: 30 });
    let seenSignal: AbortSignal | undefined;
    let abortedAfter = -1;
    const started = performance.now();
    const run = pool.run(
      (signal) =>
        new Promise((_resolve, reject) => {
          seenSignal = signal;
          signal.addEventListener('abort', () => {
            abortedAfter = performance.now() - started;
            reject(signal.reason);
          });
        }),
    );
    await expect(run).rejects.toBeInstanceOf(TimeoutError);
    expect(seenSignal?.aborted).toBe(true);
    expect(seenSignal?.reason).toBeInstanceOf(TimeoutError);
    expect(abortedAfter).toBeGreaterThanOrEqual(25);
    expect(pool.stats().timedOut).toBe(1);
  });

  it('a timed-out write is really cancelled: it never completes later (s3db.js raced the promise and the delete still ran)', async () => {
    const pool = new ExecutorPool({ retries: 0, timeout: 20 });
    let wrote = false;
    await expect(
      pool.run(async (signal) => {
        await sleep(80, undefined, { signal });
        wrote = true;
      }),
    ).rejects.toBeInstanceOf(TimeoutError);
    await sleep(120);
    expect(wrote).toBe(false);
  });

  it('retries a timed-out attempt with a fresh signal', async () => {
    const pool = new ExecutorPool({ retries: 1, retryDelay: 1, timeout: 20 });
    const signals: AbortSignal[] = [];
    const value = await pool.run(async (signal) => {
      signals.push(signal);
      if (signals.length === 1) await sleep(1000, undefined, { signal });
      return 'second try';
    });
    expect(value).toBe('second try');
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
    expect(signals[0]).not.toBe(signals[1]);
  });

  it("a caller's abort cancels a queued task before it starts", async () => {
    const pool = new ExecutorPool({ concurrency: 1 });
    const gate = deferred();
    const blocker = pool.run(() => gate.promise);
    const controller = new AbortController();
    let started = false;
    const queued = pool.run(async () => void (started = true), { signal: controller.signal });
    expect(pool.stats().queued).toBe(1);
    controller.abort();
    await expect(queued).rejects.toBeInstanceOf(AbortError);
    expect(pool.stats().queued).toBe(0);
    gate.resolve();
    await blocker;
    await pool.drain();
    expect(started).toBe(false);
  });

  it("a caller's abort aborts the running task and is not retried", async () => {
    const pool = new ExecutorPool({ retries: 3, retryDelay: 1 });
    const controller = new AbortController();
    let calls = 0;
    let taskSignal: AbortSignal | undefined;
    const running = pool.run(
      async (signal) => {
        calls++;
        taskSignal = signal;
        await sleep(10_000, undefined, { signal });
      },
      { signal: controller.signal },
    );
    await sleep(10);
    controller.abort(new Error('user went away'));
    await expect(running).rejects.toBeInstanceOf(AbortError);
    expect(taskSignal?.aborted).toBe(true);
    expect(calls).toBe(1);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const pool = new ExecutorPool();
    let called = false;
    await expect(pool.run(async () => void (called = true), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(called).toBe(false);
  });
});

describe('ExecutorPool: drain, close, stats, events', () => {
  it('drain() resolves when nothing is queued or running', async () => {
    const pool = new ExecutorPool({ concurrency: 2 });
    let done = 0;
    for (let i = 0; i < 10; i++) void pool.run(async () => { await sleep(2); done++; });
    await pool.drain();
    expect(done).toBe(10);
    await pool.drain();
  });

  it('close() rejects queued work with ClosedError, lets running work finish, and refuses new work', async () => {
    const pool = new ExecutorPool({ concurrency: 1 });
    const gate = deferred();
    const running = pool.run(async () => { await gate.promise; return 'finished'; });
    const queued = pool.run(async () => 'never');
    const closing = pool.close();
    await expect(queued).rejects.toBeInstanceOf(ClosedError);
    gate.resolve();
    await closing;
    await expect(running).resolves.toBe('finished');
    await expect(pool.run(async () => 1)).rejects.toThrow(/closed/);
  });

  it('reports stats with latency percentiles and emits task events', async () => {
    const pool = new ExecutorPool({ concurrency: 4, retries: 1, retryDelay: 1 });
    const events: string[] = [];
    for (const name of ['taskStart', 'taskDone', 'taskRetry', 'taskError']) pool.on(name, () => events.push(name));
    await Promise.all(Array.from({ length: 8 }, (_, i) => pool.run(async () => { await sleep(i < 4 ? 5 : 20); })));
    let flaky = 0;
    await pool.run(async () => { if (flaky++ === 0) throw httpError(500); });
    await pool.run(async () => { throw httpError(400); }).catch(() => undefined);
    const stats = pool.stats();
    expect(stats).toMatchObject({ concurrency: 4, active: 0, queued: 0, completed: 9, failed: 1, retried: 1, timedOut: 0 });
    expect(stats.latency.p50).toBeGreaterThan(3);
    expect(stats.latency.p95).toBeGreaterThanOrEqual(stats.latency.p50);
    expect(stats.latency.p99).toBeGreaterThanOrEqual(stats.latency.p95);
    expect(events.filter((e) => e === 'taskStart')).toHaveLength(10);
    expect(events.filter((e) => e === 'taskDone')).toHaveLength(9);
    expect(events.filter((e) => e === 'taskRetry')).toHaveLength(1);
    expect(events.filter((e) => e === 'taskError')).toHaveLength(1);
  });
});

describe('ExecutorPool: autotune', () => {
  it('settles near the knee of a simulated server whose latency grows with load (s3db.js never ran autotune)', async () => {
    // Up to 20 requests in flight cost 4 ms each; past that every extra request adds 1 ms.
    // With a 12 ms target the knee is at 28 in flight.
    let inFlight = 0;
    const server = async () => {
      inFlight++;
      const latency = 4 + Math.max(0, inFlight - 20);
      await sleep(latency);
      inFlight--;
    };
    const pool = new ExecutorPool({
      concurrency: 2,
      autotune: { enabled: true, targetLatency: 12, minConcurrency: 2, maxConcurrency: 200 },
    });
    const changes: number[] = [];
    pool.on('concurrencyChange', ({ concurrency }: { concurrency: number }) => changes.push(concurrency));
    const samples: number[] = [];
    const deadline = performance.now() + 3000;
    let sampler = 0;
    const producer = async () => {
      while (performance.now() < deadline) {
        await pool.run(server);
        if (++sampler % 10 === 0 && performance.now() > deadline - 1500) samples.push(pool.concurrency);
      }
    };
    await Promise.all(Array.from({ length: 300 }, producer));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(changes.length).toBeGreaterThan(5);
    // It climbed from 2, and it oscillates around the knee instead of running to 200.
    expect(mean).toBeGreaterThan(14);
    expect(mean).toBeLessThan(45);
    expect(Math.max(...samples)).toBeLessThan(80);
  });

  it('stays within [minConcurrency, maxConcurrency]', async () => {
    const pool = new ExecutorPool({
      concurrency: 100,
      autotune: { enabled: true, targetLatency: 1, minConcurrency: 5, maxConcurrency: 10 },
    });
    expect(pool.concurrency).toBe(10);
    await Promise.all(Array.from({ length: 200 }, () => pool.run(() => sleep(5))));
    expect(pool.concurrency).toBeGreaterThanOrEqual(5);
    expect(pool.concurrency).toBeLessThanOrEqual(10);
    expect(pool.concurrency).toBe(5);
  });
});
