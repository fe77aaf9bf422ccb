/**
 * One attempt of one job: the worker call, its timeout, and its abort signal.
 */
import { TimeoutError } from '../../core/errors.js';
import type { ClaimedJob } from './job-table.js';
import type { JobWorker } from './job-types.js';

export type AttemptResult = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Message kept as a job's `lastError`. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

/** JSON of a worker's result; a result JSON cannot carry is not kept (the job still completed). */
export function encodeResult(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

/**
 * Calls `worker` for `job` and settles with the first of: its result, its error,
 * or an abort of `controller` (a timeout after `timeout` ms aborts it with a
 * TimeoutError; cancel and stop abort it too). A worker that ignores its signal
 * no longer holds the attempt once the signal fires.
 */
export function runAttempt(worker: JobWorker, job: ClaimedJob, timeout: number, controller: AbortController): Promise<AttemptResult> {
  let timer: NodeJS.Timeout | undefined;
  const settled = new Promise<AttemptResult>((resolve) => {
    controller.signal.addEventListener('abort', () => resolve({ ok: false, error: controller.signal.reason }), { once: true });
    if (timeout > 0) {
      timer = setTimeout(() => {
        controller.abort(new TimeoutError(`Job ${job.id} (${job.name}) timed out after ${timeout} ms`, timeout));
      }, timeout);
    }
    const context = { signal: controller.signal, attempt: job.attempts, jobId: job.id, name: job.name };
    Promise.resolve()
      .then(() => worker(JSON.parse(job.data) as unknown, context))
      .then(
        (value) => resolve({ ok: true, value }),
        (error: unknown) => resolve({ ok: false, error }),
      );
  });
  return settled.finally(() => clearTimeout(timer));
}
