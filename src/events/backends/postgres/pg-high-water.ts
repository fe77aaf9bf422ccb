/**
 * The high-water mark of position reads: a transaction id below which every
 * transaction that can write to this database has finished. Positions are
 * reserved in transaction-id order (pg-schema.ts), so the rows of transactions
 * below the mark sit below every position still to commit, and a reader that
 * takes only those (`tx_id < mark`) and resumes after its last id never skips
 * an event.
 *
 * The mark is the oldest transaction still running in the statement's own
 * snapshot (pg_snapshot_xip), leaving out transactions that pg_stat_activity
 * shows running in another database of the server, capped by the snapshot's
 * xmax. Rows below it are final and, once committed, visible to this and every
 * later snapshot, so a mark stays valid for later statements too. Only the
 * snapshot decides what may still be running; pg_stat_activity can only take
 * out transactions of other databases, so one long transaction elsewhere on the
 * server does not stall readers here (the plain pg_snapshot_xmin would).
 */
import type pg from 'pg';

// backend_xid is a 32-bit xid; snapshot xids are 64-bit xid8: compared on their low 32 bits
// (two running transactions are never 2^32 apart).
/** The mark's query (one row, column `mark`): also usable as a subquery, so a read takes its mark in its own statement. */
export const HIGH_WATER = `WITH s AS (SELECT pg_current_snapshot() AS snap),
elsewhere AS (
  SELECT backend_xid::text::bigint AS x FROM pg_stat_activity
  WHERE backend_xid IS NOT NULL AND datid IS DISTINCT FROM (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT coalesce(
  (SELECT min(x::text::bigint) FROM s, pg_snapshot_xip(s.snap) AS x WHERE (x::text::bigint & 4294967295) NOT IN (SELECT x FROM elsewhere)),
  (SELECT pg_snapshot_xmax(snap)::text::bigint FROM s)
)::text AS mark`;

/** The current high-water mark (an xid8, as text). Rows with `tx_id < mark` are final. */
export async function readHighWater(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ mark: string }>(HIGH_WATER);
  return rows[0]!.mark;
}

/** The filter of final rows, with the mark as parameter `$n`. */
export function finalRows(n: number): string {
  return `tx_id < $${n}::xid8`;
}
