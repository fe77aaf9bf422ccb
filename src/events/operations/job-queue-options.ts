/**
 * Options of BackgroundJobQueue and its calls, validated up front with one
 * message template. The option names of each call are listed here, in one
 * place: an option that is not listed is rejected (a misspelt one must not
 * silently fall back to its default).
 */
import type Database from 'better-sqlite3';
import { checkOptions, invalidOption } from '../../core/options.js';
import type { AddJobOptions, RecurringJobOptions, WorkerOptions } from './job-types.js';
import { assertCron } from './job-timing.js';

/** What the job queue needs from an event queue: the connection every write goes through. */
export interface EventQueueConnection {
  /** The event queue's connection: the job tables are created on it, so a job added inside a write transaction commits with it. */
  readonly db: Database.Database;
  /** Path of the event queue's file (not read by the job queue). */
  readonly dbName?: string;
}

/**
 * Options of `new BackgroundJobQueue(options)` (and, without `dbName`/`queue`, of
 * `openJobQueue`). Unknown keys throw `ValidationError` naming the closest known one.
 */
export interface BackgroundJobQueueOptions {
  /**
   * SQLite file of a job queue used on its own. Cannot be combined with `queue`.
   * @default 'data/jobs.sqlite' (unless an EventJobProcessor links the queue first)
   */
  dbName?: string;
  /**
   * Keep the jobs in this event queue's database, on its connection (outbox-ready:
   * a job added inside the queue's write transaction commits or rolls back with it).
   * Cannot be combined with `dbName`.
   * @default undefined — jobs in `dbName`, or in the event queue an EventJobProcessor links
   */
  queue?: EventQueueConnection;
  /** Jobs running at once in this process. @default 4 */
  concurrency?: number;
  /**
   * Jobs claimed ahead of free slots (leased to this process, started as slots
   * free up). Claiming in larger groups means fewer transactions per job; 0 claims
   * only what can start now. A number set here is fixed.
   * @default adaptive — about 100 ms of expected work waiting per slot, from a
   * moving average of this queue's recent run times: `concurrency * 100 / averageMs`,
   * at most 500 (or `concurrency * 2` if more); `concurrency * 2` until a job finishes.
   * Short jobs claim in large groups; jobs over 100 ms claim fewer than `concurrency`
   * ahead (down to none), so other processes are not starved.
   */
  prefetch?: number;
  /** Milliseconds between looks for work added by other processes. @default 1000 */
  pollInterval?: number;
  /**
   * Milliseconds a claimed job stays leased without a heartbeat. A process killed
   * mid-job leaves its jobs to run again this long after its last heartbeat.
   * Heartbeats run every third of it.
   * @default 5000
   */
  leaseDuration?: number;
  /**
   * `synchronous` pragma of the queue's own file (not applied to an event queue's
   * connection, whose pragmas belong to it): `full` survives power loss.
   * @default 'full'
   */
  durability?: 'full' | 'normal';
}

export interface ResolvedQueueOptions {
  dbName: string | undefined;
  queue: EventQueueConnection | undefined;
  concurrency: number;
  /** Null: not set, adapts to run times (see PrefetchSizer). */
  prefetch: number | null;
  pollInterval: number;
  leaseDuration: number;
  durability: 'full' | 'normal';
}

export interface ResolvedWorkerOptions {
  timeout: number;
  retryAttempts: number;
  retryDelay: number;
  maxRetryDelay: number;
}

/** Options of `new BackgroundJobQueue(options)`. */
export const QUEUE_OPTION_NAMES = ['dbName', 'queue', 'concurrency', 'prefetch', 'pollInterval', 'leaseDuration', 'durability'] as const;
/** Options of `registerWorker(name, worker, options)`. */
export const WORKER_OPTION_NAMES = ['timeout', 'retryAttempts', 'retryDelay', 'maxRetryDelay'] as const;
/** Options of `add(name, data, options)`. */
export const ADD_OPTION_NAMES = ['priority', 'delay', 'runAt', 'idempotencyKey', 'maxAttempts', 'timeout'] as const;
/** Options of `EventJobProcessor.onEvent(cmd, jobName, map, options)`: passed to `add`. */
export const ON_EVENT_OPTION_NAMES = ['priority', 'delay', 'maxAttempts', 'timeout'] as const;
/** Options of `scheduleRecurringJob(name, data, options)`. */
export const RECURRING_OPTION_NAMES = ['every', 'cron', 'key', 'priority', 'maxAttempts', 'timeout'] as const;

function isInt(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

function intOption(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!isInt(value, min)) throw invalidOption(name, `an integer from ${min} and up`, value);
  return value;
}

export function resolveQueueOptions(options: BackgroundJobQueueOptions): ResolvedQueueOptions {
  checkOptions('BackgroundJobQueue', options, QUEUE_OPTION_NAMES);
  const { dbName, queue } = options;
  if (dbName !== undefined && (typeof dbName !== 'string' || dbName === '')) {
    throw invalidOption('dbName', 'a non-empty file path', dbName);
  }
  if (queue !== undefined && (queue === null || typeof queue !== 'object' || !queue.db)) {
    throw invalidOption('queue', 'an event queue (from initQueue) with a `db` connection', queue);
  }
  if (dbName !== undefined && queue !== undefined) {
    throw invalidOption('dbName', 'omitted when `queue` is given (jobs then live in the event queue database)', dbName);
  }
  const durability = options.durability ?? 'full';
  if (durability !== 'full' && durability !== 'normal') throw invalidOption('durability', '"full" or "normal"', durability);
  const concurrency = intOption('concurrency', options.concurrency, 4, 1);
  return {
    dbName,
    queue,
    concurrency,
    prefetch: options.prefetch === undefined ? null : intOption('prefetch', options.prefetch, 0, 0),
    pollInterval: intOption('pollInterval', options.pollInterval, 1000, 1),
    leaseDuration: intOption('leaseDuration', options.leaseDuration, 5000, 30),
    durability,
  };
}

export function resolveWorkerOptions(options: WorkerOptions = {}): ResolvedWorkerOptions {
  checkOptions('registerWorker', options, WORKER_OPTION_NAMES);
  const retryDelay = intOption('retryDelay', options.retryDelay, 1000, 0);
  return {
    timeout: intOption('timeout', options.timeout, 30_000, 0),
    retryAttempts: intOption('retryAttempts', options.retryAttempts, 3, 0),
    retryDelay,
    maxRetryDelay: intOption('maxRetryDelay', options.maxRetryDelay, Math.max(300_000, retryDelay), 0),
  };
}

export function assertJobName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') throw invalidOption('name', 'a non-empty job name', name);
}

export interface ResolvedAddOptions {
  priority: number;
  runAt: number;
  idempotencyKey: string | null;
  /** Null: the worker's limits apply. */
  maxAttempts: number | null;
  timeout: number | null;
}

/** A job's own limits (null: its worker's), as `add` and schedules accept them. */
function jobLimits(options: { maxAttempts?: number; timeout?: number }): { maxAttempts: number | null; timeout: number | null } {
  return {
    maxAttempts: options.maxAttempts === undefined ? null : intOption('maxAttempts', options.maxAttempts, 1, 1),
    timeout: options.timeout === undefined ? null : intOption('timeout', options.timeout, 0, 0),
  };
}

/** The job row's fields from `add`'s options. */
export function resolveAddOptions(options: AddJobOptions, now: number): ResolvedAddOptions {
  checkOptions('add', options, ADD_OPTION_NAMES);
  const priority = options.priority ?? 0;
  if (!Number.isInteger(priority)) throw invalidOption('priority', 'an integer', priority);
  const idempotencyKey = options.idempotencyKey ?? null;
  if (idempotencyKey !== null && (typeof idempotencyKey !== 'string' || idempotencyKey === '')) {
    throw invalidOption('idempotencyKey', 'a non-empty string', idempotencyKey);
  }
  const { maxAttempts, timeout } = jobLimits(options);
  const at = options.runAt instanceof Date ? options.runAt.getTime() : options.runAt;
  if (at !== undefined && (typeof at !== 'number' || !Number.isFinite(at))) {
    throw invalidOption('runAt', 'a Date or a time in milliseconds', options.runAt);
  }
  const runAt = at ?? now + intOption('delay', options.delay, 0, 0); // runAt wins over delay
  return { priority, runAt, idempotencyKey, maxAttempts, timeout };
}

export function resolveRecurringOptions(name: string, options: RecurringJobOptions): {
  key: string;
  every: number | null;
  cron: string | null;
  priority: number;
  maxAttempts: number | null;
  timeout: number | null;
} {
  checkOptions('scheduleRecurringJob', options, RECURRING_OPTION_NAMES);
  const { every, cron } = options;
  if ((every === undefined) === (cron === undefined)) {
    throw invalidOption('every', 'given, or `cron` given, but not both', every);
  }
  if (every !== undefined && !isInt(every, 1)) throw invalidOption('every', 'an integer number of milliseconds from 1 and up', every);
  if (cron !== undefined) {
    if (typeof cron !== 'string') throw invalidOption('cron', 'a cron expression string', cron);
    assertCron(cron);
  }
  const key = options.key ?? name;
  if (typeof key !== 'string' || key === '') throw invalidOption('key', 'a non-empty string', key);
  const priority = options.priority ?? 0;
  if (!Number.isInteger(priority)) throw invalidOption('priority', 'an integer', priority);
  return { key, every: every ?? null, cron: cron ?? null, priority, ...jobLimits(options) };
}

/** JSON text of job data; refuses what JSON cannot carry instead of storing something else. */
export function encodeJobData(data: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(data ?? null);
  } catch (err) {
    throw invalidOption('data', `JSON-serialisable data (${(err as Error).message})`, data);
  }
  if (text === undefined) throw invalidOption('data', 'JSON-serialisable data', data);
  return text;
}
