/**
 * Housekeeping of the PostgreSQL job table that any process sharing it may do,
 * with the SQLite queue's rules (job-maintenance.ts): re-queue jobs whose lease
 * expired, and turn due schedule occurrences into jobs, once across machines.
 */
import { leaseRecovery } from '../../operations/job-maintenance.js';
import type { ResolvedWorkerOptions } from '../../operations/job-queue-options.js';
import { nextRunAfter } from '../../operations/job-timing.js';
import type { PgJobTable } from './pg-job-table.js';

/** One maintenance pass; returns the earliest next run of the schedules `names` cover, or null. */
export async function maintainPgJobs(
  table: PgJobTable,
  names: string[],
  workerOf: (name: string) => ResolvedWorkerOptions | undefined,
  now: number,
): Promise<number | null> {
  for (const job of await table.expiredLeases(names, now)) {
    const recovery = leaseRecovery(job, workerOf(job.name));
    if (recovery.kind === 'unstarted') await table.recoverUnstarted(job.id, now);
    else await table.recoverExpired(job.id, recovery.retry, recovery.error, now);
  }
  for (const schedule of await table.dueSchedules(names, now)) {
    await table.fireSchedule(schedule, nextRunAfter(schedule, schedule.next_run_at, now), now);
  }
  return table.nextScheduleRun(names);
}
