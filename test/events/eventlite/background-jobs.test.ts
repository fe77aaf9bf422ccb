/** eventlite's job names beside ours, and EventJobProcessor in the order docs/API.md shows. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeoutError } from '../../../src/core/errors.js';
import { initQueue, type EventQueue } from '../../../src/events/index.js';
import { BackgroundJobQueue, EventJobProcessor } from '../../../src/events/operations/index.js';
import { makeTempDir, waitFor } from '../operations/helpers.js';

let dir: string;
let cleanup: () => void;
const queues: EventQueue[] = [];
const jobQueues: BackgroundJobQueue[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('s3lite-eventlite-jobs-'));
});

afterEach(async () => {
  await Promise.all(jobQueues.splice(0).map((jobs) => jobs.close({ drain: false })));
  for (const q of queues.splice(0)) q.close();
  cleanup();
});

function jobQueue(): BackgroundJobQueue {
  const jobs = new BackgroundJobQueue({ dbName: join(dir, 'jobs.sqlite'), pollInterval: 20 });
  jobQueues.push(jobs);
  return jobs;
}

describe('BackgroundJobQueue with eventlite names', () => {
  it('addJob(type, data, { delay, priority, maxAttempts, timeout }) and scheduleJob(type, data, time) add durable jobs', async () => {
    const jobs = jobQueue();
    const ran: string[] = [];
    jobs.registerWorker('mail', (data: { to: string }) => void ran.push(data.to));
    const a = jobs.addJob('mail', { to: 'a' }, { priority: 1, maxAttempts: 5, timeout: 1000 });
    const b = jobs.scheduleJob('mail', { to: 'b' }, Date.now() + 50);
    const c = jobs.addJob('mail', { to: 'c' }, { delay: 30 });
    expect(() => jobs.addJob('mail', {}, { retries: 3 } as never)).toThrow(/Unknown addJob option `retries`.*maxAttempts/);
    jobs.start();
    for (const id of [a, b, c]) await waitFor(() => jobs.getJobStatus(id)?.status === 'completed', `job ${id}`);
    expect(ran.sort()).toEqual(['a', 'b', 'c']);
  });

  it("addJob's maxAttempts (attempts in all) wins over the worker's retryAttempts, both ways", async () => {
    const jobs = jobQueue();
    const runs = new Map<string, number>();
    const failing = (data: { tag: string }) => {
      runs.set(data.tag, (runs.get(data.tag) ?? 0) + 1);
      throw new Error(`fail ${data.tag}`);
    };
    jobs.registerWorker('three', failing, { retryAttempts: 3, retryDelay: 1 });
    jobs.registerWorker('none', failing, { retryAttempts: 0, retryDelay: 1 });
    const once = jobs.addJob('three', { tag: 'once' }, { maxAttempts: 1 });
    const twice = jobs.addJob('none', { tag: 'twice' }, { maxAttempts: 2 });
    const unset = jobs.addJob('none', { tag: 'unset' }, { maxAttempts: 0 }); // eventlite: 0 is "not set"
    jobs.start();
    for (const id of [once, twice, unset]) await waitFor(() => jobs.getJobStatus(id)?.status === 'failed', `job ${id} to fail`);
    expect(jobs.getJobStatus(once)).toMatchObject({ attempts: 1, maxAttempts: 1, lastError: 'fail once' });
    expect(jobs.getJobStatus(twice)).toMatchObject({ attempts: 2, maxAttempts: 2 });
    expect(jobs.getJobStatus(unset)).toMatchObject({ attempts: 1, maxAttempts: null });
    expect(Object.fromEntries(runs)).toEqual({ once: 1, twice: 2, unset: 1 });
  });

  it("addJob's timeout aborts the attempt even when the worker allows far longer", async () => {
    const jobs = jobQueue();
    let reason: unknown;
    jobs.registerWorker(
      'slow',
      (_data, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            reject(signal.reason as Error);
          });
        }),
      { timeout: 30_000, retryAttempts: 0 },
    );
    const id = jobs.addJob('slow', {}, { timeout: 50 });
    jobs.start();
    const job = await waitFor(() => (jobs.getJobStatus(id)?.status === 'failed' ? jobs.getJobStatus(id) : null), 'the job to time out');
    expect(reason).toBeInstanceOf(TimeoutError);
    expect(job).toMatchObject({ timeout: 50, lastError: expect.stringMatching(/timed out after 50 ms/) });
  });

  it('scheduleRecurringJob(type, data, intervalMs, { maxAttempts }) gives every job of the schedule its limit', async () => {
    const jobs = jobQueue();
    jobs.registerWorker('tick', () => {
      throw new Error('tock');
    }, { retryAttempts: 3, retryDelay: 1 });
    jobs.scheduleRecurringJob('tick', {}, 40, { maxAttempts: 1 });
    jobs.start();
    await waitFor(() => jobs.getQueueStats().failed >= 3, 'three failed ticks');
    jobs.unscheduleRecurringJob('tick');
    await jobs.stop();
    const { total } = jobs.getQueueStats();
    const all = Array.from({ length: total }, (_, i) => jobs.getJobStatus(i + 1)!);
    expect(all.filter((job) => job.status === 'failed').length).toBeGreaterThanOrEqual(3);
    for (const job of all) expect(job).toMatchObject({ maxAttempts: 1, attempts: job.status === 'failed' ? 1 : 0 });
  });

  it('recentCompletion.averageDuration runs from the start of the last attempt, not from the due time', async () => {
    const jobs = jobQueue();
    jobs.registerWorker('nap', () => new Promise((resolve) => setTimeout(resolve, 20)));
    const id = jobs.scheduleJob('nap', {}, Date.now() - 60_000); // due a minute before it can start
    jobs.start();
    const job = await waitFor(() => (jobs.getJobStatus(id)?.status === 'completed' ? jobs.getJobStatus(id) : null), 'the job');
    const { averageDuration } = jobs.getQueueStats().recentCompletion;
    expect(averageDuration).toBe(job.finishedAt!.getTime() - job.startedAt!.getTime());
    expect(averageDuration).toBeLessThan(60_000);
  });

  it("scheduleRecurringJob(type, data, intervalMs) adds a job now and again every interval; unschedule by name", async () => {
    const jobs = jobQueue();
    let runs = 0;
    jobs.registerWorker('tick', () => {
      runs++;
    });
    const first = jobs.scheduleRecurringJob('tick', { n: 1 }, 40);
    expect(typeof first).toBe('number');
    jobs.start();
    await waitFor(() => runs >= 3, 'three ticks');
    expect(jobs.getJobStatus(first)!.status).toBe('completed');
    expect(jobs.unscheduleRecurringJob('tick')).toBe(true);
  });

  it("getQueueStats() has eventlite's byType, oldestPending and recentCompletion beside ours", async () => {
    const jobs = jobQueue();
    jobs.registerWorker('ok', () => 'fine');
    jobs.registerWorker('bad', () => {
      throw new Error('nope');
    }, { retryAttempts: 0 });
    const before = Date.now();
    jobs.addJob('ok', {});
    jobs.addJob('ok', {});
    jobs.addJob('bad', {});
    jobs.addJob('later', {}, { delay: 60_000 });
    let stats = jobs.getQueueStats();
    expect(stats.byType).toEqual({ bad: 1, later: 1, ok: 2 });
    expect(stats.oldestPending).toBeGreaterThanOrEqual(before);
    expect(stats.recentCompletion).toEqual({ completed: 0, failed: 0, averageDuration: 0 });
    jobs.start();
    await waitFor(() => jobs.getQueueStats().recentCompletion.completed === 2 && jobs.getQueueStats().recentCompletion.failed === 1, 'finished jobs');
    stats = jobs.getQueueStats();
    expect(stats.byType).toEqual({ later: 1 });
    expect(stats.pending).toBe(1);
    expect(stats.recentCompletion.averageDuration).toBeGreaterThanOrEqual(0);
  });
});

describe('EventJobProcessor with eventlite names', () => {
  it('works when created after jobQueue.start() with the default jobs file (the order docs/API.md shows)', async () => {
    const previous = process.cwd();
    process.chdir(dir);
    try {
      const queue = initQueue({ dbName: join(dir, 'events.sqlite') });
      queues.push(queue);
      const jobs = new BackgroundJobQueue({ pollInterval: 20 });
      jobQueues.push(jobs);
      const sent: string[] = [];
      jobs.registerWorker('sendEmail', (data: { recipient: string }) => void sent.push(data.recipient));
      jobs.start();
      const processor = new EventJobProcessor(queue, jobs);
      processor.onEvent<{ email: string }>('userRegistered', 'sendEmail', (row) => ({ recipient: row.data.email }));
      queue.store({ cmd: 'userRegistered', data: { email: 'ann@example.com' } });
      await waitFor(() => sent.length === 1, 'the welcome email');
      expect(sent).toEqual(['ann@example.com']);
      // The job lives in the event queue's file, beside its event.
      expect(queue.db.prepare('SELECT count(*) FROM s3lite_jobs').pluck().get()).toBe(1);
      expect(existsSync(join(dir, 'data', 'jobs.sqlite'))).toBe(true);
    } finally {
      process.chdir(previous);
    }
  });

  it('createEventCallback() passed to store() does not enqueue a second job; processEvent returns the outbox job ids', async () => {
    const queue = initQueue({ dbName: join(dir, 'events.sqlite') });
    queues.push(queue);
    const jobs = new BackgroundJobQueue();
    jobQueues.push(jobs);
    const processor = new EventJobProcessor(queue, jobs);
    processor.onEvent('orderPlaced', 'invoice');
    const callbacks = processor.createEventCallback();
    expect(typeof callbacks._error).toBe('function');
    queue.store({ cmd: 'orderPlaced', data: { order: 7 } }, undefined, callbacks);
    queue.store({ cmd: 'other', data: {} }, undefined, callbacks);
    const rows = queue.db.prepare('SELECT id, name, data FROM s3lite_jobs').all() as Array<{ id: number; name: string; data: string }>;
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.data)).toEqual({ order: 7 });
    const row = queue.retrieveByID(1)!;
    expect(processor.processEvent(row.data, row)).toEqual([rows[0]!.id]);
    expect(queue.db.prepare('SELECT count(*) FROM s3lite_jobs').pluck().get()).toBe(1);
    // An event that was never stored gets its jobs added.
    expect(processor.processEvent({ cmd: 'orderPlaced', order: 8 })).toHaveLength(1);
    expect(processor.processEvent({ cmd: 'unknown' })).toEqual([]);
  });
});
