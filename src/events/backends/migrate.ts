/**
 * Moves an event log from a SQLite file to PostgreSQL, row for row (same ids,
 * same JSON text), so the PostgreSQL export is byte-identical to the SQLite
 * one. Each page commits on its own; a rerun resumes after the last copied id,
 * once it has checked that what is there matches the file.
 */
import { existsSync } from 'node:fs';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js';
import { EVENT_COLUMNS } from '../event-row.js';
import { initQueue } from '../init-queue.js';
import { encodeEventLine, type RawEventTuple } from '../operations/event-line.js';
import { parseConnectionString } from './open-queue.js';
import { createPool } from './postgres/pg-pool.js';
import { ensurePgSchema, syncPositions } from './postgres/pg-schema.js';
import { PG_EVENT_COLUMNS } from './postgres/pg-sql.js';

/** Options of {@link migrateToPostgres}. */
export interface MigrateOptions {
  /** Rows per transaction. @default 5000 */
  batchSize?: number;
  /**
   * Called after each committed page: `copied` = rows in the PostgreSQL log so far
   * (earlier runs included), `lastId` = last id copied, `total` = rows in the SQLite file.
   * @default undefined — no progress reports
   */
  onProgress?: (progress: { copied: number; lastId: number; total: number }) => void;
}

/** What {@link migrateToPostgres} resolves to. */
export interface MigrateResult {
  /** Rows copied by this run. */
  copied: number;
  /** Rows already there from an earlier run (checked, not copied again). */
  resumedAfter: number;
  /** Events in the PostgreSQL log now. */
  total: number;
}

const INSERT = `INSERT INTO queue (id, version, datetime, "user", ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version)
SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::int[])`;

/**
 * Copies every event of `sqliteFile` into the PostgreSQL database at `postgresUrl`,
 * row for row (same ids, same JSON text), so the PostgreSQL export is byte-identical
 * to the SQLite one. The file is opened read-only. Each page of `batchSize` rows
 * commits on its own; a rerun after a failure resumes after the last copied id once
 * it has checked that the rows there are a copy of this file. Creates the schema
 * if needed; new events get ids above the copied ones.
 *
 * @throws ValidationError when `postgresUrl` names a SQLite file, `batchSize` is not
 * a positive integer, or a row's `datetime` is not integer milliseconds (pages
 * before it stay committed). `ConnectionStringError` for a malformed URL.
 * @throws NotFoundError when `sqliteFile` does not exist.
 * @throws ConflictError when the PostgreSQL log already holds events that are not
 * a copy of this file (migrate into an empty database).
 * @example
 * await migrateToPostgres('data/events.sqlite', 'postgres://app@db:5432/events');
 */
export async function migrateToPostgres(sqliteFile: string, postgresUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const batchSize = options.batchSize ?? 5000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError(`\`batchSize\` must be an integer from 1 and up, got ${String(batchSize)}.`);
  const target = parseConnectionString(postgresUrl);
  if (target.backend !== 'postgres') throw new ValidationError(`The migration target must be a postgres:// URL, got ${target.label}.`);
  if (!existsSync(sqliteFile)) throw new NotFoundError(`No events file at ${sqliteFile}: check the path.`);
  const source = initQueue({ dbName: sqliteFile, init: { create: false, readonly: true } });
  const pool = createPool({ connectionString: target.target, max: 2 });
  try {
    const client = await pool.connect();
    try {
      await ensurePgSchema(client);
    } finally {
      client.release();
    }
    const db = source.db;
    const total = Number(db.prepare('SELECT count(*) FROM queue').pluck().get());
    const { rows } = await pool.query<{ m: number | null; n: number }>('SELECT max(id) AS m, count(*) AS n FROM queue');
    const resumeAfter = Number(rows[0]?.m ?? 0);
    const already = Number(rows[0]?.n ?? 0);
    if (resumeAfter > 0) {
      // Resume only onto our own earlier copy: same count up to there, same last row.
      const sourceCount = Number(db.prepare('SELECT count(*) FROM queue WHERE id <= ?').pluck().get(resumeAfter));
      const sourceLast = db.prepare(`SELECT ${EVENT_COLUMNS} FROM queue WHERE id = ?`).raw().get(resumeAfter) as RawEventTuple | undefined;
      const { rows: targetLast } = await pool.query({ text: `SELECT ${PG_EVENT_COLUMNS} FROM queue WHERE id = $1`, values: [resumeAfter], rowMode: 'array' });
      if (sourceCount !== already || !sourceLast || encodeEventLine(sourceLast) !== encodeEventLine(targetLast[0] as RawEventTuple)) {
        throw new ConflictError(
          `The PostgreSQL log already holds ${already} events (up to id ${resumeAfter}) that are not a copy of ${sqliteFile}; migrate into an empty database.`,
          { details: { resumeAfter, already, sourceCount } },
        );
      }
    }
    const page = db.prepare(`SELECT ${EVENT_COLUMNS} FROM queue WHERE id > ? ORDER BY id LIMIT ?`).raw();
    let last = resumeAfter;
    let copied = 0;
    for (;;) {
      const batch = page.all(last, batchSize) as RawEventTuple[];
      if (batch.length === 0) break;
      const columns: unknown[][] = Array.from({ length: 12 }, () => []);
      for (const row of batch) {
        if (typeof row[2] !== 'number' || !Number.isSafeInteger(row[2])) {
          throw new ValidationError(`Event ${row[0]} has datetime ${JSON.stringify(row[2])}, not milliseconds since the epoch; fix that row in ${sqliteFile} first.`);
        }
        for (let c = 0; c < 12; c++) columns[c]!.push(row[c]);
      }
      await pool.query(INSERT, columns);
      copied += batch.length;
      last = batch[batch.length - 1]![0];
      options.onProgress?.({ copied: already + copied, lastId: last, total });
    }
    await syncPositions(pool);
    return { copied, resumedAfter: already, total: already + copied };
  } finally {
    source.close();
    await pool.end();
  }
}
