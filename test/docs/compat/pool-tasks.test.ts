/**
 * s3db.js's TasksPool / TasksRunner API over our ExecutorPool: events,
 * priorities, pause/resume, stats, batches, a shared database pool.
 */
import { describe, expect, it } from 'vitest';
import { ClosedError, ValidationError } from '../../../src/core/errors.js';
import { ExecutorPool } from '../../../src/core/executor-pool.js';
import { TasksPool, TasksRunner, type PoolTask } from '../../../src/core/index.js';
import { S3db } from '../../../src/docs/index.js';

/** A promise the test resolves by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('TasksPool (s3db.js API) over ExecutorPool', () => {
  it('emits pool:taskStarted and pool:taskCompleted with the task, its metadata and timings', async () => {
    const pool = new TasksPool({ concurrency: 2 });
    const events: string[] = [];
    let completed: PoolTask | undefined;
    pool.on('pool:taskStarted', (t: PoolTask) => events.push(`start:${String(t.metadata.name)}`));
    pool.on('pool:taskCompleted', (t: PoolTask) => {
      events.push(`done:${String(t.metadata.name)}`);
      completed = t;
    });
    expect(await pool.enqueue(async () => 42, { metadata: { name: 'a' } })).toBe(42);
    expect(events).toEqual(['start:a', 'done:a']);
    expect(completed).toMatchObject({ attempts: 1, metadata: { name: 'a' } });
    expect(typeof completed?.duration).toBe('number');
    expect(pool.getStats()).toMatchObject({ processedCount: 1, errorCount: 0, activeCount: 0, queueSize: 0, concurrency: 2 });
    await pool.stop();
    await expect(pool.enqueue(async () => 1)).rejects.toBeInstanceOf(ClosedError);
  });

  it('a failing task emits pool:taskFailed; a retryable one pool:taskRetried (retries are the pool\'s)', async () => {
    const pool = new TasksPool({ concurrency: 1, retries: 2, retryDelay: 1 });
    const failed: unknown[] = [];
    const retried: number[] = [];
    pool.on('pool:taskFailed', (_t: PoolTask, err: unknown) => failed.push(err));
    pool.on('pool:taskRetried', (_t: PoolTask, attempt: number) => retried.push(attempt));
    await expect(pool.enqueue(async () => Promise.reject(new Error('final')))).rejects.toThrow('final');
    expect(failed).toHaveLength(1);
    let calls = 0;
    const value = await pool.enqueue(async () => {
      if (++calls < 3) throw Object.assign(new Error('slow down'), { $metadata: { httpStatusCode: 503 } });
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(retried).toEqual([1, 2]);
    expect(pool.getStats()).toMatchObject({ retryCount: 2, errorCount: 1, processedCount: 1 });
    await expect(pool.enqueue(async () => 1, { retries: 5 } as never)).rejects.toBeInstanceOf(ValidationError);
    await pool.stop();
  });

  it('higher priority runs first', async () => {
    const pool = new TasksPool({ concurrency: 1 });
    const hold = gate();
    const order: string[] = [];
    const first = pool.enqueue(() => hold.promise);
    const low = pool.enqueue(async () => void order.push('low'), { priority: 1 });
    const high = pool.enqueue(async () => void order.push('high'), { priority: 10 });
    hold.open();
    await Promise.all([first, low, high]);
    expect(order).toEqual(['high', 'low']);
    await pool.stop();
  });

  it('pause() takes queued tasks back from the pool; resume() runs them; running tasks finish', async () => {
    const pool = new TasksPool({ concurrency: 1 });
    const hold = gate();
    const started: string[] = [];
    const a = pool.enqueue(async () => {
      started.push('a');
      await hold.promise;
    });
    const b = pool.enqueue(async () => void started.push('b'));
    const c = pool.enqueue(async () => void started.push('c'));
    const events: string[] = [];
    pool.on('pool:paused', () => events.push('paused'));
    pool.on('pool:resumed', () => events.push('resumed'));
    pool.pause();
    expect(pool.isPaused).toBe(true);
    hold.open();
    await a;
    await pool.drain(); // idle while paused: only held tasks are left
    expect(started).toEqual(['a']);
    expect(pool.getStats()).toMatchObject({ pausedCount: 2, queued: 0, paused: true });
    const d = pool.enqueue(async () => void started.push('d'));
    expect(pool.getStats().pausedCount).toBe(3);
    pool.resume();
    await Promise.all([b, c, d]);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(events).toEqual(['paused', 'resumed']);
    await pool.stop();
  });

  it('setConcurrency changes the pool; addBatch returns results and errors by index', async () => {
    const pool = new TasksPool({ concurrency: 1 });
    pool.setConcurrency(3);
    expect(pool.pool.concurrency).toBe(3);
    const seen: number[] = [];
    const out = await pool.addBatch([async () => 'x', async () => Promise.reject(new Error('no')), async () => 'z'], { onItemComplete: (_r, i) => seen.push(i) });
    expect(out.results).toEqual(['x', undefined, 'z']);
    expect(out.errors.map((e) => e.index)).toEqual([1]);
    expect(seen.sort()).toEqual([0, 2]);
    await pool.stop();
  });

  it("faces a database's pool: its tasks count in db.executorPool.stats() and stop() leaves it open", async () => {
    const db = new S3db({ connectionString: 'memory://tasks-face/db', executorPool: { concurrency: 4 } });
    const tasks = new TasksPool({ pool: db.executorPool });
    const before = db.executorPool.stats().completed;
    await tasks.addBatch([1, 2, 3].map((n) => async () => n));
    expect(db.executorPool.stats().completed - before).toBe(3);
    await tasks.stop();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    expect((await users.insert({ name: 'still runs' })).name).toBe('still runs');
    await db.disconnect();
    expect(() => new TasksPool({ pool: {} as never })).toThrow(ValidationError);
  });
});

describe('TasksRunner (s3db.js API)', () => {
  it('process(items, handler) bounds concurrency and returns results and errors in item order', async () => {
    const runner = new TasksRunner({ concurrency: 3 });
    let inFlight = 0;
    let most = 0;
    const progress: number[] = [];
    const { results, errors } = await runner.process(
      Array.from({ length: 20 }, (_, i) => i),
      async (n) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        if (n % 7 === 0) throw new Error(`bad ${n}`);
        return n * 2;
      },
      { onProgress: (p) => progress.push(p.completed) },
    );
    expect(most).toBe(3);
    expect(errors.map((e) => e.item)).toEqual([0, 7, 14]);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((n) => n % 7 !== 0).map((n) => n * 2));
    expect(progress).toHaveLength(20);
    expect(runner.getStats().processedCount).toBe(17);
    await runner.destroy();
    await expect(runner.process(null as never, async () => 1)).rejects.toBeInstanceOf(ValidationError);
  });

  it('shares an ExecutorPool when given one', async () => {
    const shared = new ExecutorPool({ concurrency: 2 });
    const runner = new TasksRunner({ pool: shared });
    await runner.process([1, 2], async (n) => n);
    expect(shared.stats().completed).toBe(2);
    await runner.destroy();
    expect(shared.closed).toBe(false);
    await shared.close();
  });
});
