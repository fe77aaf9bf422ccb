/**
 * A model's tables as data, for snapshots. Two shapes:
 * - ours (version 2): `{ columns, rows }` per table plus AUTOINCREMENT sequences;
 *   blobs kept as `{ $blob: base64 }`, so JSON keeps every value;
 * - eventlite's (version 1): `{ schema, data }` per table, rows as objects, which
 *   `extractModelState` returns and `restoreModelState` / `restoreSnapshot` accept.
 */
import type Database from 'better-sqlite3';
import { ValidationError } from '../core/errors.js';
import type { Model } from './model-types.js';

export interface StoredModelState {
  version: 2;
  tables: Record<string, { columns: string[]; rows: unknown[][] }>;
  /** sqlite_sequence values of AUTOINCREMENT tables, so new ids continue as in a full replay. */
  sequences: Record<string, number>;
}

/**
 * eventlite-sourcing's `ModelState`: what `extractModelState` returns and
 * `restoreModelState` accepts.
 */
export interface ModelState {
  /** Shape of the state: 1 for this (eventlite's) form. */
  version: number;
  /** Per model table: `schema` is SQLite's `PRAGMA table_info` rows, `data` every row as an object. */
  tables: Record<string, { schema: unknown[]; data: Array<Record<string, unknown>> }>;
}

export const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function encodeValue(value: unknown): unknown {
  return Buffer.isBuffer(value) ? { $blob: value.toString('base64') } : value;
}

function decodeValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { $blob?: unknown }).$blob === 'string') {
    return Buffer.from((value as { $blob: string }).$blob, 'base64');
  }
  return value;
}

/** The model's connection; throws for a stub or a model without a database. */
export function modelDb(model: Model): Database.Database {
  const db = (model as Model | null | undefined)?._db as Database.Database | undefined;
  if (!db || typeof db.prepare !== 'function') {
    throw new ValidationError('Invalid model: it has no database (a stub model?); snapshots need a model from modelSetup() with a dbName.');
  }
  return db;
}

/** The model's own tables (not the event log, SQLite's or s3lite's bookkeeping, nor `skip`). */
export function modelTables(db: Database.Database, skip?: string): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[])
    .filter((name) => name !== 'queue' && name !== 'pending_events' && name !== 'wait_conditions' && name !== skip && !name.startsWith('sqlite_') && !name.startsWith('s3lite_'))
    .sort();
}

function hasSequence(db: Database.Database): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`).get() !== undefined;
}

/** Reads the tables in our format; call inside a read transaction for one consistent view. */
export function readState(db: Database.Database, tables: readonly string[]): StoredModelState {
  const state: StoredModelState = { version: 2, tables: {}, sequences: {} };
  for (const name of tables) {
    const select = db.prepare(`SELECT * FROM ${quote(name)}`).raw();
    state.tables[name] = { columns: select.columns().map((c) => c.name), rows: (select.all() as unknown[][]).map((row) => row.map(encodeValue)) };
  }
  if (hasSequence(db)) {
    for (const { name, seq } of db.prepare(`SELECT name, seq FROM sqlite_sequence`).all() as Array<{ name: string; seq: number }>) {
      if (tables.includes(name)) state.sequences[name] = seq;
    }
  }
  return state;
}

/** eventlite's shape: schema (PRAGMA table_info) and rows as objects. */
export function readEventliteState(db: Database.Database, tables: readonly string[]): ModelState {
  const state: ModelState = { version: 1, tables: {} };
  for (const name of tables) {
    state.tables[name] = {
      schema: db.prepare(`PRAGMA table_info(${quote(name)})`).all(),
      data: db.prepare(`SELECT * FROM ${quote(name)}`).all() as Array<Record<string, unknown>>,
    };
  }
  return state;
}

/** Our format from either shape (eventlite's rows as objects become columns + rows). */
export function toStoredState(state: unknown): StoredModelState {
  const s = state as { version?: unknown; tables?: unknown } | null;
  if (!s || typeof s !== 'object' || typeof s.tables !== 'object' || s.tables === null) {
    throw new ValidationError('Invalid model state: expected { tables, version } as extractModelState returns.');
  }
  if (s.version === 2) return s as StoredModelState;
  const out: StoredModelState = { version: 2, tables: {}, sequences: {} };
  for (const [name, table] of Object.entries(s.tables as Record<string, { data?: unknown }>)) {
    const data = Array.isArray(table?.data) ? (table.data as Array<Record<string, unknown>>) : [];
    const columns = data.length > 0 ? Object.keys(data[0]!) : [];
    out.tables[name] = { columns, rows: data.map((row) => columns.map((column) => row[column])) };
  }
  return out;
}

/**
 * Replaces every model table's rows with `state`'s (and the AUTOINCREMENT
 * sequences), inside the caller's transaction. A table in the state that the
 * model lacks is refused before anything is deleted.
 */
export function writeState(db: Database.Database, state: StoredModelState, current: readonly string[], label: string): void {
  for (const name of Object.keys(state.tables)) {
    if (!current.includes(name)) {
      throw new ValidationError(`${label} holds table \`${name}\`, which the model's database lacks; set the model up with the same tables first.`);
    }
  }
  for (const name of current) db.prepare(`DELETE FROM ${quote(name)}`).run();
  for (const [name, table] of Object.entries(state.tables)) {
    if (table.rows.length === 0) continue;
    const insert = db.prepare(`INSERT INTO ${quote(name)} (${table.columns.map(quote).join(', ')}) VALUES (${table.columns.map(() => '?').join(', ')})`);
    for (const row of table.rows) insert.run(...row.map((value) => (typeof value === 'boolean' ? Number(value) : decodeValue(value))));
  }
  if (hasSequence(db)) {
    const clear = db.prepare(`DELETE FROM sqlite_sequence WHERE name = ?`);
    const set = db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`);
    for (const name of current) {
      clear.run(name);
      const seq = state.sequences[name];
      if (seq !== undefined) set.run(name, seq);
    }
  }
}
