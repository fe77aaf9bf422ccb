/**
 * `modelSetup`: a model (projection) on a SQLite file, with eventlite-sourcing's
 * options and dispatch. A model on the queue's file shares the queue's
 * connection, so an event and its model changes commit together.
 */
import { existsSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { ValidationError } from '../core/errors.js';
import { assertKnownOptions, invalidOption } from '../core/options.js';
import { createLogger, type Logger } from '../core/logger.js';
import { acquireConnection, connectionUsers, releaseConnection, type CompatDatabase } from './connection.js';
import { modelPosition } from './model-position.js';
import { MODEL_INTERNALS, type EventErrorReport, type Migrations, type Model, type ModelMethod } from './model-types.js';
import type { EventRow } from './event-row.js';

/**
 * Options of {@link modelSetup}: eventlite-sourcing's, plus `name` and `logger`.
 * Unknown keys and non-function callbacks throw `ValidationError`.
 */
export interface ModelSetupOptions<Q = Record<string, Database.Statement>, M extends Record<string, ModelMethod> = Record<string, ModelMethod>> {
  /** File of the model; the queue's file makes event and model changes atomic. @default 'data/model.sqlite' */
  dbName?: string;
  /** Name under which the model's log position (and snapshots) are kept. @default 'default' */
  name?: string;
  /** Creates the model's tables; runs once, synchronously, when the model is set up. @default undefined — no tables created */
  tables?: (db: CompatDatabase) => void;
  /** Prepares the model's statements (`db.query` is a cached `db.prepare` with bun:sqlite's binding). @default undefined — no statements (`{}`) */
  queries?: (db: CompatDatabase) => Q;
  /**
   * One handler per cmd: `(data, meta) => result`. Must be synchronous (a returned
   * promise rejects the event): with the queue's file it runs inside the event's
   * transaction, and a throw rolls the event back.
   * @default undefined — no methods: events go to a query of their cmd's name, else `default`
   */
  methods?: (queries: Q, db: CompatDatabase) => M;
  /** Upcasters per cmd: `{ cmd: [v1ToV2, v2ToV3] }`, or a function returning them. @default {} — data passed as stored */
  migrations?: Migrations | (() => Migrations);
  /** Called inside the transaction after each handler: `(row, result)`; a throw rolls the event back. @default undefined — a no-op */
  done?: (row: EventRow, result: unknown) => void;
  /** Called with eventlite's error object when a handler fails. @default undefined — a no-op (the failure still reaches `callbacks._error`, or is thrown) */
  error?: (report: EventErrorReport) => void;
  /** Handler for cmds without a method. @default warns once per cmd through `logger` and returns '' */
  default?: ModelMethod;
  /** Where the model's warnings go (only `warn` is used). @default console */
  logger?: Partial<Logger>;
  /**
   * Move the file (with its -wal/-shm) away first: `[]` → `<name>-old.<ext>`, `[newName]`,
   * `[oldName, newName]` (an empty new name deletes it), or eventlite's `['delete']`,
   * `['move']`, `['move', folder]`, `['rename']` (a timestamped name). Nothing happens
   * when the file does not exist.
   * @default undefined — the file is opened as it is
   */
  reset?: string[];
  /** A model without a database (`_db` is `{}`): every event goes to `default`; other options are ignored. @default false */
  stub?: boolean;
  /** Journal mode of a model in its own file (a model on the queue's file keeps the queue's). @default true */
  WAL?: boolean;
  /** eventlite's spelling of `WAL: false` (`WAL` wins when both are given). @default false */
  noWAL?: boolean;
  /**
   * eventlite's open flags: `create: false` requires the file to exist, `readonly: true`
   * opens it read-only; `strict` is accepted (binding is always strict).
   * @default undefined — created if missing, read-write
   */
  init?: { create?: boolean; readonly?: boolean; strict?: boolean };
}

const KNOWN = ['dbName', 'name', 'tables', 'queries', 'methods', 'migrations', 'done', 'error', 'default', 'reset', 'stub', 'WAL', 'noWAL', 'init', 'logger'];

/** eventlite logged every unknown event with its data; this warns once per cmd, through the logger, without the data (it may be personal). */
function unknownCommandHandler(sink: Partial<Logger>): ModelMethod {
  const logger = createLogger('warn', sink);
  const warned = new Set<string>();
  return (_data, meta) => {
    if (!warned.has(meta.cmd)) {
      warned.add(meta.cmd);
      logger.warn(`The model has no method for \`${meta.cmd}\`: those events are stored but change nothing in the model (pass \`default\` to handle them).`);
    }
    return '';
  };
}

function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw invalidOption(name, 'a function', value);
}

/**
 * Moves the model's file away before opening it. Besides file names, eventlite's
 * documented strategies: `['delete']`, `['move']` (to `<name>-old.<ext>`),
 * `['move', 'backup/']` (into that folder) and `['rename']` (a timestamped name).
 */
function resetFile(dbName: string, reset: unknown): void {
  if (!Array.isArray(reset) || reset.length > 2 || reset.some((part) => typeof part !== 'string')) {
    throw invalidOption('reset', "an array of at most two file names, or ['delete'], ['move'], ['move', folder], ['rename']", reset);
  }
  const parts = reset as string[];
  const oldDefault = dbName.replace(/(\.[^./]*)?$/, '-old$1');
  let oldName = dbName;
  let newName: string;
  if (parts[0] === 'delete' && parts.length === 1) newName = '';
  else if (parts[0] === 'rename' && parts.length === 1) newName = dbName.replace(/(\.[^./]*)?$/, `-${new Date().toISOString().replace(/[:.]/g, '-')}$1`);
  else if (parts[0] === 'move') newName = parts.length === 2 ? join(parts[1]!, basename(dbName)) : oldDefault;
  else if (parts.length === 0) newName = oldDefault;
  else if (parts.length === 1) newName = parts[0]!;
  else [oldName, newName] = parts as [string, string];
  if (!existsSync(oldName)) return;
  if (newName) mkdirSync(dirname(resolve(newName)), { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) {
    if (!existsSync(oldName + suffix)) continue;
    if (newName) renameSync(oldName + suffix, newName + suffix);
    else unlinkSync(oldName + suffix);
  }
}

/**
 * Sets up a model (projection) with eventlite-sourcing's options and dispatch:
 * for each event, `migrations` upcast its data, then the method named by its cmd
 * runs with `(data, meta)`, else a query of that name, else `default`.
 *
 * On the queue's file the model shares the queue's connection: its handler runs
 * inside the event's transaction, so the event and its model rows commit together
 * and a throwing handler rolls both back. In another file the handler runs after
 * the event committed, in the model's own transaction; its failures go to `_error`.
 * The model records the last event id it applied (under `name`), which snapshots use.
 *
 * The result has the methods, `_queries`, `get(cmd, data)` / `all(cmd, data)` (run the
 * query named `cmd`) and `_close()` (releases its connection).
 *
 * @throws ValidationError for an unknown or invalid option.
 * @throws StorageError when the file cannot be opened.
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
  if (options.logger !== undefined && (typeof options.logger !== 'object' || options.logger === null)) {
    throw invalidOption('logger', 'an object with a warn(message) method, e.g. console', options.logger);
  }
  const fallback = options.default ?? unknownCommandHandler(options.logger ?? console);

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
      // A write statement (eventlite's query pass-through) runs and gives null / [] as under bun.
      get(cmd: string, data?: unknown) {
        const statement = lookup(cmd);
        const args = data === undefined ? [] : [data];
        if (statement.reader) return statement.get(...args);
        statement.run(...args);
        return null;
      },
      all(cmd: string, data?: unknown) {
        const statement = lookup(cmd);
        const args = data === undefined ? [] : [data];
        if (statement.reader) return statement.all(...args);
        statement.run(...args);
        return [];
      },
      _close() {
        releaseConnection(db);
      },
    };
    // eventlite's docs describe a model as `{ queries, methods }`: aliases, unless a method has that name.
    if (!Object.hasOwn(model, 'queries')) Object.defineProperty(model, 'queries', { enumerable: false, value: queries });
    if (!Object.hasOwn(model, 'methods')) Object.defineProperty(model, 'methods', { enumerable: false, value: methods });
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
