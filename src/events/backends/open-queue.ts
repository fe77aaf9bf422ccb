/**
 * `openQueue({ connectionString })`: the async event queue on SQLite or
 * PostgreSQL, picked by the connection string. Code written against it runs
 * unchanged on both; moving up is changing one string (and `s3lite events migrate`).
 */
import { ConnectionStringError, ValidationError } from '../../core/errors.js';
import { assertKnownOptions, invalidOption } from '../../core/options.js';
import { resolveQueueOptions, type QueueCacheOptions, type QueueOptions } from '../options.js';
import type { BackendName, EventStore } from './event-store.js';
import { createPool } from './postgres/pg-pool.js';
import { PgEventStore } from './postgres/pg-event-store.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

/**
 * Options of {@link openQueue}. The backend comes from `connectionString`. Unknown
 * keys throw `ValidationError`; so does `sqlite` on PostgreSQL, while the
 * PostgreSQL-only options are ignored on SQLite.
 */
export interface OpenQueueOptions {
  /**
   * `postgres://user@host:5432/db` (or `postgresql://`), `sqlite:///abs/path.sqlite`,
   * or a plain SQLite file path (`':memory:'` too).
   */
  connectionString: string;
  /**
   * Query cache of the `…Cached` reads, merged key by key over the default.
   * @default { enabled: true, maxSize: 1000, ttl: 300000 } (on SQLite, `sqlite.profile`'s cache when a profile is given)
   */
  cache?: QueueCacheOptions;
  /** Clock of the `datetime` column, in ms since the epoch. @default Date.now */
  datetime?: () => number;
  /** PostgreSQL: connections in the pool (1 and up). @default 10 */
  poolSize?: number;
  /** PostgreSQL: most events per group-commit transaction. @default 1000 */
  maxBatch?: number;
  /** PostgreSQL: group-commit transactions in flight at once, 1 to `poolSize` (more helps when model methods wait on I/O). @default 1 */
  maxWriters?: number;
  /**
   * SQLite: the `initQueue` options besides `dbName`, `cache` and `datetime` (durability,
   * WAL, busyTimeout, indexes, profile…). Refused on PostgreSQL.
   * @default undefined — initQueue's defaults: WAL, durability 'full', busyTimeout 5000, the two core indexes
   */
  sqlite?: Omit<QueueOptions, 'dbName' | 'cache' | 'datetime'>;
}

const KNOWN = ['connectionString', 'cache', 'datetime', 'poolSize', 'maxBatch', 'maxWriters', 'sqlite'];

export interface ParsedConnection {
  backend: BackendName;
  /** The PostgreSQL URL or the SQLite path. */
  target: string;
  /** What errors may show (no password). */
  label: string;
}

/**
 * Which backend a connection string names, and where (exported as
 * `parseQueueConnectionString`). `label` is the target without the password, for messages.
 * @throws ValidationError for an empty or non-string value.
 * @throws ConnectionStringError for a malformed postgres:// URL, an empty sqlite: path or another scheme.
 * @example
 * parseQueueConnectionString('postgres://app:pw@db:5432/events'); // { backend: 'postgres', target: 'postgres://app:pw@db:5432/events', label: 'postgres://app@db:5432/events' }
 * parseQueueConnectionString('sqlite:///var/data/events.sqlite');  // { backend: 'sqlite', target: '/var/data/events.sqlite', label: '/var/data/events.sqlite' }
 */
export function parseConnectionString(connectionString: unknown): ParsedConnection {
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    throw invalidOption('connectionString', 'a postgres:// URL, a sqlite:// URL or a SQLite file path', connectionString);
  }
  if (/^postgres(ql)?:\/\//i.test(connectionString)) {
    let url: URL;
    try {
      url = new URL(connectionString);
    } catch {
      throw new ConnectionStringError('The PostgreSQL connection string is not a valid URL; expected postgres://user@host:5432/database.');
    }
    url.password = '';
    return { backend: 'postgres', target: connectionString, label: url.toString() };
  }
  if (/^sqlite:/i.test(connectionString)) {
    const path = connectionString.replace(/^sqlite:(\/\/)?/i, '');
    if (path === '') throw new ConnectionStringError('The sqlite: connection string names no file; expected sqlite:///absolute/path.sqlite.');
    return { backend: 'sqlite', target: decodeURIComponent(path), label: path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(connectionString)) {
    throw new ConnectionStringError(`Unsupported connection string scheme \`${connectionString.split(':')[0]}\`; use postgres://, sqlite:// or a file path.`);
  }
  return { backend: 'sqlite', target: connectionString, label: connectionString };
}

/**
 * Opens the async event queue named by `connectionString`: the same
 * {@link EventStore} API, all promises, on SQLite and PostgreSQL.
 *
 * SQLite: the file is opened (created if missing; files written by eventlite-sourcing
 * open as is) with `initQueue`'s options from `sqlite`. PostgreSQL: a pool of
 * `poolSize` connections; the event tables are created if missing. Writes are group
 * committed on both; positional reads (`streamEvents`, `subscribe`, replay, export)
 * never skip an event that commits late.
 *
 * @throws ConnectionStringError for an unsupported scheme or a malformed URL.
 * @throws ValidationError for an unknown or invalid option.
 *
 * @example
 * const queue = await openQueue({ connectionString: process.env.EVENTS_URL ?? 'data/events.sqlite' });
 * const users = await queue.modelSetup({
 *   tables: (db) => db.exec('CREATE TABLE IF NOT EXISTS users (name TEXT)'),
 *   queries: (db) => ({ add: db.query('INSERT INTO users (name) VALUES ($name)') }),
 *   methods: (q) => ({ async userAdded({ name }) { await q.add.run({ name }); return name; } }),
 * });
 * await queue.store({ cmd: 'userAdded', data: { name: 'Ann' }, stream: 'user-ann', expectedVersion: 0 }, users);
 * await queue.close();
 */
export async function openQueue(options: OpenQueueOptions): Promise<EventStore> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object { connectionString }', options);
  assertKnownOptions('openQueue', options, KNOWN);
  const parsed = parseConnectionString(options.connectionString);
  if (parsed.backend === 'sqlite') {
    return new SqliteEventStore({ ...options.sqlite, dbName: parsed.target, cache: options.cache, datetime: options.datetime });
  }
  if (options.sqlite !== undefined) throw new ValidationError('The `sqlite` options apply to SQLite queues only; this connection string names PostgreSQL.');
  const resolved = resolveQueueOptions({ cache: options.cache, datetime: options.datetime });
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw invalidOption('poolSize', 'an integer from 1 and up', poolSize);
  const maxBatch = options.maxBatch ?? 1000;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw invalidOption('maxBatch', 'an integer from 1 and up', maxBatch);
  const maxWriters = options.maxWriters ?? 1;
  if (!Number.isInteger(maxWriters) || maxWriters < 1 || maxWriters > poolSize) throw invalidOption('maxWriters', `an integer from 1 to poolSize (${poolSize})`, maxWriters);
  const pool = createPool({ connectionString: parsed.target, max: poolSize });
  try {
    return await PgEventStore.open(pool, { label: parsed.label, queue: resolved, maxBatch, maxWriters });
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
}
