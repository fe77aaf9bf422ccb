/**
 * Offset pagination (the seed's `{ events, totalCount, hasMore, nextOffset }`).
 * The count and the page are read in one read transaction, so they always
 * describe the same snapshot of the log.
 */
import type Database from 'better-sqlite3';
import { assertKnownOptions, invalidOption } from '../core/options.js';
import { EVENT_COLUMNS, rowToEvent, type EventRow, type RawEventRow } from './event-row.js';
import type { CompatDatabase } from './connection.js';

/** Options of the `…Paginated` reads. Unknown keys and bad values throw `ValidationError`. */
export interface PageOptions {
  /** Most events in the page (1 and up). @default 100 */
  limit?: number;
  /** Events to skip before the page (0 and up). @default 0 */
  offset?: number;
}

/** One page of a `…Paginated` read: the events and the total, from one snapshot of the log. */
export interface Page {
  /** The page's events, in the read's order. */
  events: EventRow[];
  /** Events matching the read in all pages, counted in the same snapshot as `events`. */
  totalCount: number;
  /** Whether events follow this page (`offset + events.length < totalCount`). */
  hasMore: boolean;
  /** Offset of the next page, or null on the last one. */
  nextOffset: number | null;
}

/** A paginated query: a WHERE clause with its count and page statements. */
export interface PagedQuery {
  count: Database.Statement;
  page: Database.Statement;
}

export function pagedQuery(db: CompatDatabase, where: string, orderBy: string): PagedQuery {
  return {
    count: db.prepare(`SELECT count(*) FROM queue WHERE ${where}`).pluck(),
    page: db.prepare(`SELECT ${EVENT_COLUMNS} FROM queue WHERE ${where} ORDER BY ${orderBy} LIMIT ? OFFSET ?`),
  };
}

export interface PagedQueries {
  correlation: PagedQuery;
  children: PagedQuery;
  user: PagedQuery;
  cmd: PagedQuery;
  timeRange: PagedQuery;
}

export function preparePagedQueries(db: CompatDatabase): PagedQueries {
  return {
    correlation: pagedQuery(db, 'correlation_id = ?', 'id'),
    children: pagedQuery(db, 'causation_id = ?', 'id'),
    // Newest first, as in eventlite; id breaks ties so pages never overlap.
    user: pagedQuery(db, 'user = ?', 'datetime DESC, id DESC'),
    cmd: pagedQuery(db, 'cmd = ?', 'datetime DESC, id DESC'),
    timeRange: pagedQuery(db, 'datetime >= ? AND datetime <= ?', 'datetime DESC, id DESC'),
  };
}

function checkPage(options: PageOptions): { limit: number; offset: number } {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object { limit, offset }', options);
  assertKnownOptions('paginated read', options, ['limit', 'offset']);
  const { limit = 100, offset = 0 } = options;
  if (!Number.isInteger(limit) || limit < 1) throw invalidOption('limit', 'an integer from 1 and up', limit);
  if (!Number.isInteger(offset) || offset < 0) throw invalidOption('offset', 'an integer from 0 and up', offset);
  return { limit, offset };
}

/** Milliseconds of a `Date` or a number (the `datetime` column's unit). */
export function toMillis(name: string, value: unknown): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw invalidOption(name, 'a Date or milliseconds since the epoch', value);
}

/** Reads one page and its total in one snapshot. */
export function readPage(db: CompatDatabase, query: PagedQuery, params: unknown[], options: PageOptions = {}): Page {
  const { limit, offset } = checkPage(options);
  const read = (): Page => {
    const totalCount = query.count.get(...params) as number;
    const events = (query.page.all(...params, limit, offset) as RawEventRow[]).map(rowToEvent);
    const hasMore = offset + events.length < totalCount;
    return { events, totalCount, hasMore, nextOffset: hasMore ? offset + limit : null };
  };
  if (db.inTransaction) return read();
  return db.transaction(read).deferred();
}
