/**
 * A read-only look at the job table behind a connection string (SQLite file or
 * PostgreSQL), for `s3lite events <target> jobs`: the counts `getQueueStats()`
 * gives, per status and per job name, with the oldest pending job and the next
 * one due. It creates nothing: a database without a job table is a NotFoundError.
 */
import { existsSync } from 'node:fs';
import { NotFoundError } from '../../core/errors.js';
import { acquireConnection, releaseConnection } from '../connection.js';
import { JOB_TABLE, SCHEDULE_TABLE } from '../operations/job-table.js';
import type { JobQueueStats } from '../operations/job-types.js';
import { parseConnectionString } from './open-queue.js';
import { createPool } from './postgres/pg-pool.js';

/** `getQueueStats()`'s counts, with the oldest pending job and the next one due. */
export interface JobCounts extends Pick<JobQueueStats, 'pending' | 'delayed' | 'running' | 'completed' | 'failed' | 'cancelled' | 'total'> {
  /** When the oldest pending job was added (ms since the epoch), or null. */
  oldestPendingAt: number | null;
  /** When the next pending job is due (ms; in the past when overdue), or null. */
  nextDueAt: number | null;
}

export interface JobOverview extends JobCounts {
  /** Where the jobs are (no password). */
  target: string;
  /** The clock reading the counts used. */
  now: number;
  /** Recurring schedules. */
  recurring: number;
  /** One entry per job name, by name. */
  byName: Array<JobCounts & { name: string }>;
}

const BY_NAME = `SELECT name, status, count(*) AS n,
  sum(CASE WHEN status = 'pending' AND run_at > $1 THEN 1 ELSE 0 END) AS delayed,
  min(CASE WHEN status = 'pending' THEN created_at END) AS oldest,
  min(CASE WHEN status = 'pending' THEN run_at END) AS next_due
FROM ${JOB_TABLE} GROUP BY name, status ORDER BY name, status`;
const SCHEDULES = `SELECT count(*) AS n FROM ${SCHEDULE_TABLE}`;

interface GroupRow {
  name: string;
  status: string;
  n: number | string;
  delayed: number | string | null;
  oldest: number | string | null;
  next_due: number | string | null;
}

const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

function emptyCounts(): JobCounts {
  return { pending: 0, delayed: 0, running: 0, completed: 0, failed: 0, cancelled: 0, total: 0, oldestPendingAt: null, nextDueAt: null };
}

const earliest = (a: number | null, b: number | string | null): number | null => (b === null ? a : a === null ? Number(b) : Math.min(a, Number(b)));

function add(into: JobCounts, row: GroupRow): void {
  const n = Number(row.n);
  if ((STATUSES as readonly string[]).includes(row.status)) into[row.status as (typeof STATUSES)[number]] += n;
  into.total += n;
  into.delayed += Number(row.delayed ?? 0);
  into.oldestPendingAt = earliest(into.oldestPendingAt, row.oldest);
  into.nextDueAt = earliest(into.nextDueAt, row.next_due);
}

function summarise(target: string, now: number, rows: GroupRow[], recurring: number): JobOverview {
  const overview: JobOverview = { target, now, recurring, byName: [], ...emptyCounts() };
  const byName = new Map<string, JobCounts & { name: string }>();
  for (const row of rows) {
    let entry = byName.get(row.name);
    if (!entry) byName.set(row.name, (entry = { name: row.name, ...emptyCounts() }));
    add(entry, row);
    add(overview, row);
  }
  overview.byName = [...byName.values()];
  return overview;
}

function noJobs(label: string): NotFoundError {
  return new NotFoundError(`${label} has no job table (${JOB_TABLE}): no job queue has used this database. Open one with openJobQueue({ connectionString }).`);
}

/** Reads the job counts of the database `connectionString` names, without writing to it. */
export async function readJobOverview(connectionString: string, now = Date.now()): Promise<JobOverview> {
  const parsed = parseConnectionString(connectionString);
  if (parsed.backend === 'sqlite') {
    if (!existsSync(parsed.target)) throw new NotFoundError(`No database file at ${parsed.target}: check the path.`);
    const db = acquireConnection(parsed.target, { readonly: true, fileMustExist: true });
    try {
      if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(JOB_TABLE)) throw noJobs(parsed.label);
      const rows = db.prepare(BY_NAME.replace('$1', '?')).all(now) as GroupRow[];
      return summarise(parsed.label, now, rows, Number((db.prepare(SCHEDULES).get() as { n: number }).n));
    } finally {
      releaseConnection(db);
    }
  }
  const pool = createPool({ connectionString: parsed.target, max: 1 });
  try {
    const { rows: present } = await pool.query<{ ok: boolean }>(`SELECT to_regclass('${JOB_TABLE}') IS NOT NULL AS ok`);
    if (!present[0]?.ok) throw noJobs(parsed.label);
    const { rows } = await pool.query<GroupRow>(BY_NAME, [now]);
    const { rows: schedules } = await pool.query<{ n: number }>(SCHEDULES);
    return summarise(parsed.label, now, rows, Number(schedules[0]!.n));
  } finally {
    await pool.end();
  }
}
