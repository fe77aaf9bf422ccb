/**
 * Opens SQLite files and shares one connection per file inside the process.
 *
 * Sharing is what makes an event and its model changes atomic: a model set up
 * on the queue's file gets the queue's connection, so both write in one
 * transaction. Connections are reference-counted and closed by the last user.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bunStatement } from './bun-statement.js';
import { sqliteError } from './sqlite-errors.js';

export type SqliteDatabase = Database.Database;

/**
 * eventlite (bun:sqlite) model code calls `db.query(sql)`; here it is `db.prepare`
 * with a per-connection statement cache, and the statement behaves as bun's (see bun-statement.ts).
 */
export interface CompatDatabase extends SqliteDatabase {
  query(sql: string): Database.Statement;
}

export interface OpenOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
  busyTimeout?: number;
}

interface Entry {
  db: CompatDatabase;
  refs: number;
}

const openFiles = new Map<string, Entry>();
const byConnection = new WeakMap<SqliteDatabase, string>();

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

/**
 * The connection for `dbName`: the one already open in this process, or a new one
 * (parent directory created). Call {@link releaseConnection} when done.
 */
export function acquireConnection(dbName: string, options: OpenOptions = {}): CompatDatabase {
  const path = resolveDbPath(dbName);
  const shared = path === ':memory:' || path === '' ? undefined : openFiles.get(path);
  if (shared) {
    shared.refs++;
    return shared.db;
  }
  if (path !== ':memory:' && path !== '' && !options.readonly && !options.fileMustExist) {
    mkdirSync(dirname(path), { recursive: true });
  }
  let raw: SqliteDatabase;
  try {
    raw = new Database(path, {
      readonly: options.readonly ?? false,
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
  if (path !== ':memory:' && path !== '') {
    openFiles.set(path, { db, refs: 1 });
    byConnection.set(db, path);
  }
  return db;
}

/** How many users (queues, models, snapshot managers) hold this connection. */
export function connectionUsers(db: SqliteDatabase): number {
  const path = byConnection.get(db);
  return path === undefined ? 1 : (openFiles.get(path)?.refs ?? 0);
}

/** Drops one reference; the last one closes the connection (after any open transaction is rolled back). */
export function releaseConnection(db: SqliteDatabase): void {
  const path = byConnection.get(db);
  const entry = path === undefined ? undefined : openFiles.get(path);
  if (entry && entry.db === db) {
    entry.refs--;
    if (entry.refs > 0) return;
    openFiles.delete(path as string);
  }
  if (!db.open) return;
  if (db.inTransaction) db.exec('ROLLBACK');
  db.close();
}
