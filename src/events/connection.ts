/**
 * Opens SQLite files and shares one connection per file inside the process.
 *
 * Sharing is what makes an event and its model changes atomic: a model set up
 * on the queue's file gets the queue's connection, so both write in one
 * transaction. Connections are reference-counted and closed by the last user.
 *
 * The registry is keyed on the file's identity (device + inode, read at every
 * open) and the open mode, not on its path: a file deleted and created again
 * at the same path gets a new connection instead of one still writing into the
 * deleted inode (whose number cannot be reused while that connection holds it
 * open), and a read-only opener never hands its connection to a writer. A
 * connection closed directly (`model._db.close()`) leaves the registry at the
 * next open.
 */
import Database from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bunStatement } from './bun-statement.js';
import { ConfigurationError, ValidationError } from '../core/errors.js';
import { sqliteError } from './sqlite-errors.js';

export type SqliteDatabase = Database.Database;

/**
 * A better-sqlite3 connection (`queue.db`, a model's `_db`) with bun:sqlite's
 * `query(sql)` added, so eventlite-sourcing model code written for bun runs unchanged.
 */
export interface CompatDatabase extends SqliteDatabase {
  /**
   * bun:sqlite's `db.query(sql)`: `prepare` cached per SQL text on this connection
   * (the same statement object each time), with bun's binding and results: a bare
   * value for a single named parameter, keys with or without their `$`/`@`/`:`,
   * booleans as 1/0, `null` from `.get()` for no row, and `.get()`/`.all()` on a
   * write statement run it (giving `null` / `[]`).
   */
  query(sql: string): Database.Statement;
}

export interface OpenOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
  busyTimeout?: number;
}

/** Pragmas a queue sets on its connection; every queue sharing the connection must want the same. */
export interface ConnectionSettings {
  /** Absent for read-only connections (they cannot change it). */
  journalMode?: 'WAL' | 'DELETE';
  synchronous: 'FULL' | 'NORMAL';
  busyTimeout: number;
}

interface Entry {
  key: string;
  db: CompatDatabase;
  refs: number;
  /** Set by the first queue that configured the connection, with who did it. */
  settings?: { value: ConnectionSettings; by: string };
}

const openFiles = new Map<string, Entry>();
const byConnection = new WeakMap<SqliteDatabase, Entry>();

/** Absolute path of a database name; `':memory:'` and `''` stay as they are (never shared). */
export function resolveDbPath(dbName: string): string {
  return dbName === ':memory:' || dbName === '' ? dbName : resolve(dbName);
}

function addQueryAlias(db: SqliteDatabase): CompatDatabase {
  const statements = new Map<string, Database.Statement>();
  const compat = db as CompatDatabase;
  Object.defineProperty(compat, 'query', {
    configurable: true,
    value(sql: string): Database.Statement {
      let statement = statements.get(sql);
      if (!statement) {
        statement = bunStatement(db.prepare(sql), sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  });
  return compat;
}

/** `<device>:<inode>:<mode>` of the file at `path`, or undefined when there is none. */
function fileKey(path: string, readonly: boolean): string | undefined {
  try {
    const stat = statSync(path, { bigint: true });
    return `${stat.dev}:${stat.ino}:${readonly ? 'ro' : 'rw'}`;
  } catch {
    return undefined;
  }
}

function isShareable(path: string): boolean {
  return path !== ':memory:' && path !== '';
}

/**
 * The connection for `dbName`: the one already open in this process on the same
 * file in the same mode, or a new one (parent directory created). Call
 * {@link releaseConnection} when done.
 */
export function acquireConnection(dbName: string, options: OpenOptions = {}): CompatDatabase {
  const path = resolveDbPath(dbName);
  const readonly = options.readonly ?? false;
  const shareable = isShareable(path);
  const key = shareable ? fileKey(path, readonly) : undefined;
  const shared = key === undefined ? undefined : openFiles.get(key);
  if (shared) {
    if (shared.db.open) {
      shared.refs++;
      return shared.db;
    }
    openFiles.delete(shared.key); // closed by its user directly: nothing to share any more
  }
  if (shareable && statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ValidationError(`${path} is a directory, not an event store file: give the path of a file, e.g. ${resolve(path, 'events.sqlite')}.`, [], { details: { file: path } });
  }
  if (shareable && !readonly && !options.fileMustExist) {
    mkdirSync(dirname(path), { recursive: true });
  }
  let raw: SqliteDatabase;
  try {
    raw = new Database(path, {
      readonly,
      fileMustExist: options.fileMustExist ?? false,
      timeout: options.busyTimeout ?? 5000,
    });
  } catch (err) {
    throw sqliteError(err, 'open the database', path);
  }
  try {
    // Reading the schema fails fast on a file that is not a database.
    raw.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    raw.close();
    throw sqliteError(err, 'open the database', path);
  }
  const db = addQueryAlias(raw);
  // The identity is read again now that the file exists (a new file has it only after the open).
  const opened = shareable ? fileKey(path, readonly) : undefined;
  if (opened !== undefined) {
    const entry: Entry = { key: opened, db, refs: 1 };
    openFiles.set(opened, entry);
    byConnection.set(db, entry);
  }
  return db;
}

function describe(settings: ConnectionSettings): string {
  const parts = [`synchronous=${settings.synchronous}`, `busy_timeout=${settings.busyTimeout}`];
  if (settings.journalMode) parts.unshift(`journal_mode=${settings.journalMode}`);
  return parts.join(', ');
}

/** Page cache of a queue's connection, as SQLite's negative cache_size (KiB). */
export const PAGE_CACHE_KIB = -65536;

/**
 * Sets the pragmas. None of them takes a lock except a journal mode change, which
 * is why the current mode is read first: opening a file already in the wanted mode
 * must not wait for another process's write transaction.
 */
function applySettings(db: SqliteDatabase, settings: ConnectionSettings): void {
  db.pragma(`busy_timeout = ${settings.busyTimeout}`);
  if (settings.journalMode) {
    const current = String(db.pragma('journal_mode', { simple: true })).toUpperCase();
    if (current !== settings.journalMode) db.pragma(`journal_mode = ${settings.journalMode}`);
  }
  db.pragma(`synchronous = ${settings.synchronous}`);
  // Savepoint journals of group commits stay in memory instead of a temp file per transaction.
  db.pragma('temp_store = MEMORY');
  // A 64 MiB page cache (grown only as used, default is 2 MiB) keeps index pages of large
  // bulk writes in memory instead of spilling and re-reading them mid-transaction.
  db.pragma(`cache_size = ${PAGE_CACHE_KIB}`);
}

/**
 * Applies the pragmas `by` (an event or job queue) wants on `db`, unless an earlier
 * user of this shared connection already applied the same ones. Different ones
 * throw a ConfigurationError naming both: pragmas belong to the connection, so
 * applying them would silently change the earlier user's durability or locking.
 */
export function configureConnection(db: SqliteDatabase, settings: ConnectionSettings, by: string): void {
  const entry = byConnection.get(db);
  if (!entry || entry.db !== db) {
    applySettings(db, settings); // not shared (in-memory)
    return;
  }
  if (!entry.settings) {
    applySettings(db, settings);
    entry.settings = { value: { ...settings }, by };
    return;
  }
  const current = entry.settings.value;
  const same =
    current.synchronous === settings.synchronous &&
    current.busyTimeout === settings.busyTimeout &&
    (current.journalMode === undefined || settings.journalMode === undefined || current.journalMode === settings.journalMode);
  if (same) return;
  throw new ConfigurationError(
    `${by} on ${db.name} wants ${describe(settings)}, but the connection this process already has open on that file ` +
      `was configured by ${entry.settings.by} with ${describe(current)}. Users of one file in one process share one ` +
      'connection (that is what makes events and models atomic), so their durability, WAL and busyTimeout options must match.',
    { details: { file: db.name, wanted: settings, current, currentBy: entry.settings.by } },
  );
}

/** How many users (queues, models, snapshot managers) hold this connection. */
export function connectionUsers(db: SqliteDatabase): number {
  const entry = byConnection.get(db);
  return entry === undefined ? 1 : entry.refs;
}

/** Drops one reference; the last one closes the connection (after any open transaction is rolled back). */
export function releaseConnection(db: SqliteDatabase): void {
  const entry = byConnection.get(db);
  if (entry && entry.db === db && entry.refs > 0) {
    entry.refs--;
    if (entry.refs > 0 && db.open) return;
    if (openFiles.get(entry.key) === entry) openFiles.delete(entry.key);
  }
  if (!db.open) return;
  if (db.inTransaction) db.exec('ROLLBACK');
  db.close();
}
