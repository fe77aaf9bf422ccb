/**
 * BackgroundJobQueue's API on PostgreSQL (async): processes on any number of
 * machines share one job table; claims skip rows others hold, leases expire
 * when a process dies, and finished attempts are written in groups (one
 * statement per pump round) so throughput holds.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { AbortError, ClosedError, ConfigurationError } from '../../../core/errors.js';
import { encodeResult, errorMessage, runAttempt, type AttemptResult } from '../../operations/job-attempt.js';
import { attemptTimeout, mayRetry } from '../../operations/job-limits.js';
import {
  assertJobName,
  encodeJobData,
  resolveAddOptions,
  resolveRecurringOptions,
  resolveWorkerOptions,
  type ResolvedQueueOptions,
  type ResolvedWorkerOptions,
} from '../../operations/job-queue-options.js';
import type { ClaimedJob } from '../../operations/job-table.js';
import { PrefetchSizer } from '../../operations/job-prefetch.js';
import { nextOccurrence, retryBackoff } from '../../operations/job-timing.js';
import type { AddJobOptions, JobInfo, JobQueueStats, JobWorker, RecurringJobOptions, WorkerOptions } from '../../operations/job-types.js';
import type { EventliteJobStats } from '../../operations/eventlite-jobs.js';
import { currentClient } from './pg-model-db.js';
import { maintainPgJobs } from './pg-job-maintenance.js';
import { listenForJobs, stopListening } from './pg-job-notify.js';
import { PgJobTable, type PgOutcome } from './pg-job-table.js';

interface Execution {
  controller: AbortController;
  done: Promise<void>;
}

type Pending = PgOutcome & { name: string; attempt: number; cause?: unknown };

const quiet = { result: null, error: null, runAt: null, started: 0, refund: 0 } as const;

function notShared(): ConfigurationError {
  return new ConfigurationError(
    'EventJobProcessor needs the job queue in the event queue database, so that an event and its job commit in one ' +
      'transaction; this job queue keeps its jobs in another PostgreSQL database. Open both with the same connection string.',
  );
}

/** Most urgent first: priority, then due time, then id. */
function byUrgency(jobs: ClaimedJob[]): ClaimedJob[] {
  return jobs.sort((a, b) => b.priority - a.priority || a.run_at - b.run_at || a.id - b.id);
}

/**
 * Durable background jobs on PostgreSQL; open with `openJobQueue({ connectionString: 'postgres://…' })`.
 *
 * The same mechanism as the SQLite queue: jobs are claimed ahead of free slots
 * (`prefetch`) as leases; an attempt counts once its start is written (in the
 * next grouped write, a round trip later), so a process killed mid-job costs
 * each started job one attempt and its other claims nothing. A job whose lease
 * was lost before its start was written has its next start written before it
 * runs, so a job that kills its process cannot loop uncharged. Delivery is at
 * least once: a killed process's jobs run again elsewhere `leaseDuration` after
 * its last heartbeat. Calls return promises.
 *
 * Events: `completed`, `retrying`, `failed`, `error`, with the SQLite queue's payloads.
 */
export class PgJobQueue extends EventEmitter {
  readonly #table: PgJobTable;
  readonly #pool: pg.Pool;
  readonly #options: ResolvedQueueOptions;
  readonly #prefetch: PrefetchSizer;
  readonly #owner = randomUUID();
  readonly #workers = new Map<string, { fn: JobWorker; options: ResolvedWorkerOptions }>();
  readonly #active = new Map<number, Execution>();
  #names: string[] = [];
  #outcomes: Pending[] = [];
  /** Claimed (leased) jobs waiting for a free slot, most urgent first. */
  #ready: ClaimedJob[] = [];
  /** Jobs started here whose start is not written yet (the next grouped write does it). */
  #unrecorded = new Set<number>();
  /** The last grouped write: the next waits for it. */
  #flushed: Promise<void> = Promise.resolve();
  #running = false;
  #closed = false;
  #pumping: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #nextMaintenanceAt = 0;
  #nextScheduleAt = 0;
  /** The connection listening for new jobs while running (a notification wakes the pump). */
  #listener: Promise<pg.PoolClient | null> | null = null;

  constructor(pool: pg.Pool, table: PgJobTable, options: ResolvedQueueOptions) {
    super();
    this.#pool = pool;
    this.#table = table;
    this.#options = options;
    this.#prefetch = new PrefetchSizer(options.concurrency, options.prefetch);
  }

  /** Jobs run at once by this process. */
  get concurrency(): number {
    return this.#options.concurrency;
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.#running;
  }

  /** Registers the function that runs jobs called `name` (one per name). */
  registerWorker<TData = any>(name: string, worker: JobWorker<TData>, options?: WorkerOptions): this {
    assertJobName(name);
    if (typeof worker !== 'function') throw new ConfigurationError(`The worker for "${name}" must be a function`);
    if (this.#workers.has(name)) throw new ConfigurationError(`A worker for "${name}" is already registered`);
    this.#workers.set(name, { fn: worker as JobWorker, options: resolveWorkerOptions(options) });
    this.#names = [...this.#workers.keys()];
    this.#kick();
    return this;
  }

  /**
   * Adds a job and returns its id; an `idempotencyKey` already used returns the
   * existing job's id. Called inside a transaction of an `openQueue` store on the
   * same database (a model method applying an event, or `queue.transaction()`),
   * the job is written in that transaction: it commits or rolls back with the
   * event (an outbox).
   */
  async add(name: string, data: unknown, options: AddJobOptions = {}): Promise<number> {
    const tx = currentClient.getStore();
    return this.#add(name, data, options, tx && (await this.#table.reaches(tx)) ? tx : undefined);
  }

  /**
   * Checks that `store` (an `openQueue` store on PostgreSQL) writes to this queue's
   * database, so a job added in one of its event transactions commits with the event.
   * Called by EventJobProcessor; throws a ConfigurationError when the databases differ.
   */
  async linkEventStore(store: { readonly pool?: unknown }): Promise<void> {
    this.#assertOpen();
    const pool = store.pool as pg.Pool | undefined;
    if (typeof pool?.query !== 'function' || !(await this.#table.reaches(pool))) throw notShared();
  }

  /**
   * Adds a job on the connection of the event transaction running on this async
   * path (an `onEventStored` hook of a linked store), never on a connection of its
   * own: the job commits or rolls back with the event. Throws a ConfigurationError
   * outside such a transaction.
   */
  async addInEventTransaction(name: string, data: unknown, options: AddJobOptions): Promise<number> {
    const tx = currentClient.getStore();
    if (!tx || !(await this.#table.reaches(tx))) throw notShared();
    return this.#add(name, data, options, tx);
  }

  async #add(name: string, data: unknown, options: AddJobOptions, client: pg.PoolClient | undefined): Promise<number> {
    this.#assertOpen();
    assertJobName(name);
    const now = Date.now();
    const { runAt, ...rest } = resolveAddOptions(options, now);
    const id = await this.#table.insert({ name, data: encodeJobData(data), runAt, ...rest }, now, client);
    if (runAt <= now) this.#kick();
    else this.#wakeIn(runAt - now);
    return id;
  }

  /**
   * Runs `name` every `every` ms or on a `cron` expression (UTC). Each occurrence
   * is added once across all processes sharing the database. Returns the key.
   */
  async scheduleRecurringJob(name: string, data: unknown, options: RecurringJobOptions): Promise<string> {
    this.#assertOpen();
    assertJobName(name);
    const { key, every, cron, priority, maxAttempts: max_attempts, timeout: timeout_ms } = resolveRecurringOptions(name, options);
    const next = nextOccurrence({ every, cron }, Date.now());
    await this.#table.upsertSchedule({ key, name, data: encodeJobData(data), every, cron, priority, next_run_at: next, max_attempts, timeout_ms });
    this.#nextScheduleAt = 0;
    this.#wakeIn(next - Date.now());
    return key;
  }

  /** Removes a recurring schedule by its key; false when there was none. Jobs it already added stay. */
  async unscheduleRecurringJob(key: string): Promise<boolean> {
    return this.#table.deleteSchedule(key);
  }

  /** The job, or null when no job has this id. Attempts finished in this process are written first. */
  async getJobStatus(id: number): Promise<JobInfo | null> {
    await this.#flush();
    return this.#table.get(id);
  }

  /**
   * Counts by status across every process sharing the table, this process's active
   * jobs and workers, and eventlite's `byType`, `oldestPending` and `recentCompletion`.
   */
  async getQueueStats(): Promise<JobQueueStats & EventliteJobStats> {
    await this.#flush();
    const [{ byStatus, delayed, schedules }, eventlite] = await Promise.all([this.#table.counts(Date.now()), this.#table.eventliteStats()]);
    const pick = (status: string) => byStatus[status] ?? 0;
    return {
      pending: pick('pending'),
      delayed,
      running: pick('running'),
      completed: pick('completed'),
      failed: pick('failed'),
      cancelled: pick('cancelled'),
      total: Object.values(byStatus).reduce((a, b) => a + b, 0),
      active: this.#active.size,
      concurrency: this.#options.concurrency,
      workers: [...this.#workers.keys()],
      recurring: schedules,
      ...eventlite,
    };
  }

  /** Cancels a pending or running job (a running one here has its signal aborted). */
  async cancelJob(id: number): Promise<boolean> {
    const cancelled = await this.#table.cancel(id, Date.now());
    if (cancelled) this.#ready = this.#ready.filter((job) => job.id !== id);
    const execution = this.#active.get(id);
    if (cancelled && execution) {
      this.#active.delete(id);
      execution.controller.abort(new AbortError(`Job ${id} was cancelled`));
      this.#kick();
    }
    return cancelled;
  }

  /** Starts running due jobs, up to `concurrency` at once. */
  start(): void {
    this.#assertOpen();
    if (this.#running) return;
    this.#running = true;
    this.#nextMaintenanceAt = 0;
    this.#nextScheduleAt = 0;
    const every = Math.max(10, Math.floor(this.#options.leaseDuration / 3));
    this.#heartbeat = setInterval(() => {
      if (this.#active.size + this.#ready.length > 0) this.#table.heartbeat(this.#owner, Date.now() + this.#options.leaseDuration).catch((err: unknown) => this.#report(err));
      this.#kick();
    }, every);
    this.#listener = listenForJobs(this.#pool, () => this.#kick(), (err) => this.#report(err));
    this.#kick();
  }

  /**
   * Stops taking jobs. With `drain` (default) waits for running jobs to finish;
   * without, aborts their signals and hands them back as pending at once.
   */
  async stop({ drain = true }: { drain?: boolean } = {}): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const job of this.#ready.splice(0)) this.#outcomes.push({ ...quiet, id: job.id, status: 'pending', refund: 1, name: job.name, attempt: 0 });
    if (drain) {
      await Promise.all([...this.#active.values()].map((execution) => execution.done));
    } else {
      for (const [id, execution] of this.#active) {
        this.#active.delete(id);
        this.#outcomes.push({ ...quiet, id, status: 'pending', refund: 1, name: '', attempt: 0 });
        execution.controller.abort(new AbortError('The job queue stopped without draining'));
      }
    }
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    await stopListening(await this.#listener);
    this.#listener = null;
    await this.#pumping;
    await this.#flush();
  }

  /** Stops (draining by default) and closes the connection pool. */
  async close(options?: { drain?: boolean }): Promise<void> {
    if (this.#closed) return;
    await this.stop(options);
    this.#closed = true;
    await this.#pool.end();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('The job queue is closed; open a new one');
  }

  /** Runs a pump round now, or once more after the one in flight. */
  #kick(): void {
    if (this.#closed) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = null;
      if (this.#again) {
        this.#again = false;
        this.#kick();
      }
    });
  }

  #wakeIn(ms: number): void {
    if (!this.#running) return;
    setTimeout(() => this.#kick(), Math.max(0, ms)).unref();
  }

  /** One round: write finished attempts, do maintenance when due, claim free slots. */
  async #pump(): Promise<void> {
    try {
      // Written beside the claim (two connections); a failed write is kept and retried next round.
      const flushed = this.#flush().catch((err: unknown) => this.#report(err));
      if (!this.#running || this.#names.length === 0) return void (await flushed);
      const now = Date.now();
      if (now >= this.#nextMaintenanceAt || now >= this.#nextScheduleAt) await this.#maintain(now);
      const slots = this.#options.concurrency + this.#prefetch.prefetch - this.#active.size - this.#ready.length;
      let claimed: ClaimedJob[] = [];
      if (slots > 0) claimed = await this.#table.claim(this.#owner, this.#names, slots, now, now + this.#options.leaseDuration);
      await flushed;
      if (!this.#running) {
        // Stopped while claiming: hand the claims back uncharged.
        for (const job of claimed) this.#outcomes.push({ ...quiet, id: job.id, status: 'pending', refund: 1, name: job.name, attempt: 0 });
        return;
      }
      if (claimed.length > 0) this.#ready = byUrgency(this.#ready.concat(claimed));
      this.#startReady();
      // A full claim may leave more due work: go again at once; else look again after pollInterval.
      if (claimed.length > 0 && claimed.length === slots) this.#again = true;
      else this.#schedulePoll();
    } catch (err) {
      this.#report(err);
      this.#schedulePoll();
    }
  }

  #schedulePoll(): void {
    if (!this.#running || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#kick();
    }, Math.min(this.#options.pollInterval, Math.max(0, this.#nextScheduleAt - Date.now())));
  }

  /**
   * Starts ready jobs into free slots. A job whose lease was lost before has its
   * start written first (it may have killed its process at once); the others'
   * starts go with the next grouped write.
   */
  #startReady(): void {
    let free = this.#options.concurrency - this.#active.size;
    while (free > 0 && this.#running && this.#ready.length > 0) {
      const job = this.#ready.shift() as ClaimedJob;
      free -= 1;
      if (job.lost_leases > 0) {
        this.#startCareful(job);
      } else {
        this.#unrecorded.add(job.id);
        this.#execute({ ...job, attempts: job.attempts + 1 });
      }
    }
  }

  #startCareful(job: ClaimedJob): void {
    const execution: Execution = { controller: new AbortController(), done: Promise.resolve() };
    this.#active.set(job.id, execution);
    const start: PgOutcome = { ...quiet, id: job.id, status: 'running', started: 1 };
    execution.done = this.#table.applyOutcomes(this.#owner, [start], Date.now()).then(
      (marked) => {
        if (this.#active.get(job.id) !== execution) return undefined; // cancelled meanwhile
        const attempts = marked.get(job.id);
        if (attempts !== undefined) return this.#execute({ ...job, attempts }, execution);
        this.#active.delete(job.id); // the lease was lost: another process has the job
        this.#kick();
        return undefined;
      },
      (err: unknown) => {
        // Not started: the lease expires and the job is claimed again.
        this.#active.delete(job.id);
        this.#report(err);
      },
    );
  }

  /**
   * Writes buffered starts and outcomes, one write at a time: a job's start must
   * not land after its outcome (which ends the lease the start needs).
   */
  #flush(): Promise<void> {
    const run = this.#flushed.then(() => this.#flushNow());
    this.#flushed = run.catch(() => {});
    return run;
  }

  /** Writes buffered starts and outcomes in one statement, then emits the outcomes' events. */
  async #flushNow(): Promise<void> {
    const outcomes = this.#outcomes;
    const unrecorded = this.#unrecorded;
    if (outcomes.length === 0 && unrecorded.size === 0) return;
    this.#outcomes = [];
    this.#unrecorded = new Set();
    // A job that started and finished since the last write gets its start written with its outcome.
    const pending = new Set(unrecorded);
    const rows: PgOutcome[] = outcomes.map((outcome) => ({ ...outcome, started: pending.delete(outcome.id) ? 1 : 0 }));
    for (const id of pending) rows.push({ ...quiet, id, status: 'running', started: 1 });
    let applied: Map<number, number>;
    try {
      applied = await this.#table.applyOutcomes(this.#owner, rows, Date.now());
    } catch (err) {
      // Kept for the next round.
      this.#outcomes = outcomes.concat(this.#outcomes);
      for (const id of unrecorded) this.#unrecorded.add(id);
      throw err;
    }
    for (const outcome of outcomes) if (applied.has(outcome.id)) this.#emitOutcome(outcome);
  }

  #emitOutcome(outcome: Pending): void {
    const { id, name, attempt } = outcome;
    if (outcome.status === 'completed') {
      this.emit('completed', { id, name, attempt, result: outcome.result === null ? undefined : JSON.parse(outcome.result) });
    } else if (outcome.status === 'failed') {
      this.emit('failed', { id, name, attempt, error: outcome.cause });
    } else if (outcome.refund === 0) {
      this.emit('retrying', { id, name, attempt, error: outcome.cause, runAt: new Date(outcome.runAt ?? Date.now()) });
    }
  }

  /** Re-queues jobs whose lease expired (their process died) and fires due schedules. */
  async #maintain(now: number): Promise<void> {
    this.#nextMaintenanceAt = now + Math.max(10, Math.floor(this.#options.leaseDuration / 3));
    const next = await maintainPgJobs(this.#table, this.#names, (name) => this.#workers.get(name)?.options, now);
    // Schedules added by other processes are found by the regular maintenance pass.
    this.#nextScheduleAt = Math.min(next ?? Infinity, this.#nextMaintenanceAt);
  }

  /** Runs one attempt of `job` (`attempts`: this attempt's number) in the slot `execution`, or a new one. */
  #execute(job: ClaimedJob, execution: Execution = { controller: new AbortController(), done: Promise.resolve() }): Promise<void> {
    const worker = this.#workers.get(job.name);
    if (!worker) return execution.done; // cannot happen: only registered names are claimed
    this.#active.set(job.id, execution);
    const began = performance.now();
    execution.done = runAttempt(worker.fn, job, attemptTimeout(job, worker.options), execution.controller).then((result) => {
      this.#prefetch.record(performance.now() - began);
      this.#settle(job, execution, worker.options, result);
    });
    return execution.done;
  }

  #settle(job: ClaimedJob, execution: Execution, options: ResolvedWorkerOptions, result: AttemptResult): void {
    if (this.#active.get(job.id) !== execution) return; // cancelled or released meanwhile
    this.#active.delete(job.id);
    const base = { ...quiet, id: job.id, name: job.name, attempt: job.attempts };
    if (result.ok) {
      this.#outcomes.push({ ...base, status: 'completed', result: encodeResult(result.value) });
    } else if (mayRetry(job, options)) {
      const runAt = Date.now() + retryBackoff(job.attempts, options.retryDelay, options.maxRetryDelay);
      this.#outcomes.push({ ...base, status: 'pending', runAt, error: errorMessage(result.error), cause: result.error });
      this.#wakeIn(runAt - Date.now());
    } else {
      this.#outcomes.push({ ...base, status: 'failed', error: errorMessage(result.error), cause: result.error });
    }
    this.#startReady();
    this.#kick();
  }

  #report(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else process.emitWarning(`PgJobQueue: ${errorMessage(err)}`, 'S3liteJobQueueWarning');
  }
}
