/**
 * Snapshots: a model's tables saved together with the log position they
 * reflect (read in one snapshot of the model's file), restored atomically, so
 * restore + replay from `replayFrom` equals a full replay.
 */
import type Database from 'better-sqlite3';
import { ConflictError, invalidOption, ValidationError } from '../core/errors.js';
import { acquireConnection, releaseConnection, type CompatDatabase } from './connection.js';
import { MODEL_INTERNALS, type Model } from './model-types.js';

export interface SnapshotManagerOptions {
  /** File holding the snapshots. @default 'data/snapshots.sqlite' */
  dbName?: string;
  /** @default true */
  WAL?: boolean;
  noWAL?: boolean;
  init?: { create?: boolean; readonly?: boolean; strict?: boolean };
}

export interface SnapshotInfo {
  success: true;
  snapshotId: number;
  eventId: number;
  modelName: string;
}

export interface RestoreResult {
  success: boolean;
  snapshotId?: number;
  eventId?: number;
  /** First event id to replay after the restore. */
  replayFrom: number;
  metadata?: Record<string, unknown>;
  error?: string;
}

interface TableState {
  columns: string[];
  rows: unknown[][];
}

interface ModelState {
  version: 2;
  tables: Record<string, TableState>;
  /** sqlite_sequence values of AUTOINCREMENT tables, so new ids continue as in a full replay. */
  sequences: Record<string, number>;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function encodeValue(value: unknown): unknown {
  return Buffer.isBuffer(value) ? { $blob: value.toString('base64') } : value;
}

function decodeValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { $blob?: unknown }).$blob === 'string') {
    return Buffer.from((value as { $blob: string }).$blob, 'base64');
  }
  return value;
}

function modelDb(model: Model): Database.Database {
  const db = model?._db as Database.Database | undefined;
  if (!db || typeof db.prepare !== 'function') {
    throw new ValidationError('This model has no database (a stub model?); snapshots need a model from modelSetup() with a dbName.');
  }
  return db;
}

export class SnapshotManager {
  /** The connection of the snapshot file. */
  readonly db: CompatDatabase;
  readonly #save: Database.Statement;
  readonly #latest: Database.Statement;
  readonly #list: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #deleteOld: Database.Statement;

  /**
   * @example
   * const snapshots = new SnapshotManager({ dbName: 'data/snapshots.sqlite' });
   * await snapshots.createSnapshot('orders', null, model); // at the model's current position
   */
  constructor(options: SnapshotManagerOptions = {}) {
    const dbName = options.dbName ?? 'data/snapshots.sqlite';
    if (typeof dbName !== 'string' || dbName === '') throw invalidOption('dbName', 'a non-empty file path', dbName);
    this.db = acquireConnection(dbName, { readonly: options.init?.readonly ?? false, fileMustExist: options.init?.create === false });
    if (!this.db.readonly && (options.WAL ?? !(options.noWAL ?? false)) && this.db.name !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS snapshots (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      event_id INTEGER NOT NULL,
      model_name TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      state TEXT NOT NULL,
      metadata TEXT,
      UNIQUE(model_name, event_id)
    )`);
    this.#save = this.db.prepare(
      `INSERT OR REPLACE INTO snapshots (event_id, model_name, created_at, state, metadata) VALUES (?, ?, ?, ?, ?)`,
    );
    this.#latest = this.db.prepare(`SELECT * FROM snapshots WHERE model_name = ? AND event_id <= ? ORDER BY event_id DESC LIMIT 1`);
    this.#list = this.db.prepare(
      `SELECT id, event_id, model_name, created_at, metadata FROM snapshots WHERE model_name = ? ORDER BY event_id DESC LIMIT ? OFFSET ?`,
    );
    this.#delete = this.db.prepare(`DELETE FROM snapshots WHERE model_name = ? AND event_id = ?`);
    this.#deleteOld = this.db.prepare(`DELETE FROM snapshots WHERE model_name = ? AND event_id < ?`);
  }

  #modelTables(db: Database.Database): string[] {
    const names = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]).filter(
      (name) => name !== 'queue' && !name.startsWith('sqlite_') && !name.startsWith('s3lite_') && !(db === this.db && name === 'snapshots'),
    );
    return names.sort();
  }

  /**
   * Saves the model's tables with the log position they reflect. `eventId` may be
   * omitted for models from `modelSetup` (their position is tracked); if given, it
   * must match that position.
   */
  async createSnapshot(modelName: string, eventId: number | null | undefined, model: Model, metadata: Record<string, unknown> = {}): Promise<SnapshotInfo> {
    if (typeof modelName !== 'string' || modelName === '') throw invalidOption('modelName', 'a non-empty string', modelName);
    const db = modelDb(model);
    const internals = model[MODEL_INTERNALS];
    const read = db.transaction(() => {
      const position = internals ? internals.getPosition() : null;
      const state: ModelState = { version: 2, tables: {}, sequences: {} };
      const tables = this.#modelTables(db);
      for (const name of tables) {
        const select = db.prepare(`SELECT * FROM ${quote(name)}`).raw();
        const columns = select.columns().map((c) => c.name);
        state.tables[name] = { columns, rows: (select.all() as unknown[][]).map((row) => row.map(encodeValue)) };
      }
      const hasSequence = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`).get() !== undefined;
      if (hasSequence) {
        for (const { name, seq } of db.prepare(`SELECT name, seq FROM sqlite_sequence`).all() as Array<{ name: string; seq: number }>) {
          if (tables.includes(name)) state.sequences[name] = seq;
        }
      }
      return { position, state };
    });
    const { position, state } = db.inTransaction ? read() : read.deferred();
    let at: number;
    if (position !== null) {
      if (eventId !== null && eventId !== undefined && eventId !== position) {
        throw new ConflictError(
          `The model reflects the log up to event ${position}, not ${eventId}; a snapshot labelled ${eventId} would replay the wrong events. Omit eventId (or pass ${position}).`,
          { details: { modelName, eventId, position } },
        );
      }
      at = position;
    } else {
      if (!Number.isInteger(eventId) || (eventId as number) < 0) {
        throw invalidOption('eventId', 'the id of the last event this model reflects (required for models not made by modelSetup)', eventId);
      }
      at = eventId as number;
    }
    const result = this.#save.run(at, modelName, Date.now(), JSON.stringify(state), JSON.stringify(metadata));
    return { success: true, snapshotId: Number(result.lastInsertRowid), eventId: at, modelName };
  }

  /**
   * Replaces the model's tables with the latest snapshot at or before `eventId`
   * (default: the latest), in one transaction. Replay from `replayFrom` afterwards.
   */
  async restoreSnapshot(modelName: string, eventId: number = Number.MAX_SAFE_INTEGER, model: Model): Promise<RestoreResult> {
    const db = modelDb(model);
    const snapshot = this.#latest.get(modelName, eventId) as
      | { id: number; event_id: number; state: string; metadata: string | null }
      | undefined;
    if (!snapshot) return { success: false, error: 'No snapshot found', replayFrom: 0 };
    const state = JSON.parse(snapshot.state) as ModelState;
    if (state.version !== 2) throw new ValidationError(`Snapshot ${snapshot.id} has an unknown format (version ${String(state.version)}); take a new snapshot.`);
    const internals = model[MODEL_INTERNALS];
    const restore = db.transaction(() => {
      const current = this.#modelTables(db);
      for (const name of Object.keys(state.tables)) {
        if (!current.includes(name)) {
          throw new ValidationError(`Snapshot ${snapshot.id} holds table \`${name}\`, which the model's database lacks; set the model up with the same tables first.`);
        }
      }
      for (const name of current) db.prepare(`DELETE FROM ${quote(name)}`).run();
      for (const [name, table] of Object.entries(state.tables)) {
        if (table.rows.length === 0) continue;
        const insert = db.prepare(
          `INSERT INTO ${quote(name)} (${table.columns.map(quote).join(', ')}) VALUES (${table.columns.map(() => '?').join(', ')})`,
        );
        for (const row of table.rows) insert.run(...row.map(decodeValue));
      }
      const hasSequence = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`).get() !== undefined;
      if (hasSequence) {
        const clear = db.prepare(`DELETE FROM sqlite_sequence WHERE name = ?`);
        const set = db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`);
        for (const name of current) {
          clear.run(name);
          const seq = state.sequences[name];
          if (seq !== undefined) set.run(name, seq);
        }
      }
      internals?.setPosition(snapshot.event_id);
    });
    if (db.inTransaction) restore();
    else restore.immediate();
    return {
      success: true,
      snapshotId: snapshot.id,
      eventId: snapshot.event_id,
      replayFrom: snapshot.event_id + 1,
      metadata: JSON.parse(snapshot.metadata ?? '{}'),
    };
  }

  listSnapshots(modelName: string, limit = 10, offset = 0): Array<{ id: number; event_id: number; model_name: string; created_at: number; metadata: Record<string, unknown> }> {
    return (this.#list.all(modelName, limit, offset) as Array<{ id: number; event_id: number; model_name: string; created_at: number; metadata: string | null }>).map(
      (row) => ({ ...row, metadata: JSON.parse(row.metadata ?? '{}') }),
    );
  }

  deleteSnapshot(modelName: string, eventId: number): boolean {
    return this.#delete.run(modelName, eventId).changes > 0;
  }

  /** Deletes snapshots older than `eventId`; returns how many. */
  deleteOldSnapshots(modelName: string, eventId: number): number {
    return this.#deleteOld.run(modelName, eventId).changes;
  }

  close(): void {
    releaseConnection(this.db);
  }
}

/** eventlite's factory: `new SnapshotManager(options)`. */
export function initSnapshots(options: SnapshotManagerOptions = {}): SnapshotManager {
  return new SnapshotManager(options);
}
