/**
 * Streams events out of the `queue` table in id order, page by page (keyset
 * paging, constant memory), through a writer that respects backpressure.
 */
import { checkOptions, invalidOption } from '../../core/options.js';
import { EVENT_COLUMNS, rowToEvent, type EventRow, type RawEventRow } from '../event-row.js';
import { LINE_COLUMNS, type RawEventTuple } from './event-line.js';
import type { EventStoreHandle } from './event-store-handle.js';
import { describeTarget, LineWriter, type ExportTarget } from './line-io.js';

type OneOrMany<T> = T | readonly T[];

/** Equality filters run in SQL; each value may be a list (any of). */
export interface ExportFilter {
  /** Only events with this cmd (or one of these). */
  cmd?: OneOrMany<string>;
  /** Only events of this user (or one of these). */
  user?: OneOrMany<string>;
  /** Only events of this correlation id (or one of these). */
  correlation_id?: OneOrMany<string>;
  /** Only events of this stream (or one of these). */
  stream?: OneOrMany<string>;
}

/** Options of `exportToJSONL` and `exportToCSV`. Unknown keys throw `ValidationError`. */
export interface ExportOptions {
  /**
   * SQL equality filters (every key given must match), or a predicate on each event
   * (JSON parsed; slower, since every row in the id range is read).
   * @default undefined — every event in the id range
   */
  filter?: ExportFilter | ((event: EventRow) => boolean);
  /** First id to export (inclusive). @default 1 */
  startId?: number;
  /** Last id to export (inclusive). @default the highest id when the export starts */
  endId?: number | null;
  /** Rows read per page. @default 1000 */
  batchSize?: number;
  /** End a stream given as target (files are always closed, stdout never). @default true */
  end?: boolean;
}

/** What an export resolves to, once the target is flushed (and a file fsynced and closed). */
export interface ExportResult {
  /** Lines written (events; a CSV header is not counted). */
  exported: number;
  /** The path written, `-`, or `(stream)`. */
  path: string;
}

const FILTER_KEYS = ['cmd', 'user', 'correlation_id', 'stream'] as const;

/** An export option that must be a positive integer (`startId`, `endId`, …); undefined when not given. Shared by both backends. */
export function positiveInt(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw invalidOption(name, 'an integer from 1 and up', value);
  return value;
}

/** The checked column filters of an export, `[column, values]`, for each backend to turn into its SQL. */
export function exportFilterColumns(filter: ExportFilter | undefined): Array<[(typeof FILTER_KEYS)[number], string[]]> {
  if (filter === undefined) return [];
  if (filter === null || typeof filter !== 'object') throw invalidOption('filter', 'an object of column filters or a function', filter);
  const columns: Array<[(typeof FILTER_KEYS)[number], string[]]> = [];
  for (const key of Object.keys(filter)) {
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      throw invalidOption(`filter.${key}`, `one of ${FILTER_KEYS.join(', ')} (use a function filter for anything else)`, key);
    }
    const raw = filter[key as keyof ExportFilter];
    const values = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) {
      throw invalidOption(`filter.${key}`, 'a string or a non-empty list of strings', raw);
    }
    columns.push([key as (typeof FILTER_KEYS)[number], [...values] as string[]]);
  }
  return columns;
}

function filterSql(filter: ExportFilter | undefined): { sql: string; params: string[] } {
  let sql = '';
  const params: string[] = [];
  for (const [column, values] of exportFilterColumns(filter)) {
    sql += ` AND ${column} IN (${values.map(() => '?').join(', ')})`;
    params.push(...values);
  }
  return { sql, params };
}

function tupleToRaw(row: RawEventTuple): RawEventRow {
  const raw: Record<string, unknown> = {};
  LINE_COLUMNS.forEach((column, i) => {
    raw[column] = row[i];
  });
  return raw as unknown as RawEventRow;
}

/** How rows become lines: in JavaScript, and optionally as an SQL expression (faster). */
export interface LineFormat {
  encode: (row: RawEventTuple) => string;
  /** SQL building the same line as `encode`, used when no function filter needs the row. */
  sql?: string;
  header?: string;
}

/**
 * Writes each selected row as one line, after the format's header if any.
 * Resolves once the target is flushed (and a file fsynced and closed).
 */
export async function exportRows(queue: EventStoreHandle, target: ExportTarget, options: ExportOptions, format: LineFormat): Promise<ExportResult> {
  if (typeof target !== 'string' && (target === null || typeof target !== 'object' || typeof target.write !== 'function')) {
    throw invalidOption('path', 'a file path, "-" or a writable stream', target);
  }
  checkOptions(format.header ? 'exportToCSV' : 'exportToJSONL', options, ['filter', 'startId', 'endId', 'batchSize', 'end']);
  // eventlite's default start is 0; ids start at 1, so 0 means "from the first".
  const startId = options.startId === 0 ? 1 : (positiveInt('startId', options.startId) ?? 1);
  const batchSize = positiveInt('batchSize', options.batchSize) ?? 1000;
  const predicate = typeof options.filter === 'function' ? options.filter : undefined;
  const { sql, params } = filterSql(typeof options.filter === 'function' ? undefined : options.filter);
  const { db } = queue;
  // Fix the end up front: appends made during a long export do not make it chase the tail.
  const endId = positiveInt('endId', options.endId ?? undefined) ?? ((db.prepare('SELECT max(id) FROM queue').pluck().get() as number | null) ?? 0);
  const bySql = format.sql !== undefined && predicate === undefined;
  const columns = bySql ? `id, ${format.sql}` : EVENT_COLUMNS;
  const page = db.prepare(`SELECT ${columns} FROM queue WHERE id >= ? AND id <= ?${sql} ORDER BY id LIMIT ?`).raw();

  const writer = await LineWriter.open(target, { end: options.end ?? true });
  let exported = 0;
  try {
    if (format.header !== undefined && writer.push(format.header)) await writer.flush();
    let from = startId;
    while (from <= endId) {
      const rows = page.all(from, endId, ...params, batchSize) as unknown[][];
      if (rows.length === 0) break;
      for (const row of rows) {
        let line: string;
        if (bySql) {
          line = row[1] as string;
        } else {
          if (predicate && !predicate(rowToEvent(tupleToRaw(row as RawEventTuple)))) continue;
          line = format.encode(row as RawEventTuple);
        }
        exported += 1;
        if (writer.push(line)) await writer.flush();
      }
      from = ((rows[rows.length - 1] as unknown[])[0] as number) + 1;
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { exported, path: describeTarget(target) };
}
