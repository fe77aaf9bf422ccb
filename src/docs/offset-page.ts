/**
 * s3db.js's numbered pages: `page({ size, page })` or `page({ size, offset })`
 * → `{ items, totalItems, page, pageSize, totalPages, hasMore }` (pages are
 * 0-based, as s3db.js reports them; `skipCount: true` leaves the totals null
 * and saves the count). Unknown options are errors, never a silent first
 * page (resource-call-options.ts checks the names). Without
 * `page`/`offset`/`skipCount`, `page()` pages by cursor.
 */
import { invalidOption } from '../core/options.js';
import type { Document } from './document-codec.js';
import type { ListOptions, Page, PageOptions } from './resource-types.js';

/** True when the call asks for a numbered page rather than a cursor page. */
export function isNumberedPage(options: PageOptions): boolean {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object { size, page | offset | cursor }', options);
  const numbered = options.page !== undefined || options.offset !== undefined || options.skipCount !== undefined;
  if (numbered && options.cursor !== undefined && options.cursor !== null) throw invalidOption('cursor', 'absent when `page` or `offset` is given (use one way of paging)', options.cursor);
  if (options.page !== undefined && options.offset !== undefined) throw invalidOption('page', 'absent when `offset` is given (use one of them)', options.page);
  return numbered;
}

export interface NumberedPageDeps {
  list(options: ListOptions): Promise<Document[]>;
  count(options: ListOptions): Promise<number>;
}

export async function numberedPage(options: PageOptions, deps: NumberedPageDeps): Promise<Page> {
  const size = options.size ?? 100;
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw invalidOption('size', 'an integer from 1 to 1000', size);
  if (options.page !== undefined && (!Number.isInteger(options.page) || options.page < 0)) throw invalidOption('page', 'an integer from 0 and up (pages are 0-based)', options.page);
  if (options.skipCount !== undefined && typeof options.skipCount !== 'boolean') throw invalidOption('skipCount', 'a boolean', options.skipCount);
  const offset = options.offset ?? (options.page ?? 0) * size;
  const { page: _page, offset: _offset, size: _size, skipCount, cursor: _cursor, ...rest } = options;
  // One extra document tells whether another page exists without counting.
  const [fetched, totalItems] = await Promise.all([deps.list({ ...rest, limit: size + 1, offset }), skipCount ? Promise.resolve(null) : deps.count(rest)]);
  const items = fetched.slice(0, size);
  return {
    items,
    nextCursor: null,
    totalItems,
    page: Math.floor(offset / size),
    pageSize: size,
    totalPages: totalItems === null ? null : Math.ceil(totalItems / size),
    hasMore: fetched.length > size,
  };
}
