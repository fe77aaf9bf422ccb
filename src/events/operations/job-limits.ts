/**
 * Per-job limits over worker defaults: a job added with its own `maxAttempts` or
 * `timeout` keeps them in its row, and they win over its worker's
 * `retryAttempts` and `timeout` (eventlite-sourcing sets both per job).
 */
import type { ResolvedWorkerOptions } from './job-queue-options.js';

/** Attempts a job may take in all: its own limit, else its worker's retries plus the first run. */
export function allowedAttempts(job: { max_attempts: number | null }, retryAttempts: number): number {
  return job.max_attempts ?? retryAttempts + 1;
}

/** Whether a job that failed its `attempts`-th attempt runs again. */
export function mayRetry(job: { attempts: number; max_attempts: number | null }, worker: ResolvedWorkerOptions): boolean {
  return job.attempts < allowedAttempts(job, worker.retryAttempts);
}

/** Milliseconds one attempt may take (0: no limit): the job's own timeout, else its worker's. */
export function attemptTimeout(job: { timeout_ms: number | null }, worker: ResolvedWorkerOptions): number {
  return job.timeout_ms ?? worker.timeout;
}
