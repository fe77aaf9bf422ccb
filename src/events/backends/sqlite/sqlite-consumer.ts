/**
 * Consumers on SQLite: checkpoints and leases in `s3lite_consumers`, a cheap
 * poll for new events. SQLite has one writer, so ids commit in order and a
 * read after the checkpoint never skips. Every write goes through the queue's
 * write chain (`transaction`), so it never joins a store's open transaction;
 * a read is skipped while one is open on this connection (it would see
 * uncommitted rows).
 */
import type { CompatDatabase } from '../../connection.js';
import { EVENT_COLUMNS, rowToEvent, type RawEventRow } from '../../event-row.js';
import { LeaseLostError, type ConsumerBackend, type ConsumerFrom } from '../consumer.js';
import type { TxRunner } from '../tx-runner.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS s3lite_consumers (
  name TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  owner TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
)`;

export async function sqliteConsumerBackend(db: CompatDatabase, tx: TxRunner): Promise<ConsumerBackend> {
  await tx.transaction(async () => {
    db.exec(SCHEMA);
  });
  const readRows = db.prepare(`SELECT ${EVENT_COLUMNS} FROM queue WHERE id > ? ORDER BY id LIMIT ?`);
  const maxId = db.prepare('SELECT coalesce(max(id), 0) AS m FROM queue');
  const getRow = db.prepare('SELECT position FROM s3lite_consumers WHERE name = ?');
  const insert = db.prepare('INSERT INTO s3lite_consumers (name, position, owner, lease_until, updated_at) VALUES (?, ?, NULL, 0, ?) ON CONFLICT (name) DO NOTHING');
  const take = db.prepare('UPDATE s3lite_consumers SET owner = ?, lease_until = ? WHERE name = ? AND (owner = ? OR owner IS NULL OR lease_until < ?)');
  const move = db.prepare('UPDATE s3lite_consumers SET position = ?, lease_until = ?, updated_at = ? WHERE name = ? AND owner = ? AND position = ?');
  const release = db.prepare('UPDATE s3lite_consumers SET owner = NULL, lease_until = 0 WHERE name = ? AND owner = ?');
  const lag = db.prepare('SELECT count(*) AS n, min(datetime) AS oldest FROM queue WHERE id > ?');

  return {
    defaultPollMs: 100,
    readAhead: false,
    claim: (name: string, owner: string, from: ConsumerFrom, leaseMs: number) =>
      tx.transaction(async () => {
        const now = Date.now();
        if (!getRow.get(name)) {
          const start = from === 'start' ? 0 : from === 'end' ? (maxId.get() as { m: number }).m : from;
          insert.run(name, start, now);
        }
        if (take.run(owner, now + leaseMs, name, owner, now).changes !== 1) return null;
        return (getRow.get(name) as { position: number }).position;
      }),
    read: async (after: number, limit: number) => {
      if (db.inTransaction) return { events: [], pending: true };
      return { events: (readRows.all(after, limit) as RawEventRow[]).map(rowToEvent), pending: false };
    },
    commit: (name, owner, from, to, leaseMs, work) =>
      tx.transaction(async () => {
        const now = Date.now();
        if (move.run(to, now + leaseMs, now, name, owner, from).changes !== 1) throw new LeaseLostError(name);
        if (work) await work();
      }),
    release: async (name, owner) => {
      await tx.transaction(async () => {
        release.run(name, owner);
      });
    },
    checkpoint: async (name) => (getRow.get(name) as { position: number } | undefined)?.position ?? null,
    lag: async (position) => {
      const row = lag.get(position) as { n: number; oldest: number | null };
      return { events: row.n, oldest: row.oldest };
    },
    listen: async () => async () => {},
  };
}
