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
import { finalRows, readHighWater } from './pg-high-water.js';
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
  const readSql = `SELECT ${PG_EVENT_COLUMNS} FROM queue WHERE id > $1 AND ${finalRows(2)} ORDER BY id LIMIT $3`;

  return {
    defaultPollMs: 1000,
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
      const mark = await readHighWater(pool);
      const { rows } = await pool.query<RawEventRow>(readSql, [after, mark, limit]);
      const events = rows.map(pgRowToEvent);
      if (events.length === limit) return { events, pending: false };
      // Committed but not final yet (an older transaction still runs): read again soon, not after the poll interval.
      const last = events.length > 0 ? events[events.length - 1]!.id : after;
      const held = await pool.query('SELECT 1 FROM queue WHERE id > $1 AND tx_id >= $2::xid8 LIMIT 1', [last, mark]);
      return { events, pending: (held.rowCount ?? 0) > 0 };
    },
    commit: (name, owner, from, to, leaseMs, work) =>
      tx.transaction(async () => {
        const client = inTx();
        // Locks the row first: a process taking the lease over waits for this batch to commit or roll back.
        const checked = await client.query(`UPDATE s3lite_consumers SET lease_until = ${NOW} + $4 WHERE name = $1 AND owner = $2 AND position = $3`, [name, owner, from, leaseMs]);
        if (checked.rowCount !== 1) throw new LeaseLostError(name);
        if (work) await work();
        await inTx().query(`UPDATE s3lite_consumers SET position = $2, updated_at = ${NOW} WHERE name = $1`, [name, to]);
      }),
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
