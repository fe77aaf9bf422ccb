/**
 * The job tables on PostgreSQL: the same columns as SQLite's (times in ms), so
 * a job reads back identically; claims take rows with `FOR UPDATE SKIP LOCKED`
 * so processes on several machines never wait on, or take, each other's jobs.
 * Knows nothing about workers or timers.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ClaimedJob, ExpiredLease, JobRow, NewJob, ScheduleRow } from '../../operations/job-table.js';
import { JOB_TABLE, SCHEDULE_TABLE, toJobInfo } from '../../operations/job-table.js';
import type { JobInfo } from '../../operations/job-types.js';
import type { EventliteJobStats } from '../../operations/eventlite-jobs.js';

/** The channel `add` notifies, so idle queues on other machines claim at once instead of at their next poll. */
export const JOBS_CHANNEL = 's3lite_jobs';

/** Advisory lock key serialising schema creation between processes. */
const SCHEMA_LOCK = 0x53334a42; // 'S3JB'

const J = JOB_TABLE;
const S = SCHEDULE_TABLE;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${J} (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  data text NOT NULL,
  status text NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  run_at bigint NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  started_at bigint,
  lost_leases integer NOT NULL DEFAULT 0,
  max_attempts integer,
  timeout_ms integer,
  idempotency_key text UNIQUE,
  lease_owner text,
  lease_until bigint,
  last_error text,
  result text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  finished_at bigint
);
CREATE INDEX IF NOT EXISTS ${J}_due ON ${J} (priority DESC, run_at, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS ${J}_leases ON ${J} (lease_until) WHERE status = 'running';
CREATE TABLE IF NOT EXISTS ${S} (
  key text PRIMARY KEY,
  name text NOT NULL,
  data text NOT NULL,
  every bigint,
  cron text,
  priority integer NOT NULL DEFAULT 0,
  next_run_at bigint NOT NULL,
  max_attempts integer,
  timeout_ms integer
);`;

/**
 * One row of a grouped state write ({@link PgJobTable.applyOutcomes}): a start
 * (`running`), or an attempt's outcome, with its start when that was not written yet.
 */
export interface PgOutcome {
  id: number;
  /** `running`: a start only. `pending`: a retry (`runAt` set) or a release (`refund`). */
  status: 'running' | 'completed' | 'failed' | 'pending';
  result: string | null;
  error: string | null;
  runAt: number | null;
  /** 1: the attempt's start is not written yet; it is counted here. */
  started: 0 | 1;
  /** 1: a release (stopped without draining): pending again, a started attempt given back. */
  refund: 0 | 1;
}

/** The job table's identity token (its comment), or null on a database without one; never fails. */
const IDENTITY = `SELECT obj_description(to_regclass('${J}'), 'pg_class') AS token`;

export class PgJobTable {
  readonly pool: pg.Pool;
  /** A random token kept as the job table's comment: tells whether a connection reaches this database. */
  readonly #token: string;
  readonly #checked = new WeakMap<pg.PoolClient | pg.Pool, boolean>();

  private constructor(pool: pg.Pool, token: string) {
    this.pool = pool;
    this.#token = token;
  }

  /**
   * Whether `client` (a transaction's connection, e.g. the event store's while it
   * applies an event, or a store's pool) is connected to this database, so a job
   * added on it commits or rolls back with that transaction.
   */
  async reaches(client: pg.PoolClient | pg.Pool): Promise<boolean> {
    let same = this.#checked.get(client);
    if (same === undefined) {
      const { rows } = await client.query<{ token: string | null }>(IDENTITY);
      same = rows[0]?.token === this.#token;
      this.#checked.set(client, same);
    }
    return same;
  }

  /** Creates the tables if needed (serialised: two processes may open a fresh database at once). */
  static async open(pool: pg.Pool): Promise<PgJobTable> {
    let token = '';
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      try {
        await client.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
        await client.query(SCHEMA);
        const { rows } = await client.query<{ token: string | null }>(IDENTITY);
        token = rows[0]?.token ?? randomUUID();
        if (!rows[0]?.token) await client.query(`COMMENT ON TABLE ${J} IS '${token}'`);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    } finally {
      client.release();
    }
    return new PgJobTable(pool, token);
  }

  /** Inserts a job, or returns the id of the job that already holds `idempotencyKey`. */
  async insert(job: NewJob, now: number, client: pg.Pool | pg.PoolClient = this.pool): Promise<number> {
    const inserted = await client.query<{ id: number }>(
      `INSERT INTO ${J} (name, data, status, priority, run_at, idempotency_key, max_attempts, timeout_ms, created_at, updated_at)
       VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $8)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, (SELECT pg_notify('${JOBS_CHANNEL}', '')) AS notified`,
      [job.name, job.data, job.priority, job.runAt, job.idempotencyKey, job.maxAttempts ?? null, job.timeout ?? null, now],
    );
    if (inserted.rows[0]) return inserted.rows[0].id;
    const existing = await client.query<{ id: number }>(`SELECT id FROM ${J} WHERE idempotency_key = $1`, [job.idempotencyKey]);
    return existing.rows[0]!.id;
  }

  /**
   * Leases up to `limit` due jobs of `names` to `owner`, most urgent first. A claim
   * is a lease, not an attempt: the attempt counts when the job starts. Rows
   * another transaction is claiming are skipped, not waited for.
   */
  async claim(owner: string, names: string[], limit: number, now: number, leaseUntil: number): Promise<ClaimedJob[]> {
    const { rows } = await this.pool.query<ClaimedJob>(
      `WITH picked AS (
         SELECT id FROM ${J} WHERE status = 'pending' AND run_at <= $1 AND name = ANY($2::text[])
         ORDER BY priority DESC, run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       UPDATE ${J} j SET status = 'running', started_at = NULL, lease_owner = $4,
         lease_until = $5, updated_at = $1
       FROM picked WHERE j.id = picked.id
       RETURNING j.id, j.name, j.data, j.attempts, j.priority, j.run_at, j.lost_leases, j.max_attempts, j.timeout_ms`,
      [now, names, limit, owner, leaseUntil],
    );
    // RETURNING gives no order guarantee: start the most urgent first.
    return rows.sort((a, b) => b.priority - a.priority || a.run_at - b.run_at || a.id - b.id);
  }

  /**
   * Writes a group of starts and outcomes in one statement; returns the ids
   * applied (a job whose lease was lost meanwhile, to another process, is left alone).
   */
  async applyOutcomes(owner: string, outcomes: readonly PgOutcome[], now: number): Promise<Map<number, number>> {
    const { rows } = await this.pool.query<{ id: number; attempts: number }>(
      `UPDATE ${J} j SET status = u.status,
         result = CASE WHEN u.status = 'completed' THEN u.result ELSE j.result END,
         last_error = CASE WHEN u.status = 'completed' THEN NULL ELSE COALESCE(u.error, j.last_error) END,
         run_at = COALESCE(u.run_at, CASE WHEN u.refund = 1 THEN $2 ELSE j.run_at END),
         attempts = CASE WHEN u.refund = 1 THEN j.attempts - (j.started_at IS NOT NULL)::int ELSE j.attempts + u.started END,
         started_at = CASE WHEN u.refund = 1 THEN NULL WHEN u.started = 1 THEN $2 ELSE j.started_at END,
         finished_at = CASE WHEN u.status IN ('completed', 'failed') THEN $2 ELSE NULL END,
         lease_owner = CASE WHEN u.status = 'running' THEN j.lease_owner END,
         lease_until = CASE WHEN u.status = 'running' THEN j.lease_until END,
         updated_at = $2
       FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::int[], $9::int[])
         AS u(id, status, result, error, run_at, started, refund)
       WHERE j.id = u.id AND j.status = 'running' AND j.lease_owner = $1
       RETURNING j.id, j.attempts`,
      [
        owner,
        now,
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.result),
        outcomes.map((o) => o.error),
        outcomes.map((o) => o.runAt),
        outcomes.map((o) => o.started),
        outcomes.map((o) => o.refund),
      ],
    );
    return new Map(rows.map((row) => [row.id, row.attempts]));
  }

  async heartbeat(owner: string, leaseUntil: number): Promise<void> {
    await this.pool.query(`UPDATE ${J} SET lease_until = $1 WHERE lease_owner = $2 AND status = 'running'`, [leaseUntil, owner]);
  }

  /** Running jobs of `names` whose lease ran out (their process died or stalled). */
  async expiredLeases(names: string[], now: number): Promise<ExpiredLease[]> {
    const { rows } = await this.pool.query<ExpiredLease>(
      `SELECT id, name, attempts, max_attempts, started_at IS NOT NULL AS started FROM ${J}
       WHERE status = 'running' AND lease_until < $1 AND name = ANY($2::text[])`,
      [now, names],
    );
    return rows;
  }

  /** An expired job: pending again (its crashed attempt counted) or failed; false when another process got there first. */
  async recoverExpired(id: number, retry: boolean, error: string, now: number): Promise<boolean> {
    const set = retry
      ? `status = 'pending', run_at = $2, finished_at = NULL`
      : `status = 'failed', finished_at = $2`;
    const result = await this.pool.query(
      `UPDATE ${J} SET ${set}, last_error = $3, lease_owner = NULL, lease_until = NULL, updated_at = $2
       WHERE id = $1 AND status = 'running' AND lease_until < $2`,
      [id, now, error],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** An expired job that never started: pending again, uncharged, `lost_leases` + 1. */
  async recoverUnstarted(id: number, now: number): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${J} SET status = 'pending', lost_leases = lost_leases + 1, lease_owner = NULL, lease_until = NULL, updated_at = $2
       WHERE id = $1 AND status = 'running' AND lease_until < $2 AND started_at IS NULL`,
      [id, now],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async cancel(id: number, now: number): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${J} SET status = 'cancelled', lease_owner = NULL, lease_until = NULL, finished_at = $2, updated_at = $2
       WHERE id = $1 AND status IN ('pending', 'running')`,
      [id, now],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async get(id: number): Promise<JobInfo | null> {
    const { rows } = await this.pool.query<JobRow>(`SELECT * FROM ${J} WHERE id = $1`, [id]);
    return rows[0] ? toJobInfo(rows[0]) : null;
  }

  /** Jobs by status, pending ones not due yet, and schedules: one round trip. */
  async counts(now: number): Promise<{ byStatus: Record<string, number>; delayed: number; schedules: number }> {
    const { rows } = await this.pool.query<{ status: string; n: number }>(
      `SELECT status, count(*) AS n FROM ${J} GROUP BY status
       UNION ALL SELECT '#delayed', count(*) FROM ${J} WHERE status = 'pending' AND run_at > $1
       UNION ALL SELECT '#schedules', count(*) FROM ${S}`,
      [now],
    );
    const byStatus: Record<string, number> = {};
    for (const row of rows) byStatus[row.status] = row.n;
    const { '#delayed': delayed = 0, '#schedules': schedules = 0, ...rest } = byStatus;
    return { byStatus: rest, delayed, schedules };
  }

  /** eventlite's `byType`, `oldestPending` and `recentCompletion`, as the SQLite queue reads them. */
  async eventliteStats(): Promise<EventliteJobStats> {
    const [byType, oldest, recent] = await Promise.all([
      this.pool.query<{ name: string; n: number }>(`SELECT name, count(*) AS n FROM ${J} WHERE status IN ('pending', 'running') GROUP BY name ORDER BY name`),
      this.pool.query<{ at: number | null }>(`SELECT min(created_at) AS at FROM ${J} WHERE status = 'pending'`),
      this.pool.query<{ completed: number | null; failed: number | null; duration: number | null }>(
        `SELECT count(*) FILTER (WHERE status = 'completed') AS completed, count(*) FILTER (WHERE status = 'failed') AS failed,
           avg(finished_at - started_at) AS duration
         FROM (SELECT status, finished_at, started_at FROM ${J} WHERE status IN ('completed', 'failed') AND finished_at IS NOT NULL
               ORDER BY finished_at DESC, id DESC LIMIT 100) recent`,
      ),
    ]);
    const row = recent.rows[0];
    return {
      byType: Object.fromEntries(byType.rows.map((r) => [r.name, r.n])),
      oldestPending: oldest.rows[0]?.at ?? null,
      recentCompletion: { completed: row?.completed ?? 0, failed: row?.failed ?? 0, averageDuration: Math.max(0, row?.duration ?? 0) },
    };
  }

  /** Re-scheduling with the same cadence keeps the stored next run, so a restart does not reset the clock. */
  async upsertSchedule(row: ScheduleRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${S} (key, name, data, every, cron, priority, next_run_at, max_attempts, timeout_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (key) DO UPDATE SET name = excluded.name, data = excluded.data,
         priority = excluded.priority, max_attempts = excluded.max_attempts, timeout_ms = excluded.timeout_ms,
         next_run_at = CASE WHEN ${S}.every IS NOT DISTINCT FROM excluded.every AND ${S}.cron IS NOT DISTINCT FROM excluded.cron
                            THEN ${S}.next_run_at ELSE excluded.next_run_at END,
         every = excluded.every, cron = excluded.cron`,
      [row.key, row.name, row.data, row.every, row.cron, row.priority, row.next_run_at, row.max_attempts, row.timeout_ms],
    );
  }

  async deleteSchedule(key: string): Promise<boolean> {
    const result = await this.pool.query(`DELETE FROM ${S} WHERE key = $1`, [key]);
    return (result.rowCount ?? 0) > 0;
  }

  async dueSchedules(names: string[], now: number): Promise<ScheduleRow[]> {
    const { rows } = await this.pool.query<ScheduleRow>(`SELECT * FROM ${S} WHERE next_run_at <= $1 AND name = ANY($2::text[])`, [now, names]);
    return rows;
  }

  async nextScheduleRun(names: string[]): Promise<number | null> {
    const { rows } = await this.pool.query<{ next: number | null }>(`SELECT min(next_run_at) AS next FROM ${S} WHERE name = ANY($1::text[])`, [names]);
    return rows[0]?.next ?? null;
  }

  /**
   * Fires one occurrence: moves the schedule from `previous` to `next` only if no
   * other process moved it (compare-and-set), and adds the occurrence's job in
   * the same transaction, keyed by the occurrence. True when this call fired it.
   */
  async fireSchedule(schedule: ScheduleRow, next: number, now: number): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const moved = await client.query(`UPDATE ${S} SET next_run_at = $1 WHERE key = $2 AND next_run_at = $3`, [next, schedule.key, schedule.next_run_at]);
        const fired = (moved.rowCount ?? 0) > 0;
        if (fired) {
          const { name, data, priority, max_attempts: maxAttempts, timeout_ms: timeout } = schedule;
          const idempotencyKey = `schedule:${schedule.key}:${schedule.next_run_at}`;
          await this.insert({ name, data, priority, runAt: schedule.next_run_at, idempotencyKey, maxAttempts, timeout }, now, client);
        }
        await client.query('COMMIT');
        return fired;
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    } finally {
      client.release();
    }
  }
}
