/**
 * `exportToJSONL` on PostgreSQL: the same line format and the same bytes as
 * the SQLite export (event-line.ts encodes both), read in id order with keyset
 * pages below the transaction high-water mark.
 */
import type pg from 'pg';
import { invalidOption } from '../../../core/options.js';
import type { RawEventRow } from '../../event-row.js';
import { exportFilterColumns, positiveInt, type ExportFilter, type ExportOptions, type ExportResult } from '../../operations/event-export.js';
import { encodeEventLine, LINE_COLUMNS, type RawEventTuple } from '../../operations/event-line.js';
import { describeTarget, LineWriter, type ExportTarget } from '../../operations/line-io.js';
import { finalRows, readHighWater } from './pg-high-water.js';
import { PG_EVENT_COLUMNS, pgRowToEvent } from './pg-sql.js';

function filterSql(filter: ExportFilter | undefined, before: number): { sql: string; params: string[][] } {
  let sql = '';
  const params: string[][] = [];
  for (const [column, values] of exportFilterColumns(filter)) {
    params.push(values);
    sql += ` AND ${column === 'user' ? '"user"' : column} = ANY($${before + params.length}::text[])`;
  }
  return { sql, params };
}

function toTuple(row: RawEventRow): RawEventTuple {
  return LINE_COLUMNS.map((column) => row[column]) as RawEventTuple;
}

export async function exportPg(pool: pg.Pool, target: ExportTarget, options: ExportOptions = {}): Promise<ExportResult> {
  if (typeof target !== 'string' && (target === null || typeof target !== 'object' || typeof target.write !== 'function')) {
    throw invalidOption('path', 'a file path, "-" or a writable stream', target);
  }
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object', options);
  const startId = positiveInt('startId', options.startId) ?? 1;
  const batchSize = positiveInt('batchSize', options.batchSize) ?? 1000;
  const predicate = typeof options.filter === 'function' ? options.filter : undefined;
  const { sql, params } = filterSql(typeof options.filter === 'function' ? undefined : options.filter, 3);
  // Fixed up front, as on SQLite: appends made during a long export do not make it chase the tail.
  // One mark for the whole export: rows below it stay final.
  const mark = await readHighWater(pool);
  const endId =
    positiveInt('endId', options.endId) ??
    Number((await pool.query<{ m: number | null }>(`SELECT max(id) AS m FROM queue WHERE ${finalRows(1)}`, [mark])).rows[0]?.m ?? 0);
  const page = `SELECT ${PG_EVENT_COLUMNS} FROM queue WHERE id >= $1 AND id <= $2 AND ${finalRows(3)}${sql} ORDER BY id LIMIT ${batchSize}`;
  const writer = await LineWriter.open(target, { end: options.end ?? true });
  let exported = 0;
  try {
    let from = startId;
    while (from <= endId) {
      const { rows } = await pool.query<RawEventRow>(page, [from, endId, mark, ...params]);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (predicate && !predicate(pgRowToEvent(row))) continue;
        exported += 1;
        if (writer.push(encodeEventLine(toTuple(row)))) await writer.flush();
      }
      from = Number(rows[rows.length - 1]!.id) + 1;
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { exported, path: describeTarget(target) };
}
