/**
 * Housekeeping of the job table that any process sharing it may do: re-queue
 * jobs whose lease expired, and turn due schedule occurrences into jobs.
 */
import type { JobTable } from './job-table.js';
import { nextOccurrence } from './job-timing.js';

/**
 * Jobs whose lease expired (their process died or stalled) go back to pending.
 * A started one counts that run as a failed attempt and, past
 * `retryAttemptsOf(name)`, fails; one that was only claimed is not charged.
 */
export function recoverExpiredLeases(table: JobTable, names: string, retryAttemptsOf: (name: string) => number | undefined, now: number): void {
  for (const job of table.expiredLeases(names, now)) {
    if (!job.started) {
      table.recoverUnstarted(job.id, now);
      continue;
    }
    const retryAttempts = retryAttemptsOf(job.name);
    const retry = retryAttempts !== undefined && job.attempts <= retryAttempts;
    const error = `Lease expired during attempt ${job.attempts}: the process running it stopped or stalled`;
    table.recoverExpired(job.id, retry, error, now);
  }
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
    const next =
      schedule.every !== null
        ? previous + schedule.every * (Math.floor((now - previous) / schedule.every) + 1)
        : nextOccurrence(schedule, now);
    if (table.advanceSchedule(schedule.key, previous, next)) {
      const idempotencyKey = `schedule:${schedule.key}:${previous}`;
      table.insert({ name: schedule.name, data: schedule.data, priority: schedule.priority, runAt: previous, idempotencyKey }, now);
    }
  }
  return table.nextScheduleRun(names);
}
