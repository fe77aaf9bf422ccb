/**
 * A durable job queue on SQLite: jobs survive restarts, several processes can
 * share one table (leases with heartbeats), and state changes are grouped into
 * few transactions so throughput holds with `synchronous=FULL`.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import { AbortError, ClosedError, ConfigurationError } from '../../core/errors.js';
import { acquireConnection, configureConnection, releaseConnection } from '../connection.js';
import { encodeResult, errorMessage, runAttempt, type AttemptResult } from './job-attempt.js';
import {
  assertJobName,
  encodeJobData,
  resolveAddOptions,
  resolveQueueOptions,
  resolveRecurringOptions,
  resolveWorkerOptions,
  type BackgroundJobQueueOptions,
  type EventQueueConnection,
  type ResolvedQueueOptions,
  type ResolvedWorkerOptions,
} from './job-queue-options.js';
import { eventliteAddOptions, eventliteJobStats, eventliteRecurringOptions, type EventliteAddJobOptions, type EventliteJobStats } from './eventlite-jobs.js';
import { JOB_TABLE, JobTable, SCHEDULE_TABLE, type ClaimedJob, type JobOutcome } from './job-table.js';
import { attemptTimeout, mayRetry } from './job-limits.js';
import { fireDueSchedules, recoverExpiredLeases } from './job-maintenance.js';
import { nextOccurrence, retryBackoff } from './job-timing.js';
import type { AddJobOptions, JobInfo, JobQueueStats, JobWorker, RecurringJobOptions, WorkerOptions } from './job-types.js';

export const DEFAULT_JOBS_DB = 'data/jobs.sqlite';

/** Most urgent first: priority, then due time, then id. */
function byUrgency(jobs: ClaimedJob[]): ClaimedJob[] {
  return jobs.sort((a, b) => b.priority - a.priority || a.run_at - b.run_at || a.id - b.id);
}

interface Execution {
  controller: AbortController;
  done: Promise<void>;
}

type PendingOutcome = JobOutcome & { name: string; attempt: number; cause?: unknown };

/**
 * Durable background jobs.
 *
 * Where jobs live: with `{ queue }`, in that event queue's database on its
 * connection; with `{ dbName }`, in that file. With no arguments the choice is
 * made at first use: an `EventJobProcessor` that links this queue first puts the
 * jobs in the event queue's database (so an event and its job commit in one
 * transaction); otherwise `data/jobs.sqlite` is opened.
 *
 * Delivery is at least once: a job whose process dies mid-run is run again once
 * its lease expires (`leaseDuration` after the last heartbeat), and that counts
 * as a failed attempt so a job that crashes its process cannot loop forever.
 * Only started attempts count: a job claimed ahead (`prefetch`) by a process that
 * died before starting it goes back to pending uncharged (see `#startReady`).
 *
 * Events: `completed` `{ id, name, attempt, result }`, `retrying`
 * `{ id, name, attempt, error, runAt }`, `failed` `{ id, name, attempt, error }`,
 * `error` (a database failure of the dispatch loop; without a listener it becomes
 * a process warning and the loop retries).
 *
 * @example
 * const jobs = new BackgroundJobQueue({ dbName: 'data/jobs.sqlite', concurrency: 8 });
 * jobs.registerWorker('sendEmail', async (data, { signal }) => mailer.send(data, { signal }), { timeout: 10_000 });
 * jobs.add('sendEmail', { to: 'a@example.com' }, { priority: 5 });
 * jobs.start();
 */
export class BackgroundJobQueue extends EventEmitter {
  readonly #options: ResolvedQueueOptions;
  readonly #owner = randomUUID();
  readonly #workers = new Map<string, { fn: JobWorker; options: ResolvedWorkerOptions }>();
  readonly #active = new Map<number, Execution>();
  /** Claimed (leased) jobs waiting for a free slot, most urgent first. */
  #ready: ClaimedJob[] = [];
  #names = '[]';
  #linked: EventQueueConnection | undefined;
  #table: JobTable | null = null;
  #ownDb: Database.Database | null = null;
  #outcomes: PendingOutcome[] = [];
  /** Jobs started here whose start is not written yet (the next transaction writes it). */
  #unrecorded: number[] = [];
  #running = false;
  #closed = false;
  #pumpScheduled = false;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  #heartbeat: NodeJS.Timeout | null = null;
  #nextMaintenanceAt = 0;
  #nextScheduleAt = 0;

  /** @param options see {@link BackgroundJobQueueOptions}; all optional. */
  constructor(options: BackgroundJobQueueOptions = {}) {
    super();
    this.#options = resolveQueueOptions(options);
  }

  /** Jobs at once in this process. */
  get concurrency(): number {
    return this.#options.concurrency;
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.#running;
  }

  /** The connection holding the job tables (opens the default file on first use). */
  get db(): Database.Database {
    return this.#tableOrOpen().db;
  }

  /**
   * Puts the job table on `queue`'s connection. Called by EventJobProcessor; fails
   * when this queue already keeps its jobs elsewhere, because the outbox needs the
   * event and its job in one transaction.
   * @internal
   */
  linkEventQueue(queue: EventQueueConnection): JobTable {
    this.#leaveIdleDefaultFile();
    const current = this.#options.queue ?? this.#linked;
    // A file of its own that is the event queue's file is the same connection (one per file per process).
    const own = current === undefined && (this.#options.dbName !== undefined || this.#ownDb !== null);
    const db = current ? current.db : own ? this.#tableOrOpen().db : queue.db;
    if (db !== queue.db) {
      throw new ConfigurationError(
        'EventJobProcessor needs the job queue in the event queue database, so that an event and its job commit ' +
          'in one transaction. Create the job queue with `new BackgroundJobQueue()`, `{ queue: eventQueue }` or ' +
          "`{ dbName }` naming the event queue's file (openJobQueue: the same connection string) and link it before adding jobs.",
      );
    }
    if (!own) this.#linked = queue;
    return this.#tableOrOpen();
  }

  /**
   * Registers the function that runs jobs called `name` (one per name).
   * @example
   * jobs.registerWorker('resize', async (data, { signal, attempt }) => resize(data.path, { signal }), { retryAttempts: 5 });
   */
  registerWorker<TData = any>(name: string, worker: JobWorker<TData>, options?: WorkerOptions): this {
    assertJobName(name);
    if (typeof worker !== 'function') throw new ConfigurationError(`The worker for "${name}" must be a function`);
    if (this.#workers.has(name)) throw new ConfigurationError(`A worker for "${name}" is already registered`);
    this.#workers.set(name, { fn: worker as JobWorker, options: resolveWorkerOptions(options) });
    this.#names = JSON.stringify([...this.#workers.keys()]);
    if (this.#running) this.#schedulePump();
    return this;
  }

  /**
   * Adds a job and returns its id; with an `idempotencyKey` already used, returns
   * the existing job's id and adds nothing. Inside an open transaction on the
   * same connection, the job commits or rolls back with it.
   * @example
   * const id = jobs.add('report', { month: '2024-05' }, { delay: 60_000, idempotencyKey: 'report:2024-05' });
   */
  add(name: string, data: unknown, options: AddJobOptions = {}): number {
    assertJobName(name);
    const now = Date.now();
    const { runAt, ...rest } = resolveAddOptions(options, now);
    const id = this.#tableOrOpen().insert({ name, data: encodeJobData(data), runAt, ...rest }, now);
    if (runAt <= now) this.#schedulePump();
    else this.#wakeAt(runAt);
    return id;
  }

  /**
   * Runs `name` every `every` ms or on a `cron` expression (UTC), first at the next
   * occurrence. The schedule is stored, so it survives restarts; scheduling the same
   * `key` again updates it. Returns the key.
   * @example
   * jobs.scheduleRecurringJob('cleanup', {}, { cron: '0 3 * * *' });
   */
  scheduleRecurringJob(name: string, data: unknown, options: RecurringJobOptions): string;
  /**
   * eventlite's form: adds the job now and again every `intervalMs` (a stored
   * schedule keyed by the job name; remove it with `unscheduleRecurringJob(name)`).
   * Returns the id of the job added now.
   */
  scheduleRecurringJob(name: string, data: unknown, intervalMs: number, options?: EventliteAddJobOptions): number;
  scheduleRecurringJob(name: string, data: unknown, options: RecurringJobOptions | number, extra?: EventliteAddJobOptions): string | number {
    if (typeof options === 'number') {
      const addOptions = eventliteAddOptions(extra);
      const id = this.add(name, data ?? {}, addOptions);
      this.scheduleRecurringJob(name, data ?? {}, eventliteRecurringOptions(options, addOptions));
      return id;
    }
    assertJobName(name);
    const { key, every, cron, priority, maxAttempts: max_attempts, timeout: timeout_ms } = resolveRecurringOptions(name, options);
    const next = nextOccurrence({ every, cron }, Date.now());
    this.#tableOrOpen().upsertSchedule({ key, name, data: encodeJobData(data), every, cron, priority, next_run_at: next, max_attempts, timeout_ms });
    this.#nextScheduleAt = 0; // re-read: an unchanged schedule keeps its stored next run
    this.#wakeAt(next);
    return key;
  }

  /** Removes a recurring schedule; jobs it already added stay. */
  unscheduleRecurringJob(key: string): boolean {
    return this.#tableOrOpen().deleteSchedule(key);
  }

  /** The job, or null when no job has this id. */
  getJobStatus(id: number): JobInfo | null {
    this.#commit();
    return this.#tableOrOpen().get(id);
  }

  getQueueStats(): JobQueueStats & EventliteJobStats {
    this.#commit();
    const table = this.#tableOrOpen();
    const counts = table.countByStatus();
    const pick = (status: string) => counts[status] ?? 0;
    return {
      pending: pick('pending'),
      delayed: table.countDelayed(Date.now()),
      running: pick('running'),
      completed: pick('completed'),
      failed: pick('failed'),
      cancelled: pick('cancelled'),
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      active: this.#active.size,
      concurrency: this.#options.concurrency,
      workers: [...this.#workers.keys()],
      recurring: table.countSchedules(),
      ...eventliteJobStats(table.db),
    };
  }

  /** Cancels a pending or running job (a running one here has its signal aborted). */
  cancelJob(id: number): boolean {
    this.#commit();
    const cancelled = this.#tableOrOpen().cancel(id, Date.now());
    if (cancelled) this.#ready = this.#ready.filter((job) => job.id !== id);
    const execution = this.#active.get(id);
    if (cancelled && execution) {
      this.#active.delete(id);
      execution.controller.abort(new AbortError(`Job ${id} was cancelled`));
      this.#schedulePump();
    }
    return cancelled;
  }

  /** eventlite's name of {@link add}: `addJob(type, data, { delay, priority, maxAttempts, timeout })`. */
  addJob(name: string, data: unknown = {}, options?: EventliteAddJobOptions): number {
    return this.add(name, data, eventliteAddOptions(options));
  }

  /** eventlite's `scheduleJob(type, data, time)`: the job becomes due at `time` (a Date or ms). */
  scheduleJob(name: string, data: unknown, time: Date | number, options?: EventliteAddJobOptions): number {
    return this.add(name, data ?? {}, { ...eventliteAddOptions(options), runAt: time });
  }

  /** Starts running due jobs, up to `concurrency` at once. */
  start(): void {
    if (this.#closed) throw new ClosedError('The job queue is closed; create a new one');
    if (this.#running) return;
    this.#tableOrOpen();
    this.#running = true;
    this.#nextMaintenanceAt = 0;
    this.#nextScheduleAt = 0;
    this.#startHeartbeat();
    this.#schedulePump();
  }

  /**
   * Stops taking jobs. With `drain` (default) waits for running jobs to finish;
   * without, aborts their signals and hands them back as pending at once.
   */
  async stop({ drain = true }: { drain?: boolean } = {}): Promise<void> {
    this.#running = false;
    this.#clearTimer();
    for (const job of this.#ready.splice(0)) this.#outcomes.push({ kind: 'released', id: job.id, name: job.name, attempt: 0 });
    if (drain) {
      await Promise.all([...this.#active.values()].map((execution) => execution.done));
    } else {
      for (const [id, execution] of this.#active) {
        this.#active.delete(id);
        this.#outcomes.push({ kind: 'released', id, name: '', attempt: 0 });
        execution.controller.abort(new AbortError('The job queue stopped without draining'));
      }
    }
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    if (this.#table) this.#commit();
  }

  /** Stops (draining by default) and closes the queue's own database file, if it has one. */
  async close(options?: { drain?: boolean }): Promise<void> {
    if (this.#closed) return;
    await this.stop(options);
    this.#closed = true;
    if (this.#ownDb) releaseConnection(this.#ownDb);
    this.#ownDb = null;
    this.#table = null;
  }

  /**
   * eventlite's docs start the job queue before creating the EventJobProcessor;
   * `start()` then opened the default jobs file. While that file holds no open job
   * or schedule and nothing runs, drop it so the queue can move to the event
   * queue's database.
   */
  #leaveIdleDefaultFile(): void {
    const db = this.#ownDb;
    if (!db || this.#options.dbName !== undefined || this.#active.size > 0 || this.#ready.length > 0) return;
    const open = db.prepare(`SELECT (SELECT count(*) FROM ${JOB_TABLE} WHERE status IN ('pending', 'running')) + (SELECT count(*) FROM ${SCHEDULE_TABLE})`).pluck().get() as number;
    if (open > 0) return;
    if (this.#table) this.#commit();
    db.close();
    this.#ownDb = null;
    this.#table = null;
  }

  #tableOrOpen(): JobTable {
    if (this.#table) return this.#table;
    if (this.#closed) throw new ClosedError('The job queue is closed; create a new one');
    const shared = this.#options.queue ?? this.#linked;
    if (shared) {
      this.#table = new JobTable(shared.db);
    } else {
      const file = this.#options.dbName ?? DEFAULT_JOBS_DB;
      // The same registry as initQueue: an event queue on this file in this process shares the connection.
      const db = acquireConnection(file, { busyTimeout: 5000 });
      try {
        const { durability } = this.#options;
        configureConnection(
          db,
          { journalMode: 'WAL', synchronous: durability === 'full' ? 'FULL' : 'NORMAL', busyTimeout: 5000 },
          `BackgroundJobQueue({ durability: '${durability}' })`,
        );
        this.#table = new JobTable(db);
      } catch (err) {
        releaseConnection(db);
        throw err;
      }
      this.#ownDb = db;
    }
    return this.#table;
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    setImmediate(() => this.#pump());
  }

  #wakeAt(at: number): void {
    if (!this.#running || at >= this.#timerAt) return;
    this.#clearTimer();
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.#schedulePump();
    }, Math.max(0, at - Date.now()));
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
  }

  #startHeartbeat(): void {
    const every = Math.max(10, Math.floor(this.#options.leaseDuration / 3));
    this.#heartbeat = setInterval(() => {
      if (!this.#table) return;
      try {
        if (this.#active.size + this.#ready.length > 0) this.#table.heartbeat(this.#owner, Date.now() + this.#options.leaseDuration);
      } catch (err) {
        this.#report(err);
      }
      if (this.#running) this.#schedulePump();
    }, every);
  }

  /**
   * One transaction: record starts, write finished attempts, run maintenance when
   * due, claim free slots, and record in advance the starts of the jobs about to
   * run that lost a lease before (see {@link #startReady}).
   */
  #pump(): void {
    this.#pumpScheduled = false;
    if (this.#closed || !this.#table) return;
    const table = this.#table;
    const now = Date.now();
    let claimed: ClaimedJob[] = [];
    let marked: ReadonlyMap<number, number> = new Map();
    const { concurrency, prefetch } = this.#options;
    const ok = this.#commit(() => {
      if (!this.#running) return;
      if (now >= this.#nextMaintenanceAt || now >= this.#nextScheduleAt) this.#maintain(table, now);
      const slots = concurrency + prefetch - this.#active.size - this.#ready.length;
      if (slots > 0 && this.#workers.size > 0) {
        claimed = table.claim(this.#owner, this.#names, slots, now, now + this.#options.leaseDuration);
      }
      const candidates = this.#ready.concat(claimed);
      if (candidates.some((job) => job.lost_leases > 0)) {
        const next = byUrgency(candidates).slice(0, concurrency - this.#active.size);
        const careful = next.filter((job) => job.lost_leases > 0).map((job) => job.id);
        if (careful.length > 0) marked = table.start(this.#owner, careful, now);
      }
    });
    if (!ok) {
      this.#wakeAt(now + this.#options.pollInterval);
      return;
    }
    if (!this.#running) {
      // Stopped by an event listener during the commit: hand back what this round claimed.
      for (const job of claimed) this.#outcomes.push({ kind: 'released', id: job.id, name: job.name, attempt: 0 });
      if (claimed.length > 0) this.#commit();
      return;
    }
    if (claimed.length > 0) this.#ready = byUrgency(this.#ready.concat(claimed));
    this.#startReady(marked);
    this.#wakeAt(Math.min(now + this.#options.pollInterval, this.#nextScheduleAt));
  }

  /**
   * Starts ready jobs into free slots. Only a started attempt counts, and the start
   * is recorded in the next grouped transaction (within one event-loop turn), so a
   * process that dies holding jobs it claimed but never started costs them nothing.
   * A job whose lease expired with no start recorded may have died in that turn: its
   * next start is recorded before it runs (`marked`, by {@link #pump}), so a job that
   * kills its process at once runs uncharged at most once and cannot loop forever.
   */
  #startReady(marked: ReadonlyMap<number, number> = new Map()): void {
    if (!this.#running) return;
    let free = this.#options.concurrency - this.#active.size;
    let waiting = false;
    const ready: ClaimedJob[] = [];
    for (const job of this.#ready) {
      if (free <= 0) {
        // A start recorded for a job that can no longer start now (a listener took the slot) is handed back.
        if (marked.has(job.id)) this.#outcomes.push({ kind: 'released', id: job.id, name: job.name, attempt: 0 });
        else ready.push(job);
      } else if (job.lost_leases === 0) {
        this.#unrecorded.push(job.id);
        this.#execute({ ...job, attempts: job.attempts + 1 });
        free -= 1;
      } else if (marked.has(job.id)) {
        this.#execute({ ...job, attempts: marked.get(job.id) as number });
        free -= 1;
      } else {
        ready.push(job);
        waiting = true;
      }
    }
    this.#ready = ready;
    if (waiting || this.#unrecorded.length > 0 || this.#outcomes.length > 0) this.#schedulePump();
  }

  /** Writes buffered outcomes (plus `extra`) in one transaction, then emits their events. */
  #commit(extra?: () => void): boolean {
    const table = this.#table;
    if (!table) return true;
    const outcomes = this.#outcomes;
    const unrecorded = this.#unrecorded;
    this.#outcomes = [];
    this.#unrecorded = [];
    const now = Date.now();
    let applied: PendingOutcome[] = [];
    try {
      table.write(() => {
        // A job that started and finished since the last commit gets its start written with
        // its outcome; the others' starts first (an outcome ends the lease a start needs).
        const pending = new Set(unrecorded);
        const finished = outcomes.filter((outcome) => outcome.kind !== 'released' && pending.delete(outcome.id));
        if (pending.size > 0) table.recordStarts(this.#owner, [...pending], now);
        const withStart = new Set(finished);
        applied = outcomes.filter((outcome) => table.apply(outcome, this.#owner, now, withStart.has(outcome)));
        extra?.();
      });
    } catch (err) {
      // Rolled back: keep them for the next try.
      this.#outcomes = outcomes.concat(this.#outcomes);
      this.#unrecorded = unrecorded.concat(this.#unrecorded);
      this.#report(err);
      return false;
    }
    for (const outcome of applied) this.#emitOutcome(outcome);
    return true;
  }

  #emitOutcome(outcome: PendingOutcome): void {
    const { id, name, attempt } = outcome;
    if (outcome.kind === 'completed') {
      this.emit('completed', { id, name, attempt, result: outcome.result === null ? undefined : JSON.parse(outcome.result) });
    } else if (outcome.kind === 'retry') {
      this.emit('retrying', { id, name, attempt, error: outcome.cause, runAt: new Date(outcome.runAt) });
    } else if (outcome.kind === 'failed') {
      this.emit('failed', { id, name, attempt, error: outcome.cause });
    }
  }

  /** Re-queues jobs whose lease expired (their process died) and fires due schedules. */
  #maintain(table: JobTable, now: number): void {
    this.#nextMaintenanceAt = now + Math.max(10, Math.floor(this.#options.leaseDuration / 3));
    recoverExpiredLeases(table, this.#names, (name) => this.#workers.get(name)?.options, now);
    const nextSchedule = fireDueSchedules(table, this.#names, now);
    // Schedules added by other processes are found by the regular maintenance pass.
    this.#nextScheduleAt = Math.min(nextSchedule ?? Infinity, this.#nextMaintenanceAt);
  }

  #execute(job: ClaimedJob): void {
    const worker = this.#workers.get(job.name);
    if (!worker) return; // cannot happen: only registered names are claimed
    const controller = new AbortController();
    const execution: Execution = { controller, done: Promise.resolve() };
    this.#active.set(job.id, execution);
    execution.done = runAttempt(worker.fn, job, attemptTimeout(job, worker.options), controller).then((result) => {
      this.#settle(job, execution, worker.options, result);
    });
  }

  #settle(job: ClaimedJob, execution: Execution, options: ResolvedWorkerOptions, result: AttemptResult): void {
    if (this.#active.get(job.id) !== execution) return; // cancelled or released meanwhile
    this.#active.delete(job.id);
    const base = { id: job.id, name: job.name, attempt: job.attempts };
    if (result.ok) {
      this.#outcomes.push({ ...base, kind: 'completed', result: encodeResult(result.value) });
    } else if (mayRetry(job, options)) {
      const runAt = Date.now() + retryBackoff(job.attempts, options.retryDelay, options.maxRetryDelay);
      this.#outcomes.push({ ...base, kind: 'retry', runAt, error: errorMessage(result.error), cause: result.error });
      this.#wakeAt(runAt);
    } else {
      this.#outcomes.push({ ...base, kind: 'failed', error: errorMessage(result.error), cause: result.error });
    }
    this.#startReady();
    this.#schedulePump();
  }

  #report(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else process.emitWarning(`BackgroundJobQueue: ${errorMessage(err)}`, 'S3liteJobQueueWarning');
  }
}
