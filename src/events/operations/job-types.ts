/**
 * Public types of the background job queue: what a worker receives, what a job
 * looks like from the outside, and the options of each call.
 */

/** Lifecycle of a job row. `pending` includes delayed jobs and jobs waiting for a retry. */
export type JobState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** Second argument of every worker call. */
export interface JobContext {
  /** Aborted when the attempt times out, the job is cancelled, or the queue stops without draining. */
  signal: AbortSignal;
  /** 1 for the first run; counts runs cut short by a crash too (at-least-once delivery) once their start was written (within one event-loop turn). */
  attempt: number;
  /** The job's id (as `add` returned it). */
  jobId: number;
  /** The job's name (the worker's registration name). */
  name: string;
}

/** A worker: its resolved value is kept as the job's `result` (JSON). */
export type JobWorker<TData = any, TResult = unknown> = (data: TData, context: JobContext) => Promise<TResult> | TResult;

/** Options of `registerWorker(name, worker, options)`: limits for every job of that name (a job's own `maxAttempts` / `timeout` win). */
export interface WorkerOptions {
  /**
   * Milliseconds one attempt may take; then its signal is aborted and the attempt fails
   * with a `TimeoutError`. `0` means no limit.
   * @default 30000
   */
  timeout?: number;
  /**
   * Retries after the first failed attempt. `0` means the first failure is final.
   * @default 3
   */
  retryAttempts?: number;
  /**
   * Base of the exponential backoff: retry n waits between `retryDelay * 2^(n-1) / 2`
   * and `retryDelay * 2^(n-1)` (jittered), capped by `maxRetryDelay`.
   * @default 1000
   */
  retryDelay?: number;
  /** Longest wait in ms before a retry (the backoff's cap). @default max(300000, retryDelay) */
  maxRetryDelay?: number;
}

/** Options of `add(name, data, options)`. Unknown keys throw `ValidationError`. */
export interface AddJobOptions {
  /** Higher runs first. @default 0 */
  priority?: number;
  /** Milliseconds to wait before the job becomes due. @default 0 */
  delay?: number;
  /** Absolute time the job becomes due, a Date or ms since the epoch (wins over `delay`). @default undefined — now + `delay` */
  runAt?: Date | number;
  /**
   * A job with the same key is never inserted twice: `add` returns the existing job's id.
   * Kept for finished jobs too, so a replayed trigger stays a no-op.
   * @default undefined — every call adds a job
   */
  idempotencyKey?: string;
  /**
   * Attempts this job may take in all (1 = no retry), instead of its worker's
   * `retryAttempts + 1`.
   * @default undefined — the worker's `retryAttempts + 1`
   */
  maxAttempts?: number;
  /** Milliseconds one attempt of this job may take (`0`: no limit), instead of its worker's `timeout`. @default undefined — the worker's `timeout` */
  timeout?: number;
}

/** Options of `scheduleRecurringJob(name, data, options)`: exactly one of `every` and `cron`. */
export interface RecurringJobOptions {
  /** Run every this many milliseconds (1 and up; a new schedule first runs one interval from now). @default undefined — `cron` must be given */
  every?: number;
  /** A cron expression (5 or 6 fields, UTC), parsed by cron-parser. @default undefined — `every` must be given */
  cron?: string;
  /**
   * Identity of the schedule: scheduling the same key again updates it instead of adding
   * a second one, so calling this at every start-up is safe.
   * @default the job name
   */
  key?: string;
  /** Priority of each job added (higher runs first). @default 0 */
  priority?: number;
  /** Each job's `maxAttempts`, as in {@link AddJobOptions}. @default undefined — the worker's `retryAttempts + 1` */
  maxAttempts?: number;
  /** Each job's `timeout`, as in {@link AddJobOptions}. @default undefined — the worker's `timeout` */
  timeout?: number;
}

/** A job as returned by `getJobStatus`. */
export interface JobInfo<TData = unknown> {
  /** The job's id. */
  id: number;
  /** The job's name (which worker runs it). */
  name: string;
  /** The job's data, parsed back from its JSON. */
  data: TData;
  /** Where the job is in its lifecycle; `pending` includes delayed jobs and jobs waiting for a retry. */
  status: JobState;
  /** Higher runs first. */
  priority: number;
  /** Attempts started so far (a claim by a process that died before starting the job is not one). */
  attempts: number;
  /** The job's own attempt limit, or null when its worker's `retryAttempts` decides. */
  maxAttempts: number | null;
  /** The job's own attempt timeout in ms, or null when its worker's `timeout` decides. */
  timeout: number | null;
  /** When the latest attempt started, or null before the first. */
  startedAt: Date | null;
  /** When the job is (or was) due. */
  runAt: Date;
  /** The key given to `add` (`event:<id>:<job>` for EventJobProcessor's jobs), or null. */
  idempotencyKey: string | null;
  /** Message of the last failed attempt, kept on `failed` jobs. */
  lastError: string | null;
  /** The worker's resolved value (JSON round trip), on `completed` jobs. */
  result: unknown;
  /** When the job was added. */
  createdAt: Date;
  /** When the job's state last changed (added, claimed, started, retried, finished); heartbeats do not count. */
  updatedAt: Date;
  /** When the job completed, failed for good or was cancelled; null before. */
  finishedAt: Date | null;
}

/** What `getQueueStats()` reports; counts cover every process sharing the job table. */
export interface JobQueueStats {
  /** Jobs waiting to run (due or not). */
  pending: number;
  /** Part of `pending` that is not due yet (delayed or waiting for a retry). */
  delayed: number;
  /** Jobs claimed by some process (leased), started or about to start. */
  running: number;
  /** Jobs whose worker resolved. */
  completed: number;
  /** Jobs out of attempts. */
  failed: number;
  /** Jobs cancelled with `cancelJob`. */
  cancelled: number;
  /** Every job in the table. */
  total: number;
  /** Jobs running in this process right now. */
  active: number;
  /** This queue's `concurrency`. */
  concurrency: number;
  /** Job names with a worker registered in this process. */
  workers: string[];
  /** Stored recurring schedules. */
  recurring: number;
}
