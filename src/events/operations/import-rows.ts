/**
 * Rows of an import as SQL sees them: their values in column order, and
 * whether a line is the very row the store already holds (an idempotent
 * re-import skips it) or a different event under the same id (a conflict).
 */
import type { Statement } from 'better-sqlite3';
import type { RawEventRow } from '../event-row.js';
import type { EventStoreHandle } from './event-store-handle.js';
import { LINE_COLUMNS, type EventColumn } from './event-line.js';

export const COLUMN_LIST = LINE_COLUMNS.join(', ');
export const PLACEHOLDERS = LINE_COLUMNS.map(() => '?').join(', ');

/** Columns compared to tell an identical row from a different one (the id is the join key). */
const COMPARED = LINE_COLUMNS.filter((c) => c !== 'id');

export function rowValues(row: RawEventRow): unknown[] {
  return [
    row.id, row.version, row.datetime, row.user, row.ip, row.cmd, row.data,
    row.correlation_id, row.causation_id, row.metadata, row.stream, row.stream_version,
  ];
}

export function isConstraint(err: unknown, kind: 'PRIMARYKEY' | 'UNIQUE'): boolean {
  return (err as { code?: string }).code === `SQLITE_CONSTRAINT_${kind}`;
}

/**
 * SQL true when stored row `q` equals the line `other(column)` in every column.
 * `IS` treats NULLs as equal; text compares with BINARY collation, so the JSON
 * text of `data`/`metadata` must match byte for byte. The `queue` column's
 * affinity applies to the other side, as it would on insert.
 */
export function identicalSql(other: (column: EventColumn) => string): string {
  return COMPARED.map((c) => `q.${c} IS ${other(c)}`).join(' AND ');
}

/** One 0/1 flag per compared column: `SELECT` list naming which columns match. */
function sameFlagsSql(other: (column: EventColumn) => string): string {
  return COMPARED.map((c) => `(q.${c} IS ${other(c)}) AS "${c}"`).join(', ');
}

function differing(flags: Record<string, number> | undefined): EventColumn[] | null {
  if (!flags) return null;
  return COMPARED.filter((c) => flags[c] !== 1);
}

/**
 * Columns in which the stored event `row.id` differs from `row`: `[]` when the
 * store holds the identical row, null when it has no event with that id.
 */
export function storedDifference(db: EventStoreHandle['db'], row: RawEventRow): EventColumn[] | null {
  let statement = storedStatements.get(db);
  if (!statement) {
    statement = db.prepare(`SELECT ${sameFlagsSql(() => '?')} FROM main.queue q WHERE q.id = ?`);
    storedStatements.set(db, statement);
  }
  return differing(statement.get(...rowValues(row).slice(1), row.id) as Record<string, number> | undefined);
}

/** Prepared once per connection: a resumed or repeated non-atomic import asks once per line. */
const storedStatements = new WeakMap<object, Statement>();

/** Same as {@link storedDifference}, for the staged line at `seq` of table `stage`. */
export function stagedDifference(db: EventStoreHandle['db'], stage: string, seq: number): EventColumn[] | null {
  const sql = `SELECT ${sameFlagsSql((c) => `s.${c}`)} FROM ${stage} s JOIN main.queue q ON q.id = s.id WHERE s.seq = ?`;
  return differing(db.prepare(sql).get(seq) as Record<string, number> | undefined);
}
