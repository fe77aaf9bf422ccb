/**
 * Commit notifications on PostgreSQL: a statement trigger on `queue` notifies
 * channel `s3lite_events` at each commit that inserted events, and each pool
 * LISTENs on one connection shared by its consumers (wake-ups) and its query
 * cache (invalidation); one connection each would drain the pool.
 */
import type pg from 'pg';

const CHANNEL = 's3lite_events';
/** Serialises creating the trigger between processes (and between consumers' and the cache's set-up). */
const NOTIFY_LOCK = 0x53334c31 + 3;

/**
 * The notifying trigger, created only when missing: CREATE OR REPLACE TRIGGER would lock
 * `queue` against inserts at every open. Runs inside a transaction.
 */
export const NOTIFY_SCHEMA = `
SELECT pg_advisory_xact_lock(${NOTIFY_LOCK});
CREATE OR REPLACE FUNCTION s3lite_notify_events() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('${CHANNEL}', '');
  RETURN NULL;
END
$fn$;
DO $do$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 's3lite_events_notify' AND tgrelid = 'queue'::regclass) THEN
    CREATE TRIGGER s3lite_events_notify AFTER INSERT ON queue FOR EACH STATEMENT EXECUTE FUNCTION s3lite_notify_events();
  END IF;
END $do$;
`;

/** What a user of the shared LISTEN connection hears. */
export interface CommitSubscriber {
  /** A commit inserted events; `pid` is the server process id of the committing session. */
  committed(pid: number): void;
  /** The connection failed: later commits may go unheard until a new `listenForCommits`. */
  lost?(): void;
}

export interface CommitListening {
  /** Whether the LISTEN is in place (false once it failed or never started). */
  readonly live: boolean;
  /**
   * A round trip on the listening connection: true when it answered. Notifications of
   * commits made before the call are delivered before the answer. Without an answer
   * within `giveUpMs` the connection is dropped (false).
   */
  ping(giveUpMs: number): Promise<boolean>;
  /** Stops hearing; the last user UNLISTENs and gives the connection back. */
  stop(): Promise<void>;
}

interface Listener {
  subscribers: Set<CommitSubscriber>;
  ready: Promise<pg.PoolClient | null>;
  client: pg.PoolClient | null;
}
const listeners = new WeakMap<pg.Pool, Listener>();

function fail(pool: pg.Pool, listener: Listener, client: pg.PoolClient, err: Error): void {
  if (listener.client !== client) return;
  listener.client = null;
  if (listeners.get(pool) === listener) listeners.delete(pool);
  client.removeAllListeners('notification');
  client.release(err);
  for (const subscriber of listener.subscribers) subscriber.lost?.();
}

async function connectListener(pool: pg.Pool, listener: Listener): Promise<pg.PoolClient | null> {
  let client: pg.PoolClient | undefined;
  try {
    client = await pool.connect();
    client.on('notification', (msg: pg.Notification) => {
      for (const subscriber of listener.subscribers) subscriber.committed(msg.processId);
    });
    // Lost LISTEN connection: consumers fall back on polling, the cache on reading through.
    const connected = client;
    client.on('error', (err) => fail(pool, listener, connected, err));
    client.on('end', () => fail(pool, listener, connected, new Error('The LISTEN connection ended.')));
    listener.client = client;
    await client.query(`LISTEN ${CHANNEL}`);
    return client;
  } catch (err) {
    if (client) fail(pool, listener, client, err as Error);
    if (listeners.get(pool) === listener) listeners.delete(pool);
    return null;
  }
}

async function ping(pool: pg.Pool, listener: Listener, giveUpMs: number): Promise<boolean> {
  const client = listener.client;
  if (!client) return false;
  let timer: NodeJS.Timeout | undefined;
  const answered = client.query('SELECT 1').then(
    () => true,
    (err: Error) => {
      fail(pool, listener, client, err);
      return false;
    },
  );
  // A connection that hangs without an error is dropped: its subscribers hear `lost`.
  const hung = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      fail(pool, listener, client, new Error(`The LISTEN connection did not answer within ${giveUpMs} ms.`));
      resolve(false);
    }, giveUpMs);
  });
  try {
    return await Promise.race([answered, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Joins (or opens) the pool's LISTEN connection; resolves once LISTEN is in place or failed. */
export async function listenForCommits(pool: pg.Pool, subscriber: CommitSubscriber): Promise<CommitListening> {
  let listener = listeners.get(pool);
  if (!listener) {
    listener = { subscribers: new Set(), ready: Promise.resolve(null), client: null };
    listener.ready = connectListener(pool, listener);
    listeners.set(pool, listener);
  }
  const mine = listener;
  mine.subscribers.add(subscriber);
  await mine.ready;
  return {
    get live() {
      return mine.client !== null && mine.subscribers.has(subscriber);
    },
    ping: (giveUpMs) => (mine.subscribers.has(subscriber) ? ping(pool, mine, giveUpMs) : Promise.resolve(false)),
    stop: async () => {
      if (!mine.subscribers.delete(subscriber) || mine.subscribers.size > 0) return;
      if (listeners.get(pool) === mine) listeners.delete(pool);
      const client = await mine.ready;
      if (!client || mine.client !== client) return;
      mine.client = null;
      client.removeAllListeners('notification');
      client.removeAllListeners('error');
      client.removeAllListeners('end');
      client.on('error', () => {});
      // UNLISTEN before the connection returns to the pool, where others would receive notifications.
      await client.query(`UNLISTEN ${CHANNEL}`).then(
        () => client.release(),
        (err: Error) => client.release(err),
      );
    },
  };
}
