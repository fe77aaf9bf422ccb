/**
 * The hand-written consumers `npm run bench -- work` measures s3lite's against,
 * as adapters of bench/lib/consumer-load.mjs: on PostgreSQL, LISTEN/NOTIFY and
 * `SELECT … WHERE position > $1` over a plain table; on SQLite, a better-sqlite3
 * polling loop. Both keep a checkpoint row, updated once per batch.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { ConsumerAdapter } from './consumer-load.mjs';

interface RawOptions {
  batch: number;
  /** The event data of key `k` (the same shape as the s3lite rows'). */
  payload: (i: number, k: number) => unknown;
}

export const RAW_PG_SCHEMA = `CREATE TABLE raw_events (position bigserial PRIMARY KEY, data jsonb NOT NULL);
CREATE TABLE raw_checkpoint (name text PRIMARY KEY, position bigint NOT NULL);
INSERT INTO raw_checkpoint VALUES ('bench', 0);
CREATE FUNCTION raw_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('raw_events', ''); RETURN NULL; END $$;
CREATE TRIGGER raw_events_notify AFTER INSERT ON raw_events FOR EACH STATEMENT EXECUTE FUNCTION raw_notify()`;

/** A wakeup that a notification (or a poke) ends early; a poke while awake is kept for the next wait. */
function waker() {
  let poked = false;
  let wake: (() => void) | null = null;
  return {
    poke(): void {
      poked = true;
      wake?.();
    },
    wait(ms: number): Promise<void> {
      if (poked) {
        poked = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => wake?.(), ms);
        wake = () => {
          clearTimeout(timer);
          wake = null;
          poked = false;
          resolve();
        };
      });
    },
  };
}

/**
 * PostgreSQL (tables: RAW_PG_SCHEMA): producers INSERT one row each (autocommit) on `pool`;
 * the consumer LISTENs on one connection, reads on another until a short batch, then waits
 * for a notification or `fallbackMs`.
 */
export function rawPgConsumerAdapter(url: string, pool: pg.Pool, { batch, fallbackMs, payload }: RawOptions & { fallbackMs: number }): ConsumerAdapter {
  return {
    preload: async (n) => {
      await pool.query(
        `INSERT INTO raw_events (data) SELECT jsonb_build_object('orderId', i, 'customer', 'c' || (i % 1000), 'amount', (i % 97) * 1.25, 'items', jsonb_build_array('a', 'b'), 'k', -1)
         FROM generate_series(1, $1) i`,
        [n],
      );
    },
    start: async (onEvent) => {
      const listener = new pg.Client({ connectionString: url });
      const reader = new pg.Client({ connectionString: url });
      await Promise.all([listener.connect(), reader.connect()]);
      const wakeup = waker();
      listener.on('notification', () => wakeup.poke());
      await listener.query('LISTEN raw_events');
      let stopped = false;
      const loop = (async () => {
        let position = Number((await reader.query('SELECT position FROM raw_checkpoint WHERE name = $1', ['bench'])).rows[0].position);
        while (!stopped) {
          const { rows } = await reader.query<{ position: string; data: { k: number } }>(
            'SELECT position, data FROM raw_events WHERE position > $1 ORDER BY position LIMIT $2',
            [position, batch],
          );
          for (const row of rows) onEvent(row.data.k);
          if (rows.length > 0) {
            position = Number(rows[rows.length - 1]!.position);
            await reader.query('UPDATE raw_checkpoint SET position = $2 WHERE name = $1', ['bench', position]);
          }
          if (rows.length < batch) await wakeup.wait(fallbackMs);
        }
      })();
      return async () => {
        stopped = true;
        wakeup.poke();
        await loop;
        await Promise.all([listener.end(), reader.end()]);
      };
    },
    produce: (k) => pool.query('INSERT INTO raw_events (data) VALUES ($1)', [JSON.stringify(payload(k, k))]),
  };
}

/**
 * SQLite on one better-sqlite3 connection with the event queue's default pragmas (WAL,
 * synchronous FULL): producers INSERT one row each (autocommit); the consumer reads until
 * a short batch every `pollMs`.
 */
export function rawSqliteConsumerAdapter(file: string, { batch, pollMs, payload }: RawOptions & { pollMs: number }): { adapter: ConsumerAdapter; close: () => void } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE raw_events (position INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
    CREATE TABLE raw_checkpoint (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
    INSERT INTO raw_checkpoint VALUES ('bench', 0)`);
  const insert = db.prepare('INSERT INTO raw_events (data) VALUES (?)');
  const read = db.prepare('SELECT position, data FROM raw_events WHERE position > ? ORDER BY position LIMIT ?');
  const save = db.prepare('UPDATE raw_checkpoint SET position = ? WHERE name = ?');
  const adapter: ConsumerAdapter = {
    preload: async (n) => {
      db.transaction(() => {
        for (let i = 0; i < n; i++) insert.run(JSON.stringify(payload(i, -1)));
      })();
    },
    start: async (onEvent) => {
      let position = (db.prepare('SELECT position FROM raw_checkpoint WHERE name = ?').get('bench') as { position: number }).position;
      let timer: NodeJS.Timeout;
      const poll = (): void => {
        for (;;) {
          const rows = read.all(position, batch) as Array<{ position: number; data: string }>;
          for (const row of rows) onEvent((JSON.parse(row.data) as { k: number }).k);
          if (rows.length > 0) {
            position = rows[rows.length - 1]!.position;
            save.run(position, 'bench');
          }
          if (rows.length < batch) break;
        }
        timer = setTimeout(poll, pollMs);
      };
      timer = setTimeout(poll, 0);
      return async () => clearTimeout(timer);
    },
    produce: async (k) => insert.run(JSON.stringify(payload(k, k))),
  };
  return { adapter, close: () => db.close() };
}
