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
  jobId: number;
  name: string;
}

/** A worker: its resolved value is kept as the job's `result` (JSON). */
export type JobWorker<TData = any, TResult = unknown> = (data: TData, context: JobContext) => Promise<TResult> | TResult;

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
  /** @default 300000 */
  maxRetryDelay?: number;
}

export interface AddJobOptions {
  /** Higher runs first. @default 0 */
  priority?: number;
  /** Milliseconds to wait before the job becomes due. @default 0 */
  delay?: number;
  /** Absolute time the job becomes due (wins over `delay`). */
  runAt?: Date | number;
  /**
   * A job with the same key is never inserted twice: `add` returns the existing job's id.
   * Kept for finished jobs too, so a replayed trigger stays a no-op.
   */
  idempotencyKey?: string;
}

export interface RecurringJobOptions {
  /** Run every this many milliseconds. Exactly one of `every` and `cron`. */
  every?: number;
  /** A cron expression (5 or 6 fields, UTC), parsed by cron-parser. */
  cron?: string;
  /**
   * Identity of the schedule: scheduling the same key again updates it instead of adding
   * a second one, so calling this at every start-up is safe.
   * @default the job name
   */
  key?: string;
  /** @default 0 */
  priority?: number;
}

/** A job as returned by `getJobStatus`. */
export interface JobInfo<TData = unknown> {
  id: number;
  name: string;
  data: TData;
  status: JobState;
  priority: number;
  /** Attempts started so far (a claim by a process that died before starting the job is not one). */
  attempts: number;
  /** When the latest attempt started, or null before the first. */
  startedAt: Date | null;
  /** When the job is (or was) due. */
  runAt: Date;
  idempotencyKey: string | null;
  /** Message of the last failed attempt, kept on `failed` jobs. */
  lastError: string | null;
  /** The worker's resolved value (JSON round trip), on `completed` jobs. */
  result: unknown;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface JobQueueStats {
  pending: number;
  /** Part of `pending` that is not due yet (delayed or waiting for a retry). */
  delayed: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
  /** Jobs running in this process right now. */
  active: number;
  concurrency: number;
  workers: string[];
  recurring: number;
}
