/**
 * A durable job queue on SQLite: jobs survive restarts, several processes can
 * share one table (leases with heartbeats), and state changes are grouped into
 * few transactions so throughput holds with `synchronous=FULL`. This file is
 * the public API and where the jobs live; the worker loop is sqlite-job-loop.ts.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import { ClosedError, ConfigurationError } from '../../core/errors.js';
import { acquireConnection, configureConnection, releaseConnection } from '../connection.js';
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
} from './job-queue-options.js';
import { eventliteAddOptions, eventliteJobStats, eventliteRecurringOptions, type EventliteAddJobOptions, type EventliteJobStats } from './eventlite-jobs.js';
import { JOB_TABLE, JobTable, SCHEDULE_TABLE } from './job-table.js';
import { nextOccurrence } from './job-timing.js';
import { SqliteJobLoop } from './sqlite-job-loop.js';
import type { AddJobOptions, JobInfo, JobQueueStats, JobWorker, RecurringJobOptions, WorkerOptions } from './job-types.js';

/** The file a `BackgroundJobQueue` opens when given neither `dbName` nor `queue` and not linked to an event queue. */
export const DEFAULT_JOBS_DB = 'data/jobs.sqlite';

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
 * died before starting it goes back to pending uncharged (sqlite-job-loop.ts).
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
  readonly #loop: SqliteJobLoop;
  #linked: EventQueueConnection | undefined;
  #table: JobTable | null = null;
  #ownDb: Database.Database | null = null;
  #closed = false;

  /** @param options see {@link BackgroundJobQueueOptions}; all optional. */
  constructor(options: BackgroundJobQueueOptions = {}) {
    super();
    this.#options = resolveQueueOptions(options);
    this.#loop = new SqliteJobLoop(this.#options, randomUUID(), () => this.#table, this);
  }

  /** Jobs at once in this process. */
  get concurrency(): number {
    return this.#options.concurrency;
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.#loop.running;
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
    if (this.#loop.hasWorker(name)) throw new ConfigurationError(`A worker for "${name}" is already registered`);
    this.#loop.register(name, worker as JobWorker, resolveWorkerOptions(options));
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
    if (runAt <= now) this.#loop.schedulePump();
    else this.#loop.wakeAt(runAt);
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
    this.#loop.schedulesChanged(next);
    return key;
  }

  /** Removes a recurring schedule; jobs it already added stay. */
  unscheduleRecurringJob(key: string): boolean {
    return this.#tableOrOpen().deleteSchedule(key);
  }

  /** The job, or null when no job has this id. */
  getJobStatus(id: number): JobInfo | null {
    this.#loop.commit();
    return this.#tableOrOpen().get(id);
  }

  /**
   * Counts by status across every process sharing the table (outcomes finished here
   * are written first), this process's active jobs and workers, and eventlite's
   * `byType`, `oldestPending` and `recentCompletion`.
   */
  getQueueStats(): JobQueueStats & EventliteJobStats {
    this.#loop.commit();
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
      active: this.#loop.activeCount,
      concurrency: this.#options.concurrency,
      workers: this.#loop.workerNames,
      recurring: table.countSchedules(),
      ...eventliteJobStats(table.db),
    };
  }

  /** Cancels a pending or running job (a running one here has its signal aborted). */
  cancelJob(id: number): boolean {
    this.#loop.commit();
    const cancelled = this.#tableOrOpen().cancel(id, Date.now());
    if (cancelled) this.#loop.cancelled(id);
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
    this.#tableOrOpen();
    this.#loop.start();
  }

  /**
   * Stops taking jobs. With `drain` (default) waits for running jobs to finish;
   * without, aborts their signals and hands them back as pending at once.
   */
  async stop({ drain = true }: { drain?: boolean } = {}): Promise<void> {
    await this.#loop.stop(drain);
  }

  /** Stops (draining by default) and closes the queue's own database file, if it has one. */
  async close(options?: { drain?: boolean }): Promise<void> {
    if (this.#closed) return;
    await this.stop(options);
    this.#closed = true;
    this.#loop.close();
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
    if (!db || this.#options.dbName !== undefined || !this.#loop.idle) return;
    const open = db.prepare(`SELECT (SELECT count(*) FROM ${JOB_TABLE} WHERE status IN ('pending', 'running')) + (SELECT count(*) FROM ${SCHEDULE_TABLE})`).pluck().get() as number;
    if (open > 0) return;
    if (this.#table) this.#loop.commit();
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
}
