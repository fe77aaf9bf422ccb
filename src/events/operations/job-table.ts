/**
 * SQL access to the job tables on a connection it is given: the job queue's own
 * file, or the event queue's connection so an event and its job commit in one
 * transaction. Knows nothing about workers or timers.
 */
import type Database from 'better-sqlite3';
import type { JobInfo, JobState } from './job-types.js';

export const JOB_TABLE = 's3lite_jobs';
export const SCHEDULE_TABLE = 's3lite_job_schedules';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${JOB_TABLE} (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  data TEXT NOT NULL,
  status TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  run_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER,
  lost_leases INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER,
  timeout_ms INTEGER,
  idempotency_key TEXT UNIQUE,
  lease_owner TEXT,
  lease_until INTEGER,
  last_error TEXT,
  result TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS ${JOB_TABLE}_due ON ${JOB_TABLE} (status, priority DESC, run_at, id);
CREATE TABLE IF NOT EXISTS ${SCHEDULE_TABLE} (
  key TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  data TEXT NOT NULL,
  every INTEGER,
  cron TEXT,
  priority INTEGER NOT NULL DEFAULT 0,
  next_run_at INTEGER NOT NULL,
  max_attempts INTEGER,
  timeout_ms INTEGER
);`;

/** A job claimed by this process. */
export interface ClaimedJob {
  id: number;
  name: string;
  data: string;
  /** Attempts started before this claim. */
  attempts: number;
  priority: number;
  run_at: number;
  /** Leases of this job that expired with no start recorded: from 1 on, its start is written before it runs. */
  lost_leases: number;
  /** The job's own attempt limit (null: its worker's). */
  max_attempts: number | null;
  /** The job's own attempt timeout (null: its worker's). */
  timeout_ms: number | null;
}

export interface ScheduleRow {
  key: string;
  name: string;
  data: string;
  every: number | null;
  cron: string | null;
  priority: number;
  next_run_at: number;
  /** Limits given to each job it adds (null: the worker's). */
  max_attempts: number | null;
  timeout_ms: number | null;
}

/** A job row as both backends store it (times in ms). */
export interface JobRow {
  id: number;
  name: string;
  data: string;
  status: JobState;
  priority: number;
  run_at: number;
  attempts: number;
  started_at: number | null;
  lost_leases: number;
  max_attempts: number | null;
  timeout_ms: number | null;
  idempotency_key: string | null;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface ExpiredLease {
  id: number;
  name: string;
  attempts: number;
  max_attempts: number | null;
  /** False when no start was recorded under the lease. */
  started: boolean;
}

/** The public view of a stored job row (both backends). */
export function toJobInfo(row: JobRow): JobInfo {
  return {
    id: row.id,
    name: row.name,
    data: JSON.parse(row.data) as unknown,
    status: row.status,
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    timeout: row.timeout_ms,
    startedAt: row.started_at === null ? null : new Date(row.started_at),
    runAt: new Date(row.run_at),
    idempotencyKey: row.idempotency_key,
    lastError: row.last_error,
    result: row.result === null ? undefined : (JSON.parse(row.result) as unknown),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  };
}

/** Columns added after the first version, with their definitions. */
const ADDED_COLUMNS: ReadonlyArray<[table: string, name: string, definition: string]> = [
  [JOB_TABLE, 'started_at', 'INTEGER'],
  [JOB_TABLE, 'lost_leases', 'INTEGER NOT NULL DEFAULT 0'],
  [JOB_TABLE, 'max_attempts', 'INTEGER'],
  [JOB_TABLE, 'timeout_ms', 'INTEGER'],
  [SCHEDULE_TABLE, 'max_attempts', 'INTEGER'],
  [SCHEDULE_TABLE, 'timeout_ms', 'INTEGER'],
];

/**
 * Creates the tables, or adds the columns of later versions. The schema is read
 * first, so opening an initialised file takes no write lock.
 */
function ensureJobSchema(db: Database.Database): void {
  // "table.column" of both tables; none of a table that does not exist yet.
  const columns = () =>
    new Set(
      [JOB_TABLE, SCHEDULE_TABLE].flatMap((table) =>
        (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => `${table}.${c.name}`),
      ),
    );
  const present = columns();
  if (present.has(`${SCHEDULE_TABLE}.key`) && ADDED_COLUMNS.every(([table, name]) => present.has(`${table}.${name}`))) return;
  const apply = () => {
    const existing = columns(); // again under the write lock: another process may have migrated meanwhile
    db.exec(SCHEMA);
    for (const [table, name, definition] of ADDED_COLUMNS) {
      // A table created by SCHEMA just now has the column already.
      const tableExisted = [...existing].some((column) => column.startsWith(`${table}.`));
      if (tableExisted && !existing.has(`${table}.${name}`)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
    }
  };
  if (db.inTransaction) apply();
  else db.transaction(apply).immediate();
}

export interface NewJob {
  name: string;
  data: string;
  priority: number;
  runAt: number;
  idempotencyKey: string | null;
  /** Per-job limits; null or omitted: the worker's. */
  maxAttempts?: number | null;
  timeout?: number | null;
}

/** Outcome of one attempt, written in the next grouped transaction. */
export type JobOutcome =
  | { kind: 'completed'; id: number; result: string | null }
  | { kind: 'retry'; id: number; runAt: number; error: string }
  | { kind: 'failed'; id: number; error: string }
  | { kind: 'released'; id: number };

export class JobTable {
  readonly db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #idByKey: Database.Statement;
  readonly #claim: Database.Statement;
  readonly #start: Database.Statement;
  readonly #complete: Database.Statement;
  readonly #retry: Database.Statement;
  readonly #fail: Database.Statement;
  readonly #release: Database.Statement;
  readonly #heartbeat: Database.Statement;
  readonly #expired: Database.Statement;
  readonly #recoverRetry: Database.Statement;
  readonly #recoverFail: Database.Statement;
  readonly #recoverUnstarted: Database.Statement;
  readonly #cancel: Database.Statement;
  readonly #get: Database.Statement;
  readonly #countByStatus: Database.Statement;
  readonly #countDelayed: Database.Statement;
  readonly #nextSchedule: Database.Statement;
  readonly #upsertSchedule: Database.Statement;
  readonly #dueSchedules: Database.Statement;
  readonly #advanceSchedule: Database.Statement;
  readonly #deleteSchedule: Database.Statement;
  readonly #countSchedules: Database.Statement;

  constructor(db: Database.Database) {
    this.db = db;
    ensureJobSchema(db);
    const t = JOB_TABLE;
    const names = `name IN (SELECT value FROM json_each(@names))`;
    this.#insert = db.prepare(
      `INSERT INTO ${t} (name, data, status, priority, run_at, idempotency_key, max_attempts, timeout_ms, created_at, updated_at)
       VALUES (@name, @data, 'pending', @priority, @runAt, @idempotencyKey, @maxAttempts, @timeout, @now, @now)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    );
    this.#idByKey = db.prepare(`SELECT id FROM ${t} WHERE idempotency_key = ?`).pluck();
    // A claim is a lease, not an attempt: the attempt is counted when the job starts (start()).
    this.#claim = db.prepare(
      `UPDATE ${t} SET status = 'running', started_at = NULL, lease_owner = @owner,
         lease_until = @leaseUntil, updated_at = @now
       WHERE id IN (SELECT id FROM ${t} WHERE status = 'pending' AND run_at <= @now AND ${names}
                    ORDER BY priority DESC, run_at, id LIMIT @limit)
       RETURNING id, name, data, attempts, priority, run_at, lost_leases, max_attempts, timeout_ms`,
    );
    this.#start = db.prepare(
      `UPDATE ${t} SET attempts = attempts + 1, started_at = @now, updated_at = @now
       WHERE id IN (SELECT value FROM json_each(@ids)) AND status = 'running' AND lease_owner = @owner AND started_at IS NULL
       RETURNING id, attempts`,
    );
    const mine = `WHERE id = @id AND status = 'running' AND lease_owner = @owner`;
    // @started = 1: the attempt's start is not written yet and is recorded with its outcome (one statement, not two).
    const started = `attempts = attempts + @started, started_at = CASE WHEN @started = 1 THEN @now ELSE started_at END`;
    this.#complete = db.prepare(
      `UPDATE ${t} SET status = 'completed', result = @result, last_error = NULL, lease_owner = NULL,
         lease_until = NULL, finished_at = @now, updated_at = @now, ${started} ${mine}`,
    );
    this.#retry = db.prepare(
      `UPDATE ${t} SET status = 'pending', run_at = @runAt, last_error = @error, lease_owner = NULL,
         lease_until = NULL, updated_at = @now, ${started} ${mine}`,
    );
    this.#fail = db.prepare(
      `UPDATE ${t} SET status = 'failed', last_error = @error, lease_owner = NULL, lease_until = NULL,
         finished_at = @now, updated_at = @now, ${started} ${mine}`,
    );
    // A run interrupted by stop({ drain: false }) was not a failure: give a started attempt back.
    this.#release = db.prepare(
      `UPDATE ${t} SET status = 'pending', attempts = attempts - (started_at IS NOT NULL), started_at = NULL,
         run_at = @now, lease_owner = NULL, lease_until = NULL, updated_at = @now ${mine}`,
    );
    this.#heartbeat = db.prepare(
      `UPDATE ${t} SET lease_until = @leaseUntil WHERE lease_owner = @owner AND status = 'running'`,
    );
    this.#expired = db.prepare(
      `SELECT id, name, attempts, max_attempts, started_at IS NOT NULL AS started FROM ${t}
       WHERE status = 'running' AND lease_until < @now AND ${names}`,
    );
    const expired = `WHERE id = @id AND status = 'running' AND lease_until < @now`;
    this.#recoverRetry = db.prepare(
      `UPDATE ${t} SET status = 'pending', run_at = @now, last_error = @error, lease_owner = NULL,
         lease_until = NULL, updated_at = @now ${expired}`,
    );
    this.#recoverFail = db.prepare(
      `UPDATE ${t} SET status = 'failed', last_error = @error, lease_owner = NULL, lease_until = NULL,
         finished_at = @now, updated_at = @now ${expired}`,
    );
    this.#recoverUnstarted = db.prepare(
      `UPDATE ${t} SET status = 'pending', lost_leases = lost_leases + 1, lease_owner = NULL, lease_until = NULL, updated_at = @now
       ${expired} AND started_at IS NULL`,
    );
    this.#cancel = db.prepare(
      `UPDATE ${t} SET status = 'cancelled', lease_owner = NULL, lease_until = NULL, finished_at = @now,
         updated_at = @now WHERE id = @id AND status IN ('pending', 'running')`,
    );
    this.#get = db.prepare(`SELECT * FROM ${t} WHERE id = ?`);
    this.#countByStatus = db.prepare(`SELECT status, COUNT(*) AS n FROM ${t} GROUP BY status`);
    this.#countDelayed = db.prepare(`SELECT COUNT(*) FROM ${t} WHERE status = 'pending' AND run_at > ?`).pluck();
    const s = SCHEDULE_TABLE;
    this.#nextSchedule = db.prepare(`SELECT MIN(next_run_at) FROM ${s} WHERE ${names}`).pluck();
    // Re-scheduling with the same cadence keeps the next run, so a restart does not reset the clock.
    this.#upsertSchedule = db.prepare(
      `INSERT INTO ${s} (key, name, data, every, cron, priority, next_run_at, max_attempts, timeout_ms)
       VALUES (@key, @name, @data, @every, @cron, @priority, @nextRunAt, @maxAttempts, @timeout)
       ON CONFLICT (key) DO UPDATE SET name = excluded.name, data = excluded.data,
         priority = excluded.priority, max_attempts = excluded.max_attempts, timeout_ms = excluded.timeout_ms,
         next_run_at = CASE WHEN ${s}.every IS excluded.every AND ${s}.cron IS excluded.cron
                            THEN ${s}.next_run_at ELSE excluded.next_run_at END,
         every = excluded.every, cron = excluded.cron`,
    );
    this.#dueSchedules = db.prepare(`SELECT * FROM ${s} WHERE next_run_at <= @now AND ${names}`);
    this.#advanceSchedule = db.prepare(
      `UPDATE ${s} SET next_run_at = @next WHERE key = @key AND next_run_at = @previous`,
    );
    this.#deleteSchedule = db.prepare(`DELETE FROM ${s} WHERE key = ?`);
    this.#countSchedules = db.prepare(`SELECT COUNT(*) FROM ${s}`).pluck();
  }

  /** Runs `fn` in a write transaction, or inside the caller's when one is open (the outbox case). */
  write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn).immediate();
  }

  /** Inserts a job, or returns the id of the job that already holds `idempotencyKey`. */
  insert(job: NewJob, now: number): number {
    const row = this.#insert.get({ ...job, maxAttempts: job.maxAttempts ?? null, timeout: job.timeout ?? null, now }) as { id: number } | undefined;
    if (row) return row.id;
    return this.#idByKey.get(job.idempotencyKey) as number;
  }

  claim(owner: string, names: string, limit: number, now: number, leaseUntil: number): ClaimedJob[] {
    const rows = this.#claim.all({ owner, names, limit, now, leaseUntil }) as ClaimedJob[];
    // RETURNING gives no order guarantee: start the most urgent first.
    return rows.sort((a, b) => b.priority - a.priority || a.run_at - b.run_at || a.id - b.id);
  }

  /**
   * Applies one outcome; false when the lease was lost meanwhile (another process took the job).
   * `startUnrecorded`: the attempt's start was not written yet; it is counted here.
   */
  apply(outcome: JobOutcome, owner: string, now: number, startUnrecorded = false): boolean {
    const base = { id: outcome.id, owner, now };
    const started = startUnrecorded ? 1 : 0;
    switch (outcome.kind) {
      case 'completed':
        return this.#complete.run({ ...base, started, result: outcome.result }).changes > 0;
      case 'retry':
        return this.#retry.run({ ...base, started, runAt: outcome.runAt, error: outcome.error }).changes > 0;
      case 'failed':
        return this.#fail.run({ ...base, started, error: outcome.error }).changes > 0;
      case 'released':
        // Released with its start unwritten: the start and its refund cancel out.
        return this.#release.run(base).changes > 0;
    }
  }

  /**
   * Records that claimed jobs started, counting their attempt. Returns each marked
   * job's attempt number; a job missing from it is no longer leased to `owner`.
   */
  /** {@link start} without reading the attempt numbers back (the caller knows them). */
  recordStarts(owner: string, ids: readonly number[], now: number): void {
    this.#start.run({ owner, ids: JSON.stringify(ids), now });
  }

  start(owner: string, ids: readonly number[], now: number): Map<number, number> {
    const rows = this.#start.all({ owner, ids: JSON.stringify(ids), now }) as { id: number; attempts: number }[];
    return new Map(rows.map((row) => [row.id, row.attempts]));
  }

  heartbeat(owner: string, leaseUntil: number): void {
    this.#heartbeat.run({ owner, leaseUntil });
  }

  expiredLeases(names: string, now: number): ExpiredLease[] {
    return (this.#expired.all({ names, now }) as Array<Omit<ExpiredLease, 'started'> & { started: number }>).map((row) => ({
      ...row,
      started: row.started === 1,
    }));
  }

  /** A started job whose lease expired: retried (its attempt counted) or failed. */
  recoverExpired(id: number, retry: boolean, error: string, now: number): boolean {
    const stmt = retry ? this.#recoverRetry : this.#recoverFail;
    return stmt.run({ id, error, now }).changes > 0;
  }

  /** A job whose lease expired with no start recorded: pending again, no attempt charged, `lost_leases` + 1. */
  recoverUnstarted(id: number, now: number): boolean {
    return this.#recoverUnstarted.run({ id, now }).changes > 0;
  }

  cancel(id: number, now: number): boolean {
    return this.#cancel.run({ id, now }).changes > 0;
  }

  get(id: number): JobInfo | null {
    const row = this.#get.get(id) as JobRow | undefined;
    return row ? toJobInfo(row) : null;
  }

  countByStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.#countByStatus.all() as { status: string; n: number }[]) counts[row.status] = row.n;
    return counts;
  }

  countDelayed(now: number): number {
    return this.#countDelayed.get(now) as number;
  }

  /** Earliest next run among the schedules this process can run, or null. */
  nextScheduleRun(names: string): number | null {
    return this.#nextSchedule.get({ names }) as number | null;
  }

  upsertSchedule(row: ScheduleRow): void {
    this.#upsertSchedule.run({
      key: row.key,
      name: row.name,
      data: row.data,
      every: row.every,
      cron: row.cron,
      priority: row.priority,
      nextRunAt: row.next_run_at,
      maxAttempts: row.max_attempts,
      timeout: row.timeout_ms,
    });
  }

  dueSchedules(names: string, now: number): ScheduleRow[] {
    return this.#dueSchedules.all({ names, now }) as ScheduleRow[];
  }

  /** Compare-and-set so two processes never both fire one occurrence. */
  advanceSchedule(key: string, previous: number, next: number): boolean {
    return this.#advanceSchedule.run({ key, previous, next }).changes > 0;
  }

  deleteSchedule(key: string): boolean {
    return this.#deleteSchedule.run(key).changes > 0;
  }

  countSchedules(): number {
    return this.#countSchedules.get() as number;
  }
}
