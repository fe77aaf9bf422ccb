/**
 * Synchronous reads (eventlite's): by id, by correlation (a "transaction"),
 * children and lineage, and their cached forms. Cached values are deep-frozen:
 * callers share them without copying and can never corrupt the cache.
 */
import { performance } from 'node:perf_hooks';
import { invalidOption } from '../core/options.js';
import { rowToEvent, type EventRow, type RawEventRow } from './event-row.js';
import { cacheKeyOfId, cacheKeyOfTransaction, type QueueContext } from './queue-context.js';

/** An event with its parent and direct children. */
export interface EventLineage {
  /** The event asked for. */
  event: EventRow;
  /** The event named by its `causation_id`, or null (a root event, or a parent that is not stored). */
  parent: EventRow | null;
  /** Events whose `causation_id` is this event's id, in id order (direct children only). */
  children: EventRow[];
}

function checkId(name: string, id: unknown): asserts id is number {
  if (typeof id !== 'number' || !Number.isInteger(id)) throw invalidOption(name, 'an integer event id', id);
}

/** The id as a number: eventlite (bun) also takes an integer in a string, e.g. from a URL. */
function eventId(id: unknown): number {
  const n = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id;
  checkId('id', n);
  return n;
}

/** The event, or undefined (eventlite's documented miss) when no event has this id. */
export function retrieveByID(ctx: QueueContext, id: number): EventRow | undefined {
  const raw = ctx.statements.byId.get(eventId(id)) as RawEventRow | undefined;
  return raw ? rowToEvent(raw) : undefined;
}

export function getTransaction(ctx: QueueContext, correlationId: string): EventRow[] {
  if (typeof correlationId !== 'string') throw invalidOption('correlationId', 'a string', correlationId);
  return (ctx.statements.byCorrelation.all(correlationId) as RawEventRow[]).map(rowToEvent);
}

export function getChildEvents(ctx: QueueContext, eventId: number): EventRow[] {
  checkId('eventId', eventId);
  return (ctx.statements.children.all(eventId) as RawEventRow[]).map(rowToEvent);
}

export function getEventLineage(ctx: QueueContext, eventId: number): EventLineage | null {
  const event = retrieveByID(ctx, eventId);
  if (!event) return null;
  return {
    event,
    parent: event.causation_id === null ? null : (retrieveByID(ctx, event.causation_id) ?? null),
    children: getChildEvents(ctx, eventId),
  };
}

/**
 * How long a cached read trusts the last look at the file's data_version (ms): the most a
 * cached value can trail a commit of another process. Reading it is a statement (a read
 * transaction, several syscalls) that would cost more than the hit itself.
 */
export const DATA_VERSION_MS = 10;

/**
 * The cache, emptied first if another connection (another process) committed to the file:
 * SQLite's data_version tells, looked at once per DATA_VERSION_MS. Such a commit may have
 * added to a correlation, or (reset, rewrite) reused ids, so all goes. This queue's own
 * writes invalidate their entries precisely (write-transaction.ts).
 */
function currentCache(ctx: QueueContext): QueueContext['cache'] {
  const cache = ctx.cache;
  if (!cache || ctx.versionCheck.holds()) return cache;
  const startedAt = performance.now();
  const version = Number(ctx.statements.dataVersion.get());
  if (version !== ctx.seenVersion) {
    ctx.seenVersion = version;
    cache.clear();
  }
  ctx.versionCheck.mark(startedAt);
  return cache;
}

/** The event by id from the cache (frozen), read and cached on a miss. Missing ids are not cached. */
export function retrieveByIDCached(ctx: QueueContext, id: number): EventRow | undefined {
  const cache = currentCache(ctx);
  if (!cache) return retrieveByID(ctx, id);
  const key = cacheKeyOfId(eventId(id));
  const hit = cache.get(key);
  if (hit !== undefined) return hit as EventRow;
  const row = retrieveByID(ctx, id);
  if (row) cache.set(key, row);
  return row;
}

/** The correlation's events from the cache (a frozen array), read and cached on a miss. */
export function getTransactionCached(ctx: QueueContext, correlationId: string): readonly EventRow[] {
  const cache = currentCache(ctx);
  if (!cache) return getTransaction(ctx, correlationId);
  const key = cacheKeyOfTransaction(correlationId);
  const hit = cache.get(key);
  if (hit !== undefined) return hit as EventRow[];
  const rows = getTransaction(ctx, correlationId);
  cache.set(key, rows);
  return rows;
}
