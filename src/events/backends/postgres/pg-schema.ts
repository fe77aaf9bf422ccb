/**
 * The event table on PostgreSQL: eventlite's `queue` columns (data and metadata
 * kept as the JSON text given, so exports match SQLite byte for byte), plus
 * `tx_id`, the writing transaction's id, which bounds position reads.
 *
 * Positions (ids) are reserved by `s3lite_reserve_ids(n)`, once per
 * transaction: under a short advisory lock it assigns the transaction its id
 * and then takes n positions from a sequence. Position blocks are therefore
 * handed out in transaction-id order, and every event of a transaction older
 * than the oldest one still running sits below every position still to commit:
 * a reader that stops at that boundary never skips an event (pg-high-water.ts).
 */
import type pg from 'pg';
import { NOTIFY_SCHEMA } from './pg-listener.js';

/** Advisory lock key of the position reservation (scoped to the database). */
const RESERVE_LOCK = 0x53334c31; // 'S3L1'

export const PG_SCHEMA = `
CREATE TABLE IF NOT EXISTS queue (
  id bigint PRIMARY KEY,
  version integer DEFAULT 1,
  datetime bigint NOT NULL,
  "user" text,
  ip text,
  cmd text NOT NULL,
  data text,
  correlation_id text,
  causation_id bigint,
  metadata text,
  stream text,
  stream_version integer,
  tx_id xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE SEQUENCE IF NOT EXISTS queue_position AS bigint;
CREATE UNIQUE INDEX IF NOT EXISTS idx_stream_version ON queue (stream, stream_version) WHERE stream IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_correlation_id ON queue (correlation_id);
CREATE INDEX IF NOT EXISTS idx_causation_id ON queue (causation_id);
CREATE OR REPLACE FUNCTION s3lite_reserve_ids(n integer) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE last_id bigint;
BEGIN
  PERFORM pg_advisory_lock(${RESERVE_LOCK});
  BEGIN
    PERFORM pg_current_xact_id();
    last_id := nextval('queue_position') + n - 1;
    IF n > 1 THEN PERFORM setval('queue_position', last_id); END IF;
  EXCEPTION WHEN OTHERS THEN
    PERFORM pg_advisory_unlock(${RESERVE_LOCK});
    RAISE;
  END;
  PERFORM pg_advisory_unlock(${RESERVE_LOCK});
  RETURN last_id;
END
$fn$;
CREATE OR REPLACE FUNCTION s3lite_claim_ids(first_id bigint, last_id bigint) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE taken bigint;
BEGIN
  PERFORM pg_advisory_lock(${RESERVE_LOCK});
  BEGIN
    PERFORM pg_current_xact_id();
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO taken FROM queue_position;
    IF taken >= first_id THEN
      RAISE EXCEPTION 'ids from % are taken (positions up to % are reserved)', first_id, taken USING ERRCODE = 'P0001';
    END IF;
    PERFORM setval('queue_position', last_id);
  EXCEPTION WHEN OTHERS THEN
    PERFORM pg_advisory_unlock(${RESERVE_LOCK});
    RAISE;
  END;
  PERFORM pg_advisory_unlock(${RESERVE_LOCK});
END
$fn$;
`;

/**
 * Creates the table, sequence, indexes and reservation function (idempotent; serialised between
 * processes); with `notify`, also the trigger that announces commits (pg-listener.ts).
 */
export async function ensurePgSchema(client: pg.PoolClient, options: { notify?: boolean } = {}): Promise<void> {
  await client.query('BEGIN');
  try {
    // Two processes opening a fresh database at once would race on CREATE … IF NOT EXISTS.
    await client.query(`SELECT pg_advisory_xact_lock(${RESERVE_LOCK + 1})`);
    await client.query(PG_SCHEMA);
    if (options.notify) await client.query(NOTIFY_SCHEMA);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

/** After rows were written with explicit ids (import, migrate): positions continue above them. */
export async function syncPositions(client: pg.PoolClient | pg.Pool): Promise<void> {
  await client.query(`SELECT setval('queue_position', t.m) FROM (SELECT max(id) AS m FROM queue) t
    WHERE t.m > (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM queue_position)`);
}
