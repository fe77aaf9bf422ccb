/**
 * `listConsumers(queue)`: every consumer name with a checkpoint in the queue's
 * database, who holds its lease, and how far behind the log it is (the CLI's
 * `s3lite events <file|url> consumers`).
 */
import { invalidOption } from '../../core/options.js';
import type { EventStore } from './event-store.js';
import { PgEventStore } from './postgres/pg-event-store.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

/**
 * One row of {@link listConsumers}: a consumer name's durable checkpoint, its
 * current lease holder and its lag behind the log.
 */
export interface ConsumerInfo {
  /** The name given to `queue.subscribe(name, …)`. */
  name: string;
  /** Checkpoint: every event up to this id is handled. */
  position: number;
  /** The process holding a live lease, or null (none works for this name now). */
  owner: string | null;
  /** When the checkpoint last moved (ms since the epoch). */
  updatedAt: number;
  /** Events after the checkpoint (0 when caught up). */
  lagEvents: number;
  /** Age in ms of the oldest event after the checkpoint, by this process's clock (0 when caught up). */
  lagMs: number;
}

interface Row {
  name: string;
  position: number;
  owner: string | null;
  lease_until: number;
  updated_at: number;
  now: number;
  n: number;
  oldest: number | null;
}

const SQL = (now: string) => `SELECT c.name, c.position, c.owner, c.lease_until, c.updated_at, ${now} AS now,
  (SELECT count(*) FROM queue q WHERE q.id > c.position) AS n,
  (SELECT min(datetime) FROM queue q WHERE q.id > c.position) AS oldest
FROM s3lite_consumers c ORDER BY c.name`;

/**
 * Every consumer name with a checkpoint in `queue`'s database, sorted by name,
 * whichever process subscribed it: its checkpoint, who holds its lease and how
 * far behind the log it is (what `s3lite events <file|url> consumers` prints).
 * Empty when no consumer ever subscribed. Read-only: takes no lease.
 *
 * @throws ValidationError when `queue` is not a queue from `openQueue()`.
 * @example
 * for (const c of await listConsumers(queue)) console.log(c.name, c.position, c.owner ?? 'idle', c.lagEvents);
 */
export async function listConsumers(queue: EventStore): Promise<ConsumerInfo[]> {
  let rows: Row[];
  if (queue instanceof PgEventStore) {
    const exists = await queue.pool.query("SELECT to_regclass('s3lite_consumers') IS NOT NULL AS ok");
    if (!exists.rows[0].ok) return [];
    rows = (await queue.pool.query<Row>(SQL('(extract(epoch FROM clock_timestamp()) * 1000)::bigint'))).rows;
  } else if (queue instanceof SqliteEventStore) {
    const db = queue.queue.db;
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 's3lite_consumers'").get()) return [];
    rows = db.prepare(SQL('?')).all(Date.now()) as Row[];
  } else {
    throw invalidOption('queue', 'a queue from openQueue()', queue);
  }
  const now = Date.now();
  return rows.map((r) => ({
    name: r.name,
    position: Number(r.position),
    owner: r.owner !== null && Number(r.lease_until) > Number(r.now) ? r.owner : null,
    updatedAt: Number(r.updated_at),
    lagEvents: Number(r.n),
    lagMs: r.oldest === null ? 0 : Math.max(0, now - Number(r.oldest)),
  }));
}
