/**
 * Housekeeping of the job table that any process sharing it may do: re-queue
 * jobs whose lease expired, and turn due schedule occurrences into jobs.
 */
import type { ResolvedWorkerOptions } from './job-queue-options.js';
import { mayRetry } from './job-limits.js';
import type { ExpiredLease, JobTable } from './job-table.js';
import { nextRunAfter } from './job-timing.js';

/**
 * Jobs whose lease expired (their process died or stalled) go back to pending.
 * A started one counts that run as a failed attempt and, past its limit (its
 * own `maxAttempts`, else `workerOf(name)`'s), fails; one that was only claimed
 * is not charged.
 */
export function recoverExpiredLeases(
  table: JobTable,
  names: string,
  workerOf: (name: string) => ResolvedWorkerOptions | undefined,
  now: number,
): void {
  for (const job of table.expiredLeases(names, now)) {
    const recovery = leaseRecovery(job, workerOf(job.name));
    if (recovery.kind === 'unstarted') table.recoverUnstarted(job.id, now);
    else table.recoverExpired(job.id, recovery.retry, recovery.error, now);
  }
}

/** What becomes of a job whose lease expired (both backends): see {@link recoverExpiredLeases}. */
export function leaseRecovery(
  job: ExpiredLease,
  worker: ResolvedWorkerOptions | undefined,
): { kind: 'unstarted' } | { kind: 'expired'; retry: boolean; error: string } {
  if (!job.started) return { kind: 'unstarted' };
  return {
    kind: 'expired',
    retry: worker !== undefined && mayRetry(job, worker),
    error: `Lease expired during attempt ${job.attempts}: the process running it stopped or stalled`,
  };
}

/**
 * Adds one job per due schedule and moves the schedule to its next occurrence
 * after `now` (missed occurrences are skipped, not piled up). The move is a
 * compare-and-set and the job key names the occurrence, so two processes never
 * both add it. Returns the earliest next run, or null.
 */
export function fireDueSchedules(table: JobTable, names: string, now: number): number | null {
  for (const schedule of table.dueSchedules(names, now)) {
    const previous = schedule.next_run_at;
    const next = nextRunAfter(schedule, previous, now);
    if (table.advanceSchedule(schedule.key, previous, next)) {
      const idempotencyKey = `schedule:${schedule.key}:${previous}`;
      const { name, data, priority, max_attempts: maxAttempts, timeout_ms: timeout } = schedule;
      table.insert({ name, data, priority, runAt: previous, idempotencyKey, maxAttempts, timeout }, now);
    }
  }
  return table.nextScheduleRun(names);
}
