/**
 * Streams a JSONL file into the `queue` table.
 *
 * Atomic (default): every line is validated and staged in a scratch SQLite
 * file ATTACHed for the import (on disk, so memory stays flat), then copied into `queue` in one short
 * transaction; any bad line or clash leaves the store untouched. Non-atomic:
 * each batch commits on its own and an error says which line to resume from.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invalidOption, type S3liteError } from '../../core/errors.js';
import { EVENT_COLUMNS, rowToEvent, type RawEventRow } from '../event-row.js';
import { decodeEventLine, jsonTextError, lineError } from './event-line.js';
import type { EventStoreHandle } from './event-store-handle.js';
import { diagnoseClash, idClash, streamClash } from './import-diagnostics.js';
import { importHooksOf, type ImportHook } from './import-hooks.js';
import { describeTarget, readLines, type ImportSource } from './line-io.js';

export interface ImportOptions {
  /**
   * Keep the ids of the file. Then an id already in the store is a ConflictError;
   * with `false` events get new ids after the store's last one, in file order, and
   * `causation_id`s pointing into the file are rewritten to the new ids.
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
  /** Called after each batch: lines read so far, and events validated (atomic) or committed (non-atomic). */
  onProgress?: (progress: { lines: number; events: number }) => void;
}

export interface ImportResult {
  imported: number;
  /** Last line number read. */
  lines: number;
  /** Id range written (new ids when renumbered), null when nothing was imported. */
  firstId: number | null;
  lastId: number | null;
  path: string;
}

const COLUMN_LIST = EVENT_COLUMNS;
const ROWS_PER_INSERT = 50;
const PLACEHOLDERS = EVENT_COLUMNS.split(', ').map(() => '?').join(', ');

function values(row: RawEventRow): unknown[] {
  return [
    row.id, row.version, row.datetime, row.user, row.ip, row.cmd, row.data,
    row.correlation_id, row.causation_id, row.metadata, row.stream, row.stream_version,
  ];
}

function positiveInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw invalidOption(name, 'an integer from 1 and up', value);
  return value;
}

function resolveOptions(options: ImportOptions) {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object', options);
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

function isConstraint(err: unknown, kind: string): boolean {
  return (err as { code?: string }).code === `SQLITE_CONSTRAINT_${kind}`;
}

/** Imports `source` into `queue`; see {@link ImportOptions}. */
export async function importEvents(queue: EventStoreHandle, source: ImportSource, options: ImportOptions = {}): Promise<ImportResult> {
  if (typeof source !== 'string' && (source === null || typeof source !== 'object' || typeof source.pipe !== 'function')) {
    throw invalidOption('path', 'a file path, "-" or a readable stream', source);
  }
  const resolved = resolveOptions(options);
  const hooks = importHooksOf(queue);
  try {
    return resolved.atomic
      ? await importAtomically(queue, source, resolved, hooks)
      : await importInBatches(queue, source, resolved, hooks);
  } finally {
    queue.clearCache?.();
  }
}

type Resolved = ReturnType<typeof resolveOptions>;

async function importAtomically(queue: EventStoreHandle, source: ImportSource, options: Resolved, hooks: ReadonlySet<ImportHook>): Promise<ImportResult> {
  const { db } = queue;
  const nothing = 'Nothing was imported (the import is atomic).';
  // Staging lives in a scratch file ATTACHed for the import: TEMP tables may be held in
  // memory (temp_store), and memory must not grow with the file.
  const schema = `s3lite_import_${randomBytes(6).toString('hex')}`;
  const scratch = scratchPath(queue, schema);
  db.prepare('ATTACH DATABASE ? AS ' + schema).run(scratch);
  const stage = `${schema}.events`;
  try {
    db.pragma(`${schema}.journal_mode = MEMORY`); // scratch data: no journal file, rollback still works
    db.pragma(`${schema}.synchronous = OFF`);
    return await stageAndCopy(queue, source, options, hooks, schema, stage, nothing);
  } finally {
    db.exec(`DETACH DATABASE ${schema}`);
    rmSync(scratch, { force: true });
  }
}

/** Next to the event store (same disk), or in the OS temp directory for in-memory stores. */
function scratchPath(queue: EventStoreHandle, schema: string): string {
  const file = queue.dbName ?? queue.db.name;
  const onDisk = file !== '' && file !== ':memory:' && !file.startsWith('file::memory:');
  return onDisk ? `${file}.${schema}` : join(tmpdir(), `${schema}.sqlite`);
}

async function stageAndCopy(
  queue: EventStoreHandle,
  source: ImportSource,
  options: Resolved,
  hooks: ReadonlySet<ImportHook>,
  schema: string,
  stage: string,
  nothing: string,
): Promise<ImportResult> {
  const { db } = queue;
  // No indexes while staging (faster); duplicates surface as constraint errors in the copy.
  db.exec(`CREATE TABLE ${stage} (seq INTEGER PRIMARY KEY, line INTEGER NOT NULL, ${COLUMN_LIST},
    CONSTRAINT data_json CHECK (data IS NULL OR json_valid(data)),
    CONSTRAINT metadata_json CHECK (metadata IS NULL OR json_valid(metadata)))`);
  {
    const insertOne = db.prepare(`INSERT INTO ${stage} (line, ${COLUMN_LIST}) VALUES (?, ${PLACEHOLDERS})`);
    // Many rows per statement: far fewer calls into SQLite than one row at a time.
    const insertMany = db.prepare(
      `INSERT INTO ${stage} (line, ${COLUMN_LIST}) VALUES ${Array.from({ length: ROWS_PER_INSERT }, () => `(?, ${PLACEHOLDERS})`).join(', ')}`,
    );
    const stageOne = (row: RawEventRow, line: number) => {
      try {
        insertOne.run(line, ...values(row));
      } catch (err) {
        const message = (err as Error).message;
        if (message.includes('data_json')) throw jsonTextError(line, 'data', row.data);
        if (message.includes('metadata_json')) throw jsonTextError(line, 'metadata', row.metadata);
        throw lineError(line, `${message}. ${nothing}`);
      }
    };
    const stageBatch = db.transaction((batch: [RawEventRow, number][]) => {
      let i = 0;
      for (; i + ROWS_PER_INSERT <= batch.length; i += ROWS_PER_INSERT) {
        const params: unknown[] = [];
        for (let j = i; j < i + ROWS_PER_INSERT; j += 1) {
          const [row, line] = batch[j] as [RawEventRow, number];
          params.push(line, ...values(row));
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
    let batch: [RawEventRow, number][] = [];
    let staged = 0;
    let lines = 0;
    for await (const chunk of readLines(source)) {
      for (const [text, line] of chunk) {
        lines = line;
        if (line < options.fromLine) continue;
        try {
          batch.push([decodeEventLine(text, line, false), line]);
        } catch (err) {
          (err as S3liteError).message += ` ${nothing}`;
          throw err;
        }
        if (batch.length >= options.batchSize) {
          stageBatch(batch);
          staged += batch.length;
          batch = [];
          options.onProgress?.({ lines, events: staged });
        }
      }
    }
    stageBatch(batch);
    staged += batch.length;
    const range = db.transaction(() => copyStaged(queue, schema, stage, options.preserveIds, hooks, nothing)).immediate();
    options.onProgress?.({ lines, events: staged });
    return { imported: staged, lines, ...range, path: describeTarget(source) };
  }
}

/** Runs inside the import transaction: clash checks, the copy, and the import hooks. */
function copyStaged(queue: EventStoreHandle, schema: string, stage: string, preserveIds: boolean, hooks: ReadonlySet<ImportHook>, nothing: string) {
  const { db } = queue;
  const count = db.prepare(`SELECT count(*) FROM ${stage}`).pluck().get() as number;
  if (count === 0) return { firstId: null, lastId: null };
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
  const columns = EVENT_COLUMNS.split(', ');
  const selected = columns
    .map((c) => (c === 'id' ? newId : c === 'causation_id' ? causation : `s.${c}`))
    .join(', ');
  if (!preserveIds) db.exec(`CREATE INDEX ${schema}.events_id ON events (id)`);
  const parents = preserveIds ? '' : `LEFT JOIN ${stage} p ON p.id = s.causation_id`;
  try {
    db.prepare(`INSERT INTO main.queue (${COLUMN_LIST}) SELECT ${selected} FROM ${stage} s ${parents} ORDER BY s.seq`).run();
  } catch (err) {
    if (!isConstraint(err, 'PRIMARYKEY') && !isConstraint(err, 'UNIQUE')) throw err;
    throw diagnoseClash(db, schema, stage, preserveIds, nothing) ?? err;
  }

  if (hooks.size > 0) {
    const page = db.prepare(
      `SELECT s.seq AS s3lite_seq, ${columns.map((c) => `q.${c}`).join(', ')} FROM ${stage} s
       JOIN main.queue q ON q.id = ${newId} WHERE s.seq > ? ORDER BY s.seq LIMIT 1000`,
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
  const ids = db.prepare(`SELECT min(${newId}) AS firstId, max(${newId}) AS lastId FROM ${stage} s`).get() as {
    firstId: number;
    lastId: number;
  };
  return ids;
}

class LineFailure extends Error {
  constructor(
    readonly index: number,
    readonly error: Error,
  ) {
    super(error.message);
  }
}

async function importInBatches(queue: EventStoreHandle, source: ImportSource, options: Resolved, hooks: ReadonlySet<ImportHook>): Promise<ImportResult> {
  const { db } = queue;
  const insert = db.prepare(`INSERT INTO main.queue (${COLUMN_LIST}) VALUES (${PLACEHOLDERS})`);
  let imported = 0;
  let firstId: number | null = null;
  let lastId: number | null = null;
  const write = db.transaction((batch: [RawEventRow, number][]) => {
    batch.forEach(([row, line], index) => {
      try {
        insert.run(...values(row));
        if (hooks.size > 0) {
          const event = rowToEvent(row);
          for (const hook of hooks) hook(event);
        }
      } catch (err) {
        const tail = 'Nothing from this line on was imported.';
        const mapped = isConstraint(err, 'PRIMARYKEY')
          ? idClash(line, row.id, tail)
          : isConstraint(err, 'UNIQUE')
            ? streamClash(line, row.stream, row.stream_version, tail)
            : lineError(line, `${(err as Error).message}. ${tail}`);
        throw new LineFailure(index, mapped);
      }
    });
  });
  const commit = (batch: [RawEventRow, number][]) => {
    try {
      write.immediate(batch);
    } catch (err) {
      if (!(err instanceof LineFailure)) throw err;
      const good = batch.slice(0, err.index);
      write.immediate(good); // the rows before the failing one still commit, so resuming at it is exact
      count(good);
      throw err.error;
    }
    count(batch);
  };
  const count = (batch: [RawEventRow, number][]) => {
    if (batch.length === 0) return;
    imported += batch.length;
    firstId ??= (batch[0] as [RawEventRow, number])[0].id;
    lastId = (batch[batch.length - 1] as [RawEventRow, number])[0].id;
  };

  let batch: [RawEventRow, number][] = [];
  let lines = 0;
  try {
    for await (const chunk of readLines(source)) {
      for (const [text, line] of chunk) {
        lines = line;
        if (line < options.fromLine) continue;
        let row: RawEventRow;
        try {
          row = decodeEventLine(text, line);
        } catch (err) {
          commit(batch); // everything before the bad line is valid: keep it
          batch = [];
          throw err;
        }
        batch.push([row, line]);
        if (batch.length >= options.batchSize) {
          commit(batch);
          batch = [];
          options.onProgress?.({ lines, events: imported });
        }
      }
    }
    commit(batch);
  } catch (err) {
    const failed = err as S3liteError;
    const line = (failed.details as { line?: number } | undefined)?.line;
    if (line !== undefined) {
      failed.message += ` ${imported} event(s) before it were committed; fix the line and resume with { atomic: false, fromLine: ${line} }.`;
      Object.assign(failed.details, { imported, resumeFromLine: line });
    }
    throw err;
  }
  options.onProgress?.({ lines, events: imported });
  return { imported, lines, firstId, lastId, path: describeTarget(source) };
}
