/**
 * `modelSetup`: a model (projection) on a SQLite file, with eventlite-sourcing's
 * options and dispatch. A model on the queue's file shares the queue's
 * connection, so an event and its model changes commit together.
 */
import { existsSync, renameSync, unlinkSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { assertKnownOptions, invalidOption, ValidationError } from '../core/errors.js';
import { acquireConnection, connectionUsers, releaseConnection, type CompatDatabase } from './connection.js';
import { modelPosition } from './model-position.js';
import { MODEL_INTERNALS, type EventErrorReport, type Migrations, type Model, type ModelMethod } from './model-types.js';
import type { EventRow } from './event-row.js';

export interface ModelSetupOptions<Q = Record<string, Database.Statement>, M extends Record<string, ModelMethod> = Record<string, ModelMethod>> {
  /** File of the model; the queue's file makes event and model changes atomic. @default 'data/model.sqlite' */
  dbName?: string;
  /** Name under which the model's log position (and snapshots) are kept. @default 'default' */
  name?: string;
  /** Creates the model's tables. */
  tables?: (db: CompatDatabase) => void;
  /** Prepares the model's statements (`db.query` is `db.prepare`). */
  queries?: (db: CompatDatabase) => Q;
  /** One handler per cmd: `(data, meta) => result`. */
  methods?: (queries: Q, db: CompatDatabase) => M;
  /** Upcasters per cmd: `{ cmd: [v1ToV2, v2ToV3] }`, or a function returning them. */
  migrations?: Migrations | (() => Migrations);
  /** Called inside the transaction after each handler: `(row, result)`. */
  done?: (row: EventRow, result: unknown) => void;
  /** Called with eventlite's error object when a handler fails. */
  error?: (report: EventErrorReport) => void;
  /** Handler for cmds without a method. @default logs and returns '' (eventlite) */
  default?: ModelMethod;
  /** Move the file away first: `[]` → `<name>-old.<ext>`, `[newName]`, `[oldName, newName]`; an empty new name deletes it. */
  reset?: string[];
  /** A model without a database: only `default` runs. */
  stub?: boolean;
  /** Journal mode of a model in its own file. @default true */
  WAL?: boolean;
  noWAL?: boolean;
  /** eventlite's open flags; `strict` is accepted (binding is always strict). */
  init?: { create?: boolean; readonly?: boolean; strict?: boolean };
}

const KNOWN = ['dbName', 'name', 'tables', 'queries', 'methods', 'migrations', 'done', 'error', 'default', 'reset', 'stub', 'WAL', 'noWAL', 'init'];

const defaultHandler: ModelMethod = (data, meta) => {
  console.log(`${meta.cmd} is unknown to model.`, 'The data is', data);
  return '';
};

function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw invalidOption(name, 'a function', value);
}

function resetFile(dbName: string, reset: unknown): void {
  if (!Array.isArray(reset) || reset.some((part) => typeof part !== 'string')) {
    throw invalidOption('reset', 'an array of at most two file names', reset);
  }
  const [oldName, newName] =
    reset.length === 0 ? [dbName, dbName.replace(/(\.[^./]*)?$/, '-old$1')] : reset.length === 1 ? [dbName, reset[0] as string] : [reset[0] as string, reset[1] as string];
  if (!existsSync(oldName)) return;
  for (const suffix of ['', '-wal', '-shm']) {
    if (!existsSync(oldName + suffix)) continue;
    if (newName) renameSync(oldName + suffix, newName + suffix);
    else unlinkSync(oldName + suffix);
  }
}

/**
 * Sets up a model. Handlers get `(data, meta)` and run inside the event's
 * transaction when the model shares the queue's file.
 *
 * @example
 * const model = modelSetup({
 *   dbName: 'data/events.sqlite', // same file as the queue: atomic
 *   tables(db) { db.query('CREATE TABLE IF NOT EXISTS users (name TEXT)').run(); },
 *   queries(db) { return { add: db.query('INSERT INTO users (name) VALUES ($name)') }; },
 *   methods(q) { return { addUser({ name }) { q.add.run({ name }); return { name }; } }; },
 * });
 */
export function modelSetup<Q = Record<string, Database.Statement>, M extends Record<string, ModelMethod> = Record<string, ModelMethod>>(
  options: ModelSetupOptions<Q, M> = {},
): Model & M & { _db: CompatDatabase; _queries: Q; _close(): void; get(cmd: string, data?: unknown): unknown; all(cmd: string, data?: unknown): unknown[] } {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  assertKnownOptions('modelSetup', options, KNOWN);
  for (const name of ['tables', 'queries', 'methods', 'done', 'error', 'default'] as const) checkFunction(name, options[name]);
  const fallback = options.default ?? defaultHandler;

  if (options.stub) {
    return { _queries: {}, _db: {}, _default: fallback } as never;
  }

  const dbName = options.dbName ?? 'data/model.sqlite';
  if (typeof dbName !== 'string' || dbName === '') throw invalidOption('dbName', 'a non-empty file path', dbName);
  const name = options.name ?? 'default';
  if (typeof name !== 'string' || name === '') throw invalidOption('name', 'a non-empty string', name);
  if (options.reset !== undefined) resetFile(dbName, options.reset);

  const db = acquireConnection(dbName, {
    readonly: options.init?.readonly ?? false,
    fileMustExist: options.init?.create === false,
  });
  try {
    const wal = options.WAL ?? !(options.noWAL ?? false);
    // A connection shared with a queue keeps the queue's journal settings.
    if (connectionUsers(db) === 1 && !db.readonly && db.name !== ':memory:') {
      db.pragma(`journal_mode = ${wal ? 'WAL' : 'DELETE'}`);
    }
    options.tables?.(db);
    const queries = (options.queries?.(db) ?? {}) as Q;
    const methods = (options.methods?.(queries, db) ?? {}) as M;
    const migrations = typeof options.migrations === 'function' ? options.migrations() : (options.migrations ?? {});
    if (typeof migrations !== 'object' || migrations === null) throw invalidOption('migrations', 'an object { cmd: [upcasters] }', migrations);
    const position = modelPosition(db, name);
    const lookup = (cmd: string): Database.Statement => {
      const statement = (queries as Record<string, Database.Statement | undefined>)[cmd];
      if (!statement || typeof statement.get !== 'function') {
        throw new ValidationError(`The model has no query named \`${cmd}\`.`);
      }
      return statement;
    };
    const model: Model = {
      _db: db,
      _queries: queries as Record<string, any>,
      _default: fallback,
      _done: options.done ?? (() => {}),
      _error: options.error ?? (() => {}),
      _migrations: migrations,
      ...methods,
      get(cmd: string, data?: unknown) {
        return data === undefined ? lookup(cmd).get() : lookup(cmd).get(data);
      },
      all(cmd: string, data?: unknown) {
        return data === undefined ? lookup(cmd).all() : lookup(cmd).all(data);
      },
      _close() {
        releaseConnection(db);
      },
    };
    Object.defineProperty(model, MODEL_INTERNALS, {
      enumerable: false,
      value: {
        name,
        db,
        setPosition: position.set,
        getPosition: position.get,
        methodNames: new Set(Object.keys(methods).filter((key) => typeof methods[key] === 'function')),
      },
    });
    return model as never;
  } catch (err) {
    releaseConnection(db);
    throw err;
  }
}
