/**
 * The event table, its migrations and its indexes.
 *
 * The table is eventlite-sourcing's `queue` (same name, same columns), so a file
 * written by eventlite opens as-is; missing columns are added on open.
 */
import { ValidationError } from '../core/errors.js';
import type { SqliteDatabase } from './connection.js';
import { INDEX_NAMES, type IndexName } from './options.js';

export const CREATE_QUEUE_TABLE = `CREATE TABLE IF NOT EXISTS queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  version INTEGER DEFAULT 1,
  datetime INTEGER NOT NULL,
  user TEXT,
  ip TEXT,
  cmd TEXT NOT NULL,
  data TEXT,
  correlation_id TEXT,
  causation_id INTEGER,
  metadata TEXT,
  stream TEXT,
  stream_version INTEGER
)`;

/** Columns added to older files, in the order eventlite's versions introduced them. */
const ADDED_COLUMNS: ReadonlyArray<[name: string, definition: string]> = [
  ['version', 'INTEGER DEFAULT 1'],
  ['correlation_id', 'TEXT'],
  ['causation_id', 'INTEGER'],
  ['metadata', 'TEXT'],
  ['stream', 'TEXT'],
  ['stream_version', 'INTEGER'],
];

/** SQLite index per seed index name; names match eventlite's so its files' indexes are recognised. */
export const INDEX_DEFINITIONS: Record<IndexName, { name: string; columns: string }> = {
  correlation_id: { name: 'idx_correlation_id', columns: 'correlation_id' },
  causation_id: { name: 'idx_causation_id', columns: 'causation_id' },
  cmd: { name: 'idx_cmd', columns: 'cmd' },
  user: { name: 'idx_user', columns: 'user' },
  datetime: { name: 'idx_datetime', columns: 'datetime' },
  version: { name: 'idx_version', columns: 'version' },
  correlation_cmd: { name: 'idx_composite_correlation_cmd', columns: 'correlation_id, cmd' },
  user_datetime: { name: 'idx_composite_user_datetime', columns: 'user, datetime' },
};

/**
 * Optimistic concurrency: one event per (stream, stream_version). Partial, so
 * events without a stream cost nothing here.
 */
const STREAM_INDEX = `CREATE UNIQUE INDEX IF NOT EXISTS idx_stream_version ON queue(stream, stream_version) WHERE stream IS NOT NULL`;

function existingColumns(db: SqliteDatabase): Set<string> {
  const rows = db.prepare(`PRAGMA table_info(queue)`).all() as Array<{ name: string }>;
  return new Set(rows.map((row) => row.name));
}

function hasStreamIndex(db: SqliteDatabase): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'idx_stream_version'`).get() !== undefined;
}

/**
 * Creates or migrates the `queue` table and its stream index, in one transaction.
 * The schema is read first: an initialised file is opened without taking the
 * write lock, so opening never waits for (or times out behind) another writer.
 */
export function ensureQueueSchema(db: SqliteDatabase, readonly: boolean): void {
  const columns = existingColumns(db);
  const missing = columns.size === 0 ? [] : ADDED_COLUMNS.filter(([name]) => !columns.has(name));
  if (readonly) {
    if (columns.size === 0 || missing.length > 0) {
      throw new ValidationError(
        `The event table is ${columns.size === 0 ? 'missing' : `missing columns ${missing.map(([n]) => n).join(', ')}`}; a read-only queue cannot create or migrate it. Open the file once without \`init.readonly\`.`,
      );
    }
    return;
  }
  if (columns.size > 0 && missing.length === 0 && hasStreamIndex(db)) return;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const now = existingColumns(db);
    db.exec(CREATE_QUEUE_TABLE);
    for (const [name, definition] of ADDED_COLUMNS) if (now.size > 0 && !now.has(name)) db.exec(`ALTER TABLE queue ADD COLUMN ${name} ${definition}`);
    db.exec(STREAM_INDEX);
  }).immediate();
}

/** Creates the enabled indexes and drops the disabled ones; takes the write lock only when one must change. */
export function applyIndexes(db: SqliteDatabase, indexes: Record<IndexName, boolean>): void {
  const present = new Set(presentIndexes(db));
  if (INDEX_NAMES.every((key) => present.has(key) === indexes[key])) return;
  db.transaction(() => {
    for (const key of INDEX_NAMES) {
      const { name, columns } = INDEX_DEFINITIONS[key];
      db.exec(indexes[key] ? `CREATE INDEX IF NOT EXISTS ${name} ON queue(${columns})` : `DROP INDEX IF EXISTS ${name}`);
    }
  }).immediate();
}

/** Names of the seed indexes present in the file right now. */
export function presentIndexes(db: SqliteDatabase): IndexName[] {
  const names = new Set(
    (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'queue'`).all() as Array<{ name: string }>).map(
      (row) => row.name,
    ),
  );
  return INDEX_NAMES.filter((key) => names.has(INDEX_DEFINITIONS[key].name));
}
