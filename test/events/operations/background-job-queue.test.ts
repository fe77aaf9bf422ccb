import Database from 'better-sqlite3';
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, TimeoutError, ValidationError } from '../../../src/core/errors.js';
import { BackgroundJobQueue, retryBackoff, type JobContext } from '../../../src/events/operations/index.js';
import { makeTempDir, waitFor } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/job-crash-child.ts', import.meta.url));
const CLAIM_CHILD = fileURLToPath(new URL('./fixtures/job-claim-child.ts', import.meta.url));
const SUICIDE_CHILD = fileURLToPath(new URL('./fixtures/job-suicide-child.ts', import.meta.url));

let dir: string;
let cleanup: () => void;
const open: BackgroundJobQueue[] = [];

function jobQueue(options: ConstructorParameters<typeof BackgroundJobQueue>[0] = {}): BackgroundJobQueue {
  const queue = new BackgroundJobQueue({ dbName: join(dir, 'jobs.sqlite'), pollInterval: 20, ...options });
  open.push(queue);
  return queue;
}

function settledStatus(queue: BackgroundJobQueue, id: number) {
  return waitFor(() => {
    const job = queue.getJobStatus(id);
    return job && ['completed', 'failed', 'cancelled'].includes(job.status) ? job : null;
  }, `job ${id} to finish`);
}

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((queue) => queue.close({ drain: false })));
  cleanup();
});

describe('BackgroundJobQueue', () => {
  it('runs a job with its data, attempt and id, and keeps the result', async () => {
    const jobs = jobQueue();
    const seen: { data: unknown; context: Omit<JobContext, 'signal'> }[] = [];
    jobs.registerWorker('double', async (data: { n: number }, { attempt, jobId, name }) => {
      seen.push({ data, context: { attempt, jobId, name } });
      return { n: data.n * 2 };
    });
    const id = jobs.add('double', { n: 21 });
    jobs.start();
    const job = await settledStatus(jobs, id);
    expect(job).toMatchObject({ status: 'completed', attempts: 1, result: { n: 42 }, lastError: null });
    expect(seen).toEqual([{ data: { n: 21 }, context: { attempt: 1, jobId: id, name: 'double' } }]);
  });

  it('runs up to `concurrency` jobs at once, not one job per tick (original: one job per 1 s tick)', async () => {
    // A poll interval of a minute: finishing at all proves no job waits for a tick.
    const jobs = jobQueue({ concurrency: 4, pollInterval: 60_000 });
    let active = 0;
    let maxActive = 0;
    jobs.registerWorker('work', async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 20));
      active -= 1;
    });
    const ids = Array.from({ length: 12 }, (_, i) => jobs.add('work', { i }));
    jobs.start();
    for (const id of ids) expect((await settledStatus(jobs, id)).status).toBe('completed');
    expect(maxActive).toBe(4);
  });

  it('runs higher priority first', async () => {
    const jobs = jobQueue({ concurrency: 1 });
    const order: string[] = [];
    jobs.registerWorker('p', async (data: string) => {
      order.push(data);
    });
    jobs.add('p', 'low', { priority: -1 });
    jobs.add('p', 'normal');
    jobs.add('p', 'urgent', { priority: 10 });
    const last = jobs.add('p', 'high', { priority: 5 });
    jobs.start();
    await waitFor(() => order.length === 4, 'all four jobs');
    await settledStatus(jobs, last);
    expect(order).toEqual(['urgent', 'high', 'normal', 'low']);
  });

  it('keeps jobs across a restart (original: jobs lived in memory and were lost on restart)', async () => {
    const first = jobQueue();
    const id = first.add('later', { keep: true });
    await first.close();
    const second = jobQueue();
    const ran: unknown[] = [];
    second.registerWorker('later', (data) => {
      ran.push(data);
    });
    second.start();
    expect((await settledStatus(second, id)).status).toBe('completed');
    expect(ran).toEqual([{ keep: true }]);
  });

  it('retries with exponential backoff, then keeps the job as failed with its last error', async () => {
    const jobs = jobQueue();
    const attempts: number[] = [];
    const times: number[] = [];
    jobs.registerWorker(
      'flaky',
      async (_data, { attempt }) => {
        attempts.push(attempt);
        times.push(Date.now());
        throw new Error(`boom ${attempt}`);
      },
      { retryAttempts: 3, retryDelay: 40 },
    );
    const id = jobs.add('flaky', null);
    jobs.start();
    const job = await settledStatus(jobs, id);
    expect(job).toMatchObject({ status: 'failed', attempts: 4, lastError: 'boom 4' });
    expect(attempts).toEqual([1, 2, 3, 4]);
    // Each wait is at least half its exponential ceiling: 20, 40, 80 ms.
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i - 2));
  });

  it('computes retry delays exponentially with jitter, not linearly (original: linear while documented as exponential)', () => {
    const low = [1, 2, 3, 4, 5].map((retry) => retryBackoff(retry, 100, 1_000_000, () => 0));
    const high = [1, 2, 3, 4, 5].map((retry) => retryBackoff(retry, 100, 1_000_000, () => 1));
    expect(high).toEqual([100, 200, 400, 800, 1600]);
    expect(low).toEqual([50, 100, 200, 400, 800]);
    expect(retryBackoff(30, 100, 5000, () => 1)).toBe(5000);
  });

  it('treats retryAttempts: 0 as no retry (original: retryAttempts: 0 became 3)', async () => {
    const jobs = jobQueue();
    let calls = 0;
    jobs.registerWorker(
      'once',
      async () => {
        calls += 1;
        throw new Error('no second chance');
      },
      { retryAttempts: 0, retryDelay: 1 },
    );
    const id = jobs.add('once', {});
    jobs.start();
    expect(await settledStatus(jobs, id)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'no second chance' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(1);
  });

  it('aborts the worker signal on timeout (original: timeouts did not cancel the worker)', async () => {
    const jobs = jobQueue();
    let reason: unknown;
    jobs.registerWorker(
      'slow',
      (_data, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            reject(signal.reason);
          });
        }),
      { timeout: 50, retryAttempts: 0 },
    );
    const id = jobs.add('slow', {});
    jobs.start();
    const job = await settledStatus(jobs, id);
    expect(reason).toBeInstanceOf(TimeoutError);
    expect(job.status).toBe('failed');
    expect(job.lastError).toMatch(/timed out after 50 ms/);
  });

  it('frees the slot of a worker that ignores its signal once the timeout fires', async () => {
    const jobs = jobQueue({ concurrency: 1 });
    jobs.registerWorker('stuck', () => new Promise(() => undefined), { timeout: 30, retryAttempts: 0 });
    jobs.registerWorker('next', () => 'ran');
    const stuck = jobs.add('stuck', {}, { priority: 1 });
    const next = jobs.add('next', {});
    jobs.start();
    expect((await settledStatus(jobs, stuck)).status).toBe('failed');
    expect(await settledStatus(jobs, next)).toMatchObject({ status: 'completed', result: 'ran' });
  });

  it('runs a delayed job no earlier than its time', async () => {
    const jobs = jobQueue();
    let ranAt = 0;
    jobs.registerWorker('later', () => {
      ranAt = Date.now();
    });
    jobs.start();
    const before = Date.now();
    const id = jobs.add('later', {}, { delay: 120 });
    expect(jobs.getQueueStats()).toMatchObject({ pending: 1, delayed: 1 });
    expect((await settledStatus(jobs, id)).status).toBe('completed');
    expect(ranAt).toBeGreaterThanOrEqual(before + 120);
  });

  it('adds a job once per idempotency key', () => {
    const jobs = jobQueue();
    const first = jobs.add('mail', { to: 'a' }, { idempotencyKey: 'welcome:1' });
    const second = jobs.add('mail', { to: 'a' }, { idempotencyKey: 'welcome:1' });
    expect(second).toBe(first);
    expect(jobs.getQueueStats().total).toBe(1);
  });

  it('runs recurring jobs every interval and keeps one schedule per key', async () => {
    const jobs = jobQueue();
    let runs = 0;
    jobs.registerWorker('tick', () => {
      runs += 1;
    });
    jobs.scheduleRecurringJob('tick', {}, { every: 40 });
    jobs.scheduleRecurringJob('tick', {}, { every: 40 });
    expect(jobs.getQueueStats().recurring).toBe(1);
    jobs.start();
    await waitFor(() => runs >= 3, 'three recurring runs');
    expect(jobs.unscheduleRecurringJob('tick')).toBe(true);
  });

  it('runs a cron schedule and rejects a bad cron expression up front', async () => {
    const jobs = jobQueue();
    expect(() => jobs.scheduleRecurringJob('c', {}, { cron: 'not a cron' })).toThrow(ValidationError);
    expect(() => jobs.scheduleRecurringJob('c', {}, {})).toThrow(ValidationError);
    let runs = 0;
    jobs.registerWorker('c', () => {
      runs += 1;
    });
    jobs.scheduleRecurringJob('c', {}, { cron: '* * * * * *' }); // every second
    jobs.start();
    await waitFor(() => runs >= 1, 'a cron run', 5000);
  });

  it('cancels a pending job (never runs) and a running one (signal aborted)', async () => {
    const jobs = jobQueue();
    let aborted = false;
    let started = false;
    jobs.registerWorker('long', (_data, { signal }) => {
      started = true;
      return new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      });
    });
    const pending = jobs.add('long', {}, { delay: 60_000 });
    expect(jobs.cancelJob(pending)).toBe(true);
    const running = jobs.add('long', {});
    jobs.start();
    await waitFor(() => started, 'the job to start');
    expect(jobs.cancelJob(running)).toBe(true);
    expect(aborted).toBe(true);
    expect(jobs.getJobStatus(running)?.status).toBe('cancelled');
    expect(jobs.getJobStatus(pending)?.status).toBe('cancelled');
    expect(jobs.cancelJob(running)).toBe(false);
  });

  it('never starts a claimed-ahead (prefetched) job that was cancelled, and hands prefetched jobs back on stop', async () => {
    const jobs = jobQueue({ concurrency: 1, prefetch: 3 });
    const ran: number[] = [];
    let release: () => void = () => undefined;
    jobs.registerWorker('step', async (n: number) => {
      ran.push(n);
      if (n === 0) await new Promise<void>((resolve) => (release = resolve));
    });
    const ids = [0, 1, 2, 3].map((n) => jobs.add('step', n, { priority: 10 - n }));
    jobs.start();
    await waitFor(() => ran.length === 1, 'the first job');
    expect(jobs.getQueueStats()).toMatchObject({ running: 4, active: 1 }); // one runs, three are leased ahead
    expect(jobs.cancelJob(ids[1] as number)).toBe(true);
    release();
    await settledStatus(jobs, ids[3] as number);
    expect(ran).toEqual([0, 2, 3]);

    const more = [4, 5, 6].map((n) => jobs.add('step', n));
    ran.length = 0;
    let hold: () => void = () => undefined;
    jobs.registerWorker('hold', () => new Promise<void>((resolve) => (hold = resolve)));
    jobs.add('hold', null, { priority: 100 });
    await waitFor(() => jobs.getQueueStats().active === 1 && ran.length === 0, 'the holding job');
    const stopping = jobs.stop();
    hold();
    await stopping;
    for (const id of more) expect(jobs.getJobStatus(id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('hands running jobs back on stop({ drain: false }) without counting the attempt', async () => {
    const jobs = jobQueue();
    let started = false;
    jobs.registerWorker('long', () => {
      started = true;
      return new Promise(() => undefined);
    });
    const id = jobs.add('long', {});
    jobs.start();
    await waitFor(() => started, 'the job to start');
    await jobs.stop({ drain: false });
    expect(jobs.getJobStatus(id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('lets two queues share one table without running a job twice', async () => {
    const a = jobQueue({ concurrency: 3 });
    const b = jobQueue({ concurrency: 3 });
    const runs = new Map<number, number>();
    const worker = async (_data: unknown, { jobId }: JobContext) => {
      runs.set(jobId, (runs.get(jobId) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 2));
    };
    a.registerWorker('shared', worker);
    b.registerWorker('shared', worker);
    const ids = Array.from({ length: 60 }, (_, i) => a.add('shared', i));
    a.start();
    b.start();
    for (const id of ids) await settledStatus(a, id);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(60);
  });

  it('runs a job again after its process is killed mid-job (kill -9), with the attempt count visible', async () => {
    const file = join(dir, 'jobs.sqlite');
    const seed = jobQueue();
    const id = seed.add('report', { month: 5 });
    await seed.close();

    const child = fork(CHILD, [file], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const started = await new Promise<{ started: number; attempt: number }>((resolve, reject) => {
      child.on('message', (message) => resolve(message as { started: number; attempt: number }));
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    expect(started).toEqual({ started: id, attempt: 1 });
    // The start is recorded in the child's next transaction; kill it after that (mid-job).
    const observer = jobQueue();
    await waitFor(() => observer.getJobStatus(id)?.startedAt, 'the start to be recorded');
    child.kill('SIGKILL');
    await exited;

    const restarted = jobQueue({ leaseDuration: 400 });
    const attempts: number[] = [];
    restarted.registerWorker('report', (_data, { attempt }) => {
      attempts.push(attempt);
    });
    restarted.start();
    const job = await settledStatus(restarted, id);
    expect(job.status).toBe('completed');
    expect(attempts).toEqual([2]);
  });

  it('does not charge an attempt to jobs claimed by a process killed (kill -9) before starting them', async () => {
    const file = join(dir, 'jobs.sqlite');
    const seed = jobQueue();
    const ids = Array.from({ length: 36 }, (_, i) => seed.add('report', { i }));
    await seed.close();

    // 3 processes each lease 12 jobs (concurrency 2 + prefetch 10) and start 2 of them.
    const children = Array.from({ length: 3 }, () =>
      fork(CLAIM_CHILD, [file, '2', '10'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    const startedInChild = new Set<number>();
    for (const child of children) child.on('message', (message) => startedInChild.add((message as { started: number }).started));
    const observer = jobQueue();
    await waitFor(() => startedInChild.size === 6 && observer.getQueueStats().running === 36, 'all 36 jobs leased and 6 started', 60_000);
    await Promise.all(
      children.map((child) => {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGKILL');
        return exited;
      }),
    );

    const restarted = jobQueue({ leaseDuration: 400 });
    const ranHere = new Set<number>();
    restarted.registerWorker('report', (_data, { jobId }) => {
      ranHere.add(jobId);
    }, { retryAttempts: 0 });
    restarted.start();
    const jobs = [];
    for (const id of ids) jobs.push(await settledStatus(restarted, id));
    const failedWithoutRunning = jobs.filter((job) => job.status === 'failed' && !startedInChild.has(job.id) && !ranHere.has(job.id));
    expect(failedWithoutRunning.map((job) => job.id)).toEqual([]);
    // Every job that never started in a child ran here, as its first attempt.
    for (const job of jobs.filter((j) => !startedInChild.has(j.id))) expect(job).toMatchObject({ status: 'completed', attempts: 1 });
  }, 120_000);

  it('a job that kills its process the moment it starts cannot loop: with retryAttempts: 0 it runs at most twice, then fails', async () => {
    const file = join(dir, 'jobs.sqlite');
    const log = join(dir, 'runs.log');
    const seed = jobQueue();
    const id = seed.add('poison', {});
    await seed.close();
    const observer = jobQueue();
    for (let n = 0; n < 5; n++) {
      const child = fork(SUICIDE_CHILD, [file, log], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const failed = await Promise.race([exited.then(() => false), waitFor(() => observer.getJobStatus(id)?.status === 'failed', 'the job to fail', 60_000)]);
      if (failed) {
        child.kill('SIGKILL');
        await exited;
        break;
      }
    }
    const job = observer.getJobStatus(id);
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(job?.lastError).toMatch(/Lease expired/);
    const runs = readFileSync(log, 'utf8').trim().split('\n');
    // The first run died before its start was written (uncharged); the second start was written first.
    expect(runs).toEqual(['1', '1']);
  }, 120_000);

  it('opens a job table of the previous version (no started_at, lost_leases) and runs its pending jobs', async () => {
    const file = join(dir, 'jobs.sqlite');
    const old = new Database(file);
    old.exec(`CREATE TABLE s3lite_jobs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL, status TEXT NOT NULL,
      priority INTEGER NOT NULL DEFAULT 0, run_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, idempotency_key TEXT UNIQUE,
      lease_owner TEXT, lease_until INTEGER, last_error TEXT, result TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
      finished_at INTEGER)`);
    old.prepare(`INSERT INTO s3lite_jobs (name, data, status, run_at, created_at, updated_at) VALUES ('legacy', '{"n":1}', 'pending', 0, 0, 0)`).run();
    old.close();
    const jobs = jobQueue();
    jobs.registerWorker('legacy', (data: { n: number }) => data.n + 1);
    jobs.start();
    expect(await settledStatus(jobs, 1)).toMatchObject({ status: 'completed', attempts: 1, result: 2, startedAt: expect.any(Date) });
  });

  it('works with no arguments, keeping jobs in data/jobs.sqlite', async () => {
    const previous = process.cwd();
    process.chdir(dir);
    try {
      const jobs = new BackgroundJobQueue();
      open.push(jobs);
      jobs.registerWorker('hello', () => 'hi');
      const id = jobs.add('hello', {});
      jobs.start();
      expect((await settledStatus(jobs, id)).status).toBe('completed');
      expect(existsSync(join(dir, 'data', 'jobs.sqlite'))).toBe(true);
    } finally {
      process.chdir(previous);
    }
  });

  it('validates options with one message template', () => {
    expect(() => new BackgroundJobQueue({ concurrency: 0 })).toThrow(
      'Expected `concurrency` to be an integer from 1 and up, got `0` (number)',
    );
    expect(() => new BackgroundJobQueue({ pollInterval: -1 })).toThrow(ValidationError);
    const jobs = jobQueue();
    expect(() => jobs.registerWorker('x', () => undefined, { retryAttempts: -1 })).toThrow(ValidationError);
    expect(() => jobs.add('', {})).toThrow(ValidationError);
    expect(() => jobs.add('x', {}, { priority: 1.5 })).toThrow(ValidationError);
    expect(() => jobs.add('x', { n: 1n })).toThrow(ValidationError);
    jobs.registerWorker('x', () => undefined);
    expect(() => jobs.registerWorker('x', () => undefined)).toThrow(ConfigurationError);
  });

  it('rejects unknown options of the constructor, registerWorker, add and scheduleRecurringJob (a misspelling never means the default)', () => {
    expect(() => new BackgroundJobQueue({ concurency: 8 } as never)).toThrow(
      /Unknown BackgroundJobQueue option `concurency`; did you mean `concurrency`\?/,
    );
    const jobs = jobQueue();
    let caught: unknown;
    try {
      jobs.registerWorker('y', () => undefined, { retryAtempts: 0 } as never);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).errors).toEqual([expect.objectContaining({ field: 'retryAtempts', message: 'unknown option' })]);
    expect((caught as Error).message).toMatch(/did you mean `retryAttempts`/);
    expect(jobs.getQueueStats().workers).toEqual([]); // nothing registered
    jobs.registerWorker('y', () => undefined, { retryAttempts: 0 });
    expect(() => jobs.add('y', {}, { prority: 5 } as never)).toThrow(/Unknown add option `prority`/);
    expect(jobs.getQueueStats().total).toBe(0); // nothing added
    expect(() => jobs.scheduleRecurringJob('y', {}, { every: 1000, cronn: '* * * * *' } as never)).toThrow(ValidationError);
    expect(jobs.getQueueStats().recurring).toBe(0);
  });
});
