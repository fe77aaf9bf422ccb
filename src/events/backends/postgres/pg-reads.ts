/**
 * Reads on PostgreSQL. Lookups by id or correlation see every committed event.
 * Position reads (`streamEvents`, replay, export) see only events below the
 * high-water mark (pg-high-water.ts), read fresh for each page: nothing below it
 * can still commit, so a reader that resumes after its last id never skips an
 * event that committed late. A long write transaction in this database holds
 * the mark back (readers wait, they do not skip).
 */
import type pg from 'pg';
import { ValidationError } from '../../../core/errors.js';
import { assertKnownOptions, invalidOption } from '../../../core/options.js';
import type { EventRow, RawEventRow } from '../../event-row.js';
import { toMillis, type Page, type PageOptions } from '../../pagination.js';
import type { StreamOptions } from '../../stream.js';
import { finalRows, readHighWater } from './pg-high-water.js';
import { PG_EVENT_COLUMNS, pgRowToEvent } from './pg-sql.js';

export async function retrieveByID(pool: pg.Pool, id: number): Promise<EventRow | null> {
  const { rows } = await pool.query<RawEventRow>(`SELECT ${PG_EVENT_COLUMNS} FROM queue WHERE id = $1`, [id]);
  return rows[0] ? pgRowToEvent(rows[0]) : null;
}

export async function getTransaction(pool: pg.Pool, correlationId: string): Promise<EventRow[]> {
  const { rows } = await pool.query<RawEventRow>(`SELECT ${PG_EVENT_COLUMNS} FROM queue WHERE correlation_id = $1 ORDER BY id`, [correlationId]);
  return rows.map(pgRowToEvent);
}

export async function getStreamVersion(pool: pg.Pool, stream: string): Promise<number> {
  if (typeof stream !== 'string' || stream === '') throw new ValidationError('getStreamVersion expects a stream name (a non-empty string).');
  const { rows } = await pool.query<{ v: number | null }>('SELECT max(stream_version) AS v FROM queue WHERE stream = $1', [stream]);
  return rows[0]?.v ?? 0;
}

/** The paginated queries: WHERE clause (with $1, $2…) and order, as on SQLite. */
export const PAGED = {
  correlation: { where: 'correlation_id = $1', order: 'id', params: 1 },
  children: { where: 'causation_id = $1', order: 'id', params: 1 },
  user: { where: '"user" = $1', order: 'datetime DESC, id DESC', params: 1 },
  cmd: { where: 'cmd = $1', order: 'datetime DESC, id DESC', params: 1 },
  timeRange: { where: 'datetime >= $1 AND datetime <= $2', order: 'datetime DESC, id DESC', params: 2 },
} as const;

/** One page and its total, from one statement (one snapshot). */
export async function readPage(pool: pg.Pool, query: (typeof PAGED)[keyof typeof PAGED], params: unknown[], options: PageOptions = {}): Promise<Page> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object { limit, offset }', options);
  const { limit = 100, offset = 0 } = options;
  if (!Number.isInteger(limit) || limit < 1) throw invalidOption('limit', 'an integer from 1 and up', limit);
  if (!Number.isInteger(offset) || offset < 0) throw invalidOption('offset', 'an integer from 0 and up', offset);
  const n = query.params;
  const sql = `WITH total AS (SELECT count(*) AS n FROM queue WHERE ${query.where})
SELECT total.n AS total_count, p.* FROM total LEFT JOIN LATERAL (
  SELECT ${PG_EVENT_COLUMNS} FROM queue WHERE ${query.where} ORDER BY ${query.order} LIMIT $${n + 1} OFFSET $${n + 2}
) p ON true`;
  const { rows } = await pool.query<RawEventRow & { total_count: number }>(sql, [...params, limit, offset]);
  const totalCount = Number(rows[0]?.total_count ?? 0);
  const events = rows.filter((r) => r.id !== null).map(pgRowToEvent);
  const hasMore = offset + events.length < totalCount;
  return { events, totalCount, hasMore, nextOffset: hasMore ? offset + limit : null };
}

const KNOWN = ['batchSize', 'startId', 'endId', 'correlationId', 'user', 'cmd', 'since', 'until'];

function optional(name: string, value: unknown, kind: 'id' | 'string'): unknown {
  if (value === undefined || value === null) return undefined;
  if (kind === 'id' ? typeof value !== 'number' || !Number.isInteger(value) : typeof value !== 'string') {
    throw invalidOption(name, kind === 'id' ? 'an integer event id' : 'a string', value);
  }
  return value;
}

/** `streamEvents` on PostgreSQL: keyset pages in id order, bounded by the transaction high-water mark. */
export async function* streamEvents(pool: pg.Pool, options: StreamOptions = {}): AsyncGenerator<EventRow[], void, undefined> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  assertKnownOptions('streamEvents', options, KNOWN);
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidOption('batchSize', 'an integer from 1 and up', batchSize);
  const filters = ['id > $1', finalRows(2)];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown): void => {
    if (value === undefined) return;
    params.push(value);
    filters.push(clause.replace('?', `$${params.length + 2}`));
  };
  const startId = optional('startId', options.startId, 'id') as number | undefined;
  add('id <= ?', optional('endId', options.endId, 'id'));
  add('correlation_id = ?', optional('correlationId', options.correlationId, 'string'));
  add('"user" = ?', optional('user', options.user, 'string'));
  add('cmd = ?', optional('cmd', options.cmd, 'string'));
  if (options.since !== undefined) add('datetime >= ?', toMillis('since', options.since));
  if (options.until !== undefined) add('datetime <= ?', toMillis('until', options.until));
  const sql = `SELECT ${PG_EVENT_COLUMNS} FROM queue WHERE ${filters.join(' AND ')} ORDER BY id LIMIT ${batchSize}`;
  let last = startId === undefined ? 0 : startId - 1;
  for (;;) {
    const mark = await readHighWater(pool);
    const { rows } = await pool.query<RawEventRow>(sql, [last, mark, ...params]);
    if (rows.length === 0) return;
    const batch = rows.map(pgRowToEvent);
    last = batch[batch.length - 1]!.id;
    yield batch;
    if (rows.length < batchSize) return;
  }
}
