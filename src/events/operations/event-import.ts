/**
 * Streams a JSONL file into the `queue` table.
 *
 * Atomic (default): every line is validated and staged in a scratch SQLite
 * file ATTACHed for the import (on disk, so memory stays flat), then copied into `queue` in one short
 * transaction; any bad line or clash leaves the store untouched. Non-atomic:
 * each batch commits on its own and an error says which line to resume from.
 *
 * Re-importing is idempotent: a line whose id the store already holds with the
 * identical row (every column equal, JSON text byte for byte) is skipped and
 * counted; the same id with other content is a ConflictError naming the line.
 */
import { rmSync } from 'node:fs';
import { type S3liteError } from '../../core/errors.js';
import { checkOptions, invalidOption } from '../../core/options.js';
import { rowToEvent, type RawEventRow } from '../event-row.js';
import { removeStaleScratch, scratchPath, scratchSchema } from '../scratch-files.js';
import { decodeEventLine, jsonTextError, LINE_COLUMNS, lineError } from './event-line.js';
import type { EventStoreHandle } from './event-store-handle.js';
import { diagnoseClash, duplicateInFile } from './import-diagnostics.js';
import { importHooksOf, type ImportHook } from './import-hooks.js';
import { importInBatches } from './import-in-batches.js';
import { COLUMN_LIST, identicalSql, isConstraint, PLACEHOLDERS, rowValues } from './import-rows.js';
import { describeTarget, readLines, type ImportSource } from './line-io.js';

/** Options of `importFromJSONL`. Unknown keys throw `ValidationError`; on PostgreSQL only `onProgress` is accepted. */
export interface ImportOptions {
  /**
   * Keep the ids of the file. A line whose id the store already holds with the
   * identical row is skipped (counted in `skipped`): importing the same file twice
   * is harmless. The same id with other content is a ConflictError. With `false`
   * every line becomes a new event with an id after the store's last one, in file
   * order, and `causation_id`s pointing into the file are rewritten to the new ids
   * (nothing is skipped then: use it to append another log, not to re-import).
   * @default true
   */
  preserveIds?: boolean;
  /** Lines per staging (or, non-atomic, per commit) batch. @default 1000 */
  batchSize?: number;
  /**
   * `false` commits each batch as it goes; a failure then reports how many events
   * were committed and the `fromLine` to resume with. Requires `preserveIds`.
   * @default true
   */
  atomic?: boolean;
  /** Skip the lines before this one (resuming a non-atomic import). @default 1 */
  fromLine?: number;
  /**
   * Called after each batch: lines read so far, and events validated (atomic) or
   * committed (non-atomic). A throw rejects the import (batches a non-atomic
   * import already committed stay).
   * @default undefined — no progress reports
   */
  onProgress?: (progress: { lines: number; events: number }) => void;
}

/** What `importFromJSONL` resolves to once the import committed. */
export interface ImportResult {
  /** Events written. */
  imported: number;
  /** Lines skipped because the store already holds the identical event (same id, every column equal). */
  skipped: number;
  /** Last line number read. */
  lines: number;
  /** First id written (a new id when renumbered), null when nothing was imported. */
  firstId: number | null;
  /** Last id written (a new id when renumbered), null when nothing was imported. */
  lastId: number | null;
  /** The path read, `-` for stdin, or `(stream)` for a readable stream. */
  path: string;
}

const ROWS_PER_INSERT = 50;

function positiveInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw invalidOption(name, 'an integer from 1 and up', value);
  return value;
}

function resolveOptions(options: ImportOptions) {
  checkOptions('importFromJSONL', options, ['preserveIds', 'batchSize', 'atomic', 'fromLine', 'onProgress']);
  const preserveIds = options.preserveIds ?? true;
  const atomic = options.atomic ?? true;
  if (typeof preserveIds !== 'boolean') throw invalidOption('preserveIds', 'a boolean', preserveIds);
  if (typeof atomic !== 'boolean') throw invalidOption('atomic', 'a boolean', atomic);
  if (!atomic && !preserveIds) {
    throw invalidOption('preserveIds', 'true when `atomic` is false (a resumed import must map ids the same way)', preserveIds);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw invalidOption('onProgress', 'a function', options.onProgress);
  }
  return {
    preserveIds,
    atomic,
    batchSize: positiveInt('batchSize', options.batchSize, 1000),
    fromLine: positiveInt('fromLine', options.fromLine, 1),
    onProgress: options.onProgress,
  };
}

export type ResolvedImportOptions = ReturnType<typeof resolveOptions>;

/** Imports `source` into `queue`; see {@link ImportOptions}. */
export async function importEvents(queue: EventStoreHandle, source: ImportSource, options: ImportOptions = {}): Promise<ImportResult> {
  if (typeof source !== 'string' && (source === null || typeof source !== 'object' || typeof source.pipe !== 'function')) {
    throw invalidOption('path', 'a file path, "-" or a readable stream', source);
  }
  const resolved = resolveOptions(options);
  const hooks = importHooksOf(queue);
  // Cached reads are dropped only when rows were written (a fully skipped re-import changes nothing).
  const written = { any: false };
  try {
    return resolved.atomic
      ? await importAtomically(queue, source, resolved, hooks, written)
      : await importInBatches(queue, source, resolved, hooks, written);
  } finally {
    if (written.any) queue.clearCache?.();
  }
}

async function importAtomically(
  queue: EventStoreHandle,
  source: ImportSource,
  options: ResolvedImportOptions,
  hooks: ReadonlySet<ImportHook>,
  written: { any: boolean },
): Promise<ImportResult> {
  const { db } = queue;
  const dbFile = queue.dbName ?? db.name;
  // Files left by imports whose process was killed (see scratch-files.ts).
  removeStaleScratch(dbFile);
  // Staging lives in a scratch file ATTACHed for the import: TEMP tables may be held in
  // memory (temp_store), and memory must not grow with the file.
  const schema = scratchSchema();
  const scratch = scratchPath(dbFile, schema);
  db.prepare('ATTACH DATABASE ? AS ' + schema).run(scratch);
  try {
    db.pragma(`${schema}.journal_mode = MEMORY`); // scratch data: no journal file, rollback still works
    db.pragma(`${schema}.synchronous = OFF`);
    // Held from the first write to DETACH: tells other processes this file is in use.
    db.pragma(`${schema}.locking_mode = EXCLUSIVE`);
    const staged = await stage(queue, source, options, schema);
    const { imported, skipped, firstId, lastId } = db.transaction(() => copyStaged(queue, schema, staged, options.preserveIds, hooks)).immediate();
    written.any = imported > 0;
    options.onProgress?.({ lines: staged.lines, events: staged.count });
    return { imported, skipped, lines: staged.lines, firstId, lastId, path: describeTarget(source) };
  } finally {
    db.exec(`DETACH DATABASE ${schema}`);
    rmSync(scratch, { force: true });
  }
}

const NOTHING = 'Nothing was imported (the import is atomic).';

interface Staged {
  table: string;
  count: number;
  lines: number;
  /** Smallest and largest id in the file: no stored id in between means nothing can be skipped. */
  minId: number;
  maxId: number;
}

/** Validates every line into the scratch table `<schema>.events` (no indexes: faster; clashes surface in the copy). */
async function stage(queue: EventStoreHandle, source: ImportSource, options: ResolvedImportOptions, schema: string): Promise<Staged> {
  const { db } = queue;
  const table = `${schema}.events`;
  db.exec(`CREATE TABLE ${table} (seq INTEGER PRIMARY KEY, line INTEGER NOT NULL, ${COLUMN_LIST},
    CONSTRAINT data_json CHECK (data IS NULL OR json_valid(data)),
    CONSTRAINT metadata_json CHECK (metadata IS NULL OR json_valid(metadata)))`);
  const insertOne = db.prepare(`INSERT INTO ${table} (line, ${COLUMN_LIST}) VALUES (?, ${PLACEHOLDERS})`);
  // Many rows per statement: far fewer calls into SQLite than one row at a time.
  const insertMany = db.prepare(
    `INSERT INTO ${table} (line, ${COLUMN_LIST}) VALUES ${Array.from({ length: ROWS_PER_INSERT }, () => `(?, ${PLACEHOLDERS})`).join(', ')}`,
  );
  const stageOne = (row: RawEventRow, line: number) => {
    try {
      insertOne.run(line, ...rowValues(row));
    } catch (err) {
      const message = (err as Error).message;
      if (message.includes('data_json')) throw jsonTextError(line, 'data', row.data);
      if (message.includes('metadata_json')) throw jsonTextError(line, 'metadata', row.metadata);
      throw lineError(line, `${message}. ${NOTHING}`);
    }
  };
  const stageBatch = db.transaction((batch: [RawEventRow, number][]) => {
    let i = 0;
    for (; i + ROWS_PER_INSERT <= batch.length; i += ROWS_PER_INSERT) {
      const params: unknown[] = [];
      for (let j = i; j < i + ROWS_PER_INSERT; j += 1) {
        const [row, line] = batch[j] as [RawEventRow, number];
        params.push(line, ...rowValues(row));
      }
      try {
        insertMany.run(params);
      } catch {
        // Find the offending line: the failed statement wrote nothing, so redo these rows one by one.
        for (let j = i; j < i + ROWS_PER_INSERT; j += 1) stageOne(...(batch[j] as [RawEventRow, number]));
      }
    }
    for (; i < batch.length; i += 1) stageOne(...(batch[i] as [RawEventRow, number]));
  });
  const staged: Staged = { table, count: 0, lines: 0, minId: Infinity, maxId: -Infinity };
  let batch: [RawEventRow, number][] = [];
  for await (const chunk of readLines(source)) {
    for (const [text, line] of chunk) {
      staged.lines = line;
      if (line < options.fromLine) continue;
      let row: RawEventRow;
      try {
        row = decodeEventLine(text, line, false);
      } catch (err) {
        (err as S3liteError).message += ` ${NOTHING}`;
        throw err;
      }
      if (row.id < staged.minId) staged.minId = row.id;
      if (row.id > staged.maxId) staged.maxId = row.id;
      batch.push([row, line]);
      if (batch.length >= options.batchSize) {
        stageBatch(batch);
        staged.count += batch.length;
        batch = [];
        options.onProgress?.({ lines: staged.lines, events: staged.count });
      }
    }
  }
  stageBatch(batch);
  staged.count += batch.length;
  return staged;
}

/**
 * Records in `<schema>.skipped` the staged lines identical to a stored row, with
 * one join of the staged table against `queue` on id. Returns how many, or 0
 * (and no table) when no stored id lies in the file's id range.
 */
function markIdentical(queue: EventStoreHandle, schema: string, staged: Staged): number {
  const { db } = queue;
  const overlap = db.prepare('SELECT 1 FROM main.queue WHERE id BETWEEN ? AND ? LIMIT 1').pluck().get(staged.minId, staged.maxId);
  if (overlap === undefined) return 0;
  // id is the key: a file repeating an id fails here, and is reported as such.
  db.exec(`CREATE TABLE ${schema}.skipped (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)`);
  try {
    // CROSS JOIN keeps the staged table outside: one primary-key probe into `queue` per line.
    return db
      .prepare(
        `INSERT INTO ${schema}.skipped (id, seq) SELECT s.id, s.seq FROM ${staged.table} s CROSS JOIN main.queue q ON q.id = s.id
         WHERE ${identicalSql((c) => `s.${c}`)} ORDER BY s.seq`,
      )
      .run().changes;
  } catch (err) {
    if (!isConstraint(err, 'PRIMARYKEY')) throw err;
    throw duplicateInFile(db, schema, staged.table, NOTHING) ?? err;
  }
}

/** Runs inside the import transaction: skips identical rows, checks clashes, copies, runs the import hooks. */
function copyStaged(queue: EventStoreHandle, schema: string, staged: Staged, preserveIds: boolean, hooks: ReadonlySet<ImportHook>) {
  const { db } = queue;
  const stage = staged.table;
  const none = { imported: 0, skipped: 0, firstId: null, lastId: null };
  if (staged.count === 0) return none;
  const skipped = preserveIds ? markIdentical(queue, schema, staged) : 0;
  const skippedTable = skipped > 0 ? `${schema}.skipped` : null;
  if (skipped === staged.count) return { ...none, skipped };
  const copied = skippedTable ? `WHERE NOT EXISTS (SELECT 1 FROM ${skippedTable} k WHERE k.id = s.id AND k.seq = s.seq)` : '';
  // New ids continue after both the highest id and AUTOINCREMENT's high-water mark.
  const base = preserveIds
    ? 0
    : (db
        .prepare(
          `SELECT max(coalesce((SELECT max(id) FROM main.queue), 0),
                      coalesce((SELECT seq FROM main.sqlite_sequence WHERE name = 'queue'), 0))`,
        )
        .pluck()
        .get() as number);
  const newId = preserveIds ? 's.id' : `${base} + s.seq`;
  const causation = preserveIds ? 's.causation_id' : `coalesce(${base} + p.seq, s.causation_id)`;
  const selected = LINE_COLUMNS.map((c) => (c === 'id' ? newId : c === 'causation_id' ? causation : `s.${c}`)).join(', ');
  if (!preserveIds) db.exec(`CREATE INDEX ${schema}.events_id ON events (id)`);
  const parents = preserveIds ? '' : `LEFT JOIN ${stage} p ON p.id = s.causation_id`;
  try {
    db.prepare(`INSERT INTO main.queue (${COLUMN_LIST}) SELECT ${selected} FROM ${stage} s ${parents} ${copied} ORDER BY s.seq`).run();
  } catch (err) {
    if (!isConstraint(err, 'PRIMARYKEY') && !isConstraint(err, 'UNIQUE')) throw err;
    throw diagnoseClash(db, schema, stage, preserveIds, skippedTable, NOTHING) ?? err;
  }

  if (hooks.size > 0) {
    const where = skippedTable ? `AND NOT EXISTS (SELECT 1 FROM ${skippedTable} k WHERE k.id = s.id AND k.seq = s.seq)` : '';
    const page = db.prepare(
      `SELECT s.seq AS s3lite_seq, ${LINE_COLUMNS.map((c) => `q.${c}`).join(', ')} FROM ${stage} s
       JOIN main.queue q ON q.id = ${newId} WHERE s.seq > ? ${where} ORDER BY s.seq LIMIT 1000`,
    );
    for (let after = 0; ; ) {
      const rows = page.all(after) as (RawEventRow & { s3lite_seq: number })[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const event = rowToEvent(row);
        for (const hook of hooks) hook(event);
      }
      after = (rows[rows.length - 1] as { s3lite_seq: number }).s3lite_seq;
    }
  }
  return { imported: staged.count - skipped, skipped, ...writtenIds(db, staged, base, preserveIds, copied) };
}

/** First and last id written; known without reading the staged rows again unless some were skipped. */
function writtenIds(db: EventStoreHandle['db'], staged: Staged, base: number, preserveIds: boolean, copied: string) {
  // Staged seqs are 1..count: renumbered ids are base + seq.
  if (!preserveIds) return { firstId: base + 1, lastId: base + staged.count };
  if (copied === '') return { firstId: staged.minId, lastId: staged.maxId };
  return db.prepare(`SELECT min(s.id) AS firstId, max(s.id) AS lastId FROM ${staged.table} s ${copied}`).get() as {
    firstId: number;
    lastId: number;
  };
}
