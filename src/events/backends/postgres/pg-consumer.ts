/**
 * Consumers on PostgreSQL: checkpoints and leases in `s3lite_consumers` (times
 * from the server's clock, so machines' clocks need not agree), reads bounded
 * by the high-water mark (pg-high-water.ts: a consumer never skips an event
 * that commits late), and wakeups by LISTEN/NOTIFY on the pool's shared
 * connection (pg-listener.ts). The first `subscribe` installs the trigger if
 * the queue's cache has not.
 */
import type pg from 'pg';
import type { RawEventRow } from '../../event-row.js';
import { LeaseLostError, type ConsumerBackend, type ConsumerFrom } from '../consumer.js';
import type { TxRunner } from '../tx-runner.js';
import { finalRows, HIGH_WATER, readHighWater } from './pg-high-water.js';
import { listenForCommits, NOTIFY_SCHEMA } from './pg-listener.js';
import { currentClient } from './pg-model-db.js';
import { PG_EVENT_COLUMNS, pgRowToEvent } from './pg-sql.js';

const SCHEMA_LOCK = 0x53334c31 + 2;
const NOW = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS s3lite_consumers (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  owner text,
  lease_until bigint NOT NULL DEFAULT 0,
  updated_at bigint NOT NULL
);
${NOTIFY_SCHEMA}`;

export async function pgConsumerBackend(pool: pg.Pool, tx: TxRunner): Promise<ConsumerBackend> {
  await tx.transaction(async () => {
    const client = currentClient.getStore()!;
    // Two processes subscribing to a fresh database at once would race on CREATE … IF NOT EXISTS.
    await client.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
    await client.query(SCHEMA);
  });
  const inTx = (): pg.PoolClient => currentClient.getStore()!;
  // One round trip per read: the high-water mark, the final events after $1 (at most $2) and, when
  // fewer came back, whether later ones are committed but not final yet (`held`: read again soon).
  // An empty batch still returns one row (all event columns null) carrying `held`.
  const readSql = `WITH hw AS MATERIALIZED (${HIGH_WATER}),
    batch AS MATERIALIZED (
      SELECT ${PG_EVENT_COLUMNS} FROM queue WHERE id > $1 AND tx_id < (SELECT mark::xid8 FROM hw) ORDER BY id LIMIT $2)
    SELECT b.*, h.held FROM (
      SELECT CASE WHEN (SELECT count(*) FROM batch) < $2 THEN EXISTS (
        SELECT 1 FROM queue WHERE id > coalesce((SELECT max(id) FROM batch), $1) AND tx_id >= (SELECT mark::xid8 FROM hw)
      ) ELSE false END AS held) h
    LEFT JOIN batch b ON true ORDER BY b.id`;
  const moveSql = `UPDATE s3lite_consumers SET position = $4, lease_until = ${NOW} + $5, updated_at = ${NOW}
    WHERE name = $1 AND owner = $2 AND position = $3`;

  return {
    defaultPollMs: 1000,
    readAhead: true,
    claim: (name: string, owner: string, from: ConsumerFrom, leaseMs: number) =>
      tx.transaction(async () => {
        const client = inTx();
        const existing = await client.query('SELECT position FROM s3lite_consumers WHERE name = $1', [name]);
        if (existing.rowCount === 0) {
          let start = from === 'start' ? 0 : from;
          if (from === 'end') {
            const mark = await readHighWater(pool);
            start = Number((await client.query(`SELECT coalesce(max(id), 0) AS m FROM queue WHERE ${finalRows(1)}`, [mark])).rows[0].m);
          }
          await client.query(`INSERT INTO s3lite_consumers (name, position, updated_at) VALUES ($1, $2, ${NOW}) ON CONFLICT (name) DO NOTHING`, [name, start]);
        }
        const { rows } = await client.query<{ position: number }>(
          `UPDATE s3lite_consumers SET owner = $2, lease_until = ${NOW} + $3
           WHERE name = $1 AND (owner = $2 OR owner IS NULL OR lease_until < ${NOW}) RETURNING position`,
          [name, owner, leaseMs],
        );
        return rows[0] ? Number(rows[0].position) : null;
      }),
    read: async (after: number, limit: number) => {
      const { rows } = await pool.query<RawEventRow & { held: boolean }>(readSql, [after, limit]);
      const events = rows.filter((row) => row.id !== null).map(pgRowToEvent);
      return { events, pending: rows[0]!.held };
    },
    commit: async (name, owner, from, to, leaseMs, work) => {
      // Checks the lease and the checkpoint, renews the lease and moves the checkpoint in one statement.
      // In the batch's transaction it locks the row first: a process taking the lease over waits for the commit or rollback.
      const move = async (client: pg.Pool | pg.PoolClient): Promise<void> => {
        const moved = await client.query(moveSql, [name, owner, from, to, leaseMs]);
        if (moved.rowCount !== 1) throw new LeaseLostError(name);
      };
      if (!work) return move(pool);
      await tx.transaction(async () => {
        await move(inTx());
        await work();
      });
    },
    release: async (name, owner) => {
      await pool.query('UPDATE s3lite_consumers SET owner = NULL, lease_until = 0 WHERE name = $1 AND owner = $2', [name, owner]);
    },
    checkpoint: async (name) => {
      const { rows } = await pool.query<{ position: number }>('SELECT position FROM s3lite_consumers WHERE name = $1', [name]);
      return rows[0] ? Number(rows[0].position) : null;
    },
    lag: async (position) => {
      const { rows } = await pool.query<{ n: number; oldest: number | null }>('SELECT count(*) AS n, min(datetime) AS oldest FROM queue WHERE id > $1', [position]);
      return { events: Number(rows[0]!.n), oldest: rows[0]!.oldest === null ? null : Number(rows[0]!.oldest) };
    },
    listen: async (wake) => (await listenForCommits(pool, { committed: wake })).stop,
  };
}
