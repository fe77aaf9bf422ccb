/**
 * eventlite's names on the durable job queue: `addJob`, `scheduleJob`,
 * `scheduleRecurringJob(type, data, intervalMs)` and the extra fields of its
 * `getQueueStats()`. Everything here translates to BackgroundJobQueue's own
 * mechanism (one table, leases, retries); nothing runs jobs by itself.
 */
import type Database from 'better-sqlite3';
import { assertKnownOptions, invalidOption } from '../../core/options.js';
import { JOB_TABLE } from './job-table.js';
import type { AddJobOptions, RecurringJobOptions } from './job-types.js';

/** Options `addJob` / `scheduleJob` accept: eventlite's, and ours. */
export const EVENTLITE_ADD_JOB_OPTIONS = ['delay', 'priority', 'maxAttempts', 'timeout', 'runAt', 'idempotencyKey'] as const;

/**
 * eventlite's per-job options (plus ours). `maxAttempts` (attempts in all) and
 * `timeout` (ms) override the worker's limits for this job; as in eventlite, `0`
 * means "not set" (the worker's limit), where `add` reads `timeout: 0` as no limit.
 */
export type EventliteAddJobOptions = AddJobOptions;

/** eventlite's additions to `getQueueStats()`. */
export interface EventliteJobStats {
  /** Pending and running jobs by name. */
  byType: Record<string, number>;
  /** Creation time (ms) of the oldest pending job, or null. */
  oldestPending: number | null;
  /** Over the last 100 finished jobs. `averageDuration`: ms from the last attempt's start to its end. */
  recentCompletion: { completed: number; failed: number; averageDuration: number };
}

/** Our `add` options from eventlite's `addJob` options (unknown keys refused, naming the known ones). */
export function eventliteAddOptions(options: EventliteAddJobOptions | undefined): AddJobOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw invalidOption('options', 'an object', options);
  assertKnownOptions('addJob', options, EVENTLITE_ADD_JOB_OPTIONS);
  for (const key of ['maxAttempts', 'timeout'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) throw invalidOption(key, 'an integer from 0 and up', value);
  }
  const out: AddJobOptions = {};
  if (options.maxAttempts) out.maxAttempts = options.maxAttempts;
  if (options.timeout) out.timeout = options.timeout;
  if (options.priority !== undefined) out.priority = options.priority;
  if (options.delay !== undefined) out.delay = Math.max(0, options.delay);
  if (options.runAt !== undefined) out.runAt = options.runAt;
  if (options.idempotencyKey !== undefined) out.idempotencyKey = options.idempotencyKey;
  return out;
}

/** The stored schedule of eventlite's `scheduleRecurringJob(type, data, intervalMs, options)`: each job gets the options' limits. */
export function eventliteRecurringOptions(intervalMs: number, { priority, maxAttempts, timeout }: AddJobOptions): RecurringJobOptions {
  return { every: intervalMs, priority, maxAttempts, timeout };
}

/** `byType`, `oldestPending` and `recentCompletion` read from the job table. */
export function eventliteJobStats(db: Database.Database): EventliteJobStats {
  const byType = Object.fromEntries(
    (db.prepare(`SELECT name, count(*) FROM ${JOB_TABLE} WHERE status IN ('pending', 'running') GROUP BY name ORDER BY name`).raw().all() as Array<[string, number]>),
  );
  const oldestPending = db.prepare(`SELECT min(created_at) FROM ${JOB_TABLE} WHERE status = 'pending'`).pluck().get() as number | null;
  const recent = db
    .prepare(
      `SELECT sum(status = 'completed'), sum(status = 'failed'), avg(finished_at - started_at) FROM (SELECT status, finished_at, started_at FROM ${JOB_TABLE} WHERE status IN ('completed', 'failed') AND finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 100)`,
    )
    .raw()
    .get() as [number | null, number | null, number | null];
  return {
    byType,
    oldestPending: oldestPending ?? null,
    recentCompletion: { completed: recent[0] ?? 0, failed: recent[1] ?? 0, averageDuration: Math.max(0, recent[2] ?? 0) },
  };
}
