/**
 * Snapshots: a model's tables saved together with the log position they
 * reflect (read in one snapshot of the model's file), restored atomically, so
 * restore + replay from `replayFrom` equals a full replay.
 */
import type Database from 'better-sqlite3';
import { ConflictError } from '../core/errors.js';
import { checkOptions, invalidOption } from '../core/options.js';
import { acquireConnection, releaseConnection, type CompatDatabase } from './connection.js';
import { MODEL_INTERNALS, type Model } from './model-types.js';
import { modelDb, modelTables, readEventliteState, readState, toStoredState, writeState, type ModelState, type StoredModelState } from './model-state.js';

export type { ModelState } from './model-state.js';

/** Options of `new SnapshotManager(options)` / `initSnapshots(options)` (eventlite's). Unknown keys throw `ValidationError`. */
export interface SnapshotManagerOptions {
  /** File holding the snapshots (its `snapshots` table); may be the model's or the queue's file. @default 'data/snapshots.sqlite' */
  dbName?: string;
  /** Switch the file to journal_mode=WAL on open (false leaves its journal mode as it is). @default true */
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

/** What `createSnapshot` resolves to (eventlite's `CreateSnapshotResult`). */
export interface SnapshotInfo {
  /** False when the snapshot was not saved (`error` says why); `createSnapshot` never rejects. */
  success: boolean;
  /** Id of the saved snapshot row. */
  snapshotId?: number;
  /** The log position the snapshot reflects: the last event id applied to the model. */
  eventId?: number;
  /** The name the snapshot is kept under. */
  modelName?: string;
  /** Why it failed (`success: false`). */
  error?: string;
  /** The failure's s3lite code (`CONFLICT` when the model reflects another position). */
  code?: string;
}

/** What `restoreSnapshot` resolves to (eventlite's shape); it never rejects. */
export interface RestoreResult {
  /** False when nothing was restored (`error` says why: no snapshot, a stub model…); the model is then unchanged. */
  success: boolean;
  /** Id of the snapshot restored. */
  snapshotId?: number;
  /** The log position the restored snapshot reflects. */
  eventId?: number;
  /** First event id to replay after the restore (`eventId + 1`; 0 when nothing was restored). */
  replayFrom: number;
  /** The metadata given to `createSnapshot`. */
  metadata?: Record<string, unknown>;
  /** Why nothing was restored (`success: false`). */
  error?: string;
}

/**
 * Snapshots of a model's tables (eventlite-sourcing's `SnapshotManager`): each one
 * saves every model table together with the log position it reflects, read in one
 * snapshot of the model's file, and restores atomically, so restore + replay from
 * `replayFrom` equals a full replay. Failures resolve `{ success: false, error }`
 * as in eventlite instead of rejecting.
 *
 * @example
 * const snapshots = initSnapshots({ dbName: 'data/snapshots.sqlite' });
 * await snapshots.createSnapshot('orders', null, model); // at the model's current position
 * const { success, replayFrom } = await snapshots.restoreSnapshot('orders', null, model);
 * if (success) queue.cycleThrough(model, undefined, undefined, { start: replayFrom });
 */
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
    checkOptions('initSnapshots', options, ['dbName', 'WAL', 'noWAL', 'init']);
    if (options.init !== undefined) checkOptions('initSnapshots', options.init, ['create', 'readonly', 'strict'], 'init.');
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
    return modelTables(db, db === this.db ? 'snapshots' : undefined);
  }

  /** eventlite's `{ tables: { name: { schema, data } }, version }` of the model's tables. */
  async extractModelState(model: Model): Promise<ModelState> {
    const db = modelDb(model);
    const read = db.transaction(() => readEventliteState(db, this.#modelTables(db)));
    return db.inTransaction ? read() : read.deferred();
  }

  /**
   * Replaces the model's rows with `state` (from `extractModelState`, or a stored
   * snapshot's) in one transaction. A stub model is left as is (eventlite).
   */
  async restoreModelState(model: Model, state: ModelState | StoredModelState): Promise<void> {
    const db = (model as Model | undefined)?._db as Database.Database | undefined;
    if (!db || typeof db.prepare !== 'function') return;
    const stored = toStoredState(state);
    const write = db.transaction(() => writeState(db, stored, this.#modelTables(db), 'The state'));
    if (db.inTransaction) write();
    else write.immediate();
  }

  /**
   * Saves the model's tables with the log position they reflect. For models from
   * `modelSetup` the position is tracked: `eventId` may be omitted (or null), and
   * one that differs from a known position is refused (`success: false`, code
   * `CONFLICT`), since restoring it would replay the wrong events. Failures resolve
   * `{ success: false, error }` as in eventlite.
   */
  async createSnapshot(modelName: string, eventId: number | null | undefined, model: Model, metadata: Record<string, unknown> = {}): Promise<SnapshotInfo> {
    try {
      return this.#create(modelName, eventId, model, metadata);
    } catch (err) {
      return { success: false, error: err instanceof Error ? err.message : String(err), code: (err as { code?: string }).code };
    }
  }

  #create(modelName: string, eventId: number | null | undefined, model: Model, metadata: Record<string, unknown>): SnapshotInfo {
    if (typeof modelName !== 'string' || modelName === '') throw invalidOption('modelName', 'a non-empty string', modelName);
    const db = modelDb(model);
    const internals = model[MODEL_INTERNALS];
    const read = db.transaction(() => ({ position: internals ? internals.getPosition() : 0, state: readState(db, this.#modelTables(db)) }));
    const { position, state } = db.inTransaction ? read() : read.deferred();
    const given = eventId !== null && eventId !== undefined;
    if (given && (!Number.isInteger(eventId) || eventId < 0)) throw invalidOption('eventId', 'the id of the last event the model reflects', eventId);
    // Position 0: the model never applied an event through s3lite, so we do not know better than the caller.
    if (given && position > 0 && eventId !== position) {
      throw new ConflictError(
        `The model reflects the log up to event ${position}, not ${eventId}; a snapshot labelled ${eventId} would replay the wrong events after a restore. Pass ${position} (or omit eventId).`,
        { details: { modelName, eventId, position } },
      );
    }
    if (!given && position === 0 && !internals) {
      throw invalidOption('eventId', 'the id of the last event this model reflects (required for models not made by modelSetup)', eventId);
    }
    const at = given ? eventId : position;
    const result = this.#save.run(at, modelName, Date.now(), JSON.stringify(state), JSON.stringify(metadata));
    return { success: true, snapshotId: Number(result.lastInsertRowid), eventId: at, modelName };
  }

  /**
   * Replaces the model's tables with the latest snapshot at or before `eventId`
   * (default: the latest), in one transaction. Replay from `replayFrom` afterwards.
   */
  async restoreSnapshot(modelName: string, eventId: number | null | undefined, model: Model): Promise<RestoreResult> {
    try {
      return this.#restore(modelName, eventId ?? Number.MAX_SAFE_INTEGER, model);
    } catch (err) {
      return { success: false, error: err instanceof Error ? err.message : String(err), replayFrom: 0 };
    }
  }

  #restore(modelName: string, eventId: number, model: Model): RestoreResult {
    const db = modelDb(model);
    const snapshot = this.#latest.get(modelName, eventId) as { id: number; event_id: number; state: string; metadata: string | null } | undefined;
    if (!snapshot) return { success: false, error: 'No snapshot found', replayFrom: 0 };
    const state = toStoredState(JSON.parse(snapshot.state));
    const internals = model[MODEL_INTERNALS];
    const restore = db.transaction(() => {
      writeState(db, state, this.#modelTables(db), `Snapshot ${snapshot.id}`);
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

  /** The snapshots kept under `modelName`, newest position first, without their state (`created_at` in ms). */
  listSnapshots(modelName: string, limit = 10, offset = 0): Array<{ id: number; event_id: number; model_name: string; created_at: number; metadata: Record<string, unknown> }> {
    return (this.#list.all(modelName, limit, offset) as Array<{ id: number; event_id: number; model_name: string; created_at: number; metadata: string | null }>).map(
      (row) => ({ ...row, metadata: JSON.parse(row.metadata ?? '{}') }),
    );
  }

  /** Deletes the snapshot of `modelName` at `eventId`; false when there was none. */
  deleteSnapshot(modelName: string, eventId: number): boolean {
    return this.#delete.run(modelName, eventId).changes > 0;
  }

  /** Deletes snapshots older than `eventId`; returns how many. */
  deleteOldSnapshots(modelName: string, eventId: number): number {
    return this.#deleteOld.run(modelName, eventId).changes;
  }

  /** Releases the snapshot file's connection (closed once no queue or model in this process shares it). */
  close(): void {
    releaseConnection(this.db);
  }
}

/** eventlite's factory: `new SnapshotManager(options)`. */
export function initSnapshots(options: SnapshotManagerOptions = {}): SnapshotManager {
  return new SnapshotManager(options);
}
