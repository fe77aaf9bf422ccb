/**
 * `s3lite events <file|postgres-url> jobs`: the job queue kept in that
 * database, per status and per job name, with the oldest pending job's age and
 * when the next one is due.
 */
import type { Command } from 'commander';
import { readJobOverview, type JobCounts } from '../../events/backends/job-overview.js';
import { renderTable, type Cell } from '../text-table.js';

/** `3m 20s`, `1h 5m`, `2d 4h`: how long ago (or, negative, how far ahead). */
function duration(ms: number): string {
  const sign = ms < 0 ? 'in ' : '';
  let s = Math.floor(Math.abs(ms) / 1000);
  const parts: Array<[number, string]> = [[86_400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']];
  const out: string[] = [];
  for (const [size, unit] of parts) {
    if (s >= size || (unit === 's' && out.length === 0)) out.push(`${Math.floor(s / size)}${unit}`);
    s %= size;
  }
  return `${sign}${out.slice(0, 2).join(' ')}${sign ? '' : ' ago'}`;
}

function row(label: string, c: JobCounts, now: number): Cell[] {
  return [
    label,
    c.pending,
    c.delayed,
    c.running,
    c.completed,
    c.failed,
    c.cancelled,
    c.oldestPendingAt === null ? null : duration(now - c.oldestPendingAt),
    c.nextDueAt === null ? null : c.nextDueAt <= now ? 'now' : new Date(c.nextDueAt).toISOString(),
  ];
}

export function registerJobsAction(events: Command): void {
  events
    .command('jobs')
    .argument('<file-or-url>', 'the SQLite file or a postgres:// URL holding the job queue')
    .description('background jobs (openJobQueue): counts per status and per job name, oldest pending, next due')
    .option('--json', 'print JSON')
    .action(async (target: string, flags: { json?: boolean }) => {
      const overview = await readJobOverview(target);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(overview, null, 2)}\n`);
        return;
      }
      const { now } = overview;
      const table = renderTable({
        title: `Jobs in ${overview.target}`,
        columns: ['job', 'pending', 'delayed', 'running', 'completed', 'failed', 'cancelled', 'oldest pending', 'next due'],
        rows: [...overview.byName.map((c) => row(c.name, c, now)), row('(all)', overview, now)],
        notes: [
          `${overview.recurring} recurring schedule${overview.recurring === 1 ? '' : 's'}; delayed jobs are pending ones not due yet`,
          ...(overview.total === 0 ? ['the job table is empty'] : []),
        ],
      });
      process.stdout.write(`${table}\n`);
    });
}
