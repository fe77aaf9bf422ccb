/**
 * eventlite's batch helpers of BulkOperations: `getProcessingStats` (SQL
 * aggregates, constant memory), `batchProcess` (a function over keyset-paged
 * batches, optionally several at once) and `migrateEvents` (appends upgraded
 * copies of old-version events; the log itself is never rewritten).
 */
import { checkOptions, invalidOption } from '../../core/options.js';
import type { EventInput } from '../event-input.js';
import type { EventRow } from '../event-row.js';
import type { StreamOptions } from '../stream.js';
import type { EventStoreHandle } from './event-store-handle.js';

/** The queue methods the batch helpers use (an `initQueue` queue has them). */
export interface BatchableEventStore extends EventStoreHandle {
  streamEvents(options?: StreamOptions): AsyncGenerator<EventRow[], void, undefined>;
  storeBulk(events: readonly EventInput[]): unknown;
}

/** Options of `bulkOps.getProcessingStats` (eventlite's); every bound is inclusive. */
export interface ProcessingStatsOptions {
  /** First event id counted. @default undefined — from the first event */
  startId?: number;
  /** Last event id counted. @default undefined — up to the last event */
  endId?: number | null;
  /** Only events with `start <= datetime <= end` (ms since the epoch; either bound may be left out). @default undefined — any time */
  timeRange?: { start?: number; end?: number } | null;
}

/** What `bulkOps.getProcessingStats` resolves to (eventlite's shape), over the selected events. */
export interface ProcessingStats {
  /** Events selected. */
  totalEvents: number;
  /** Events per cmd. */
  eventsByCommand: Record<string, number>;
  /** Events per user; events without a user (`''`) are left out. */
  eventsByUser: Record<string, number>;
  /** Events per data version (keys are the versions as strings). */
  eventsByVersion: Record<string, number>;
  /** Oldest and newest `datetime` (ms), null when no event is selected. */
  dateRange: { min: number | null; max: number | null };
  /** Events without a `causation_id`. */
  rootEvents: number;
  /** Events with a `causation_id`. */
  childEvents: number;
  /** Distinct correlation ids. */
  uniqueCorrelations: number;
}

/** Options of `bulkOps.batchProcess` (eventlite's): which events, in batches of what size, how many at once. */
export interface BatchProcessOptions {
  /** Events per batch (one `processorFn` call). @default 100 */
  batchSize?: number;
  /** First event id (inclusive). @default undefined — from the first event */
  startId?: number;
  /** Last event id (inclusive). @default undefined — to the end of the log */
  endId?: number | null;
  /** Only events of this correlation id. @default undefined — any */
  correlationId?: string | null;
  /** Only events of this user. @default undefined — any */
  user?: string | null;
  /** Only events with this cmd. @default undefined — any */
  cmd?: string | null;
  /** Run up to `maxConcurrency` batches at once (batches may then finish out of order). @default false */
  parallel?: boolean;
  /** Batches in flight at once with `parallel` (ignored without it). @default 4 */
  maxConcurrency?: number;
}

/** What `bulkOps.batchProcess` resolves to. A throwing batch is counted here, never thrown. */
export interface BatchProcessResult {
  /** Always true (eventlite's shape): failures are in `totalErrors` and `errors`. */
  success: true;
  /** Events in batches whose `processorFn` call resolved. */
  totalProcessed: number;
  /** Events in batches whose `processorFn` call threw. */
  totalErrors: number;
  /** The first 100 failures: `{ batch: size, error: message }`. */
  errors: Array<{ batch: number; error: string }>;
}

/** Options of `bulkOps.migrateEvents`. */
export interface MigrateOptions {
  /** Events read per batch; each batch's upgrades are appended in one `storeBulk`. @default 100 */
  batchSize?: number;
  /** Events below this version are passed to the migration. @default 2 */
  targetVersion?: number;
  /** Count what would be migrated, store nothing. @default false */
  dryRun?: boolean;
}

/** What `bulkOps.migrateEvents` resolves to. */
export interface MigrateResult {
  /** Events visited without error (all versions). */
  totalProcessed: number;
  /** Upgraded copies appended (or, with `dryRun`, that would be). */
  totalMigrated: number;
  /** Events whose migration function threw; the others of the batch are still appended. */
  errors: Array<{ eventId: number; error: string }>;
  /** Whether nothing was stored. */
  dryRun: boolean;
}

function rangeSql(options: ProcessingStatsOptions): { where: string; params: number[] } {
  const clauses: string[] = [];
  const params: number[] = [];
  if (options.startId !== undefined && options.startId !== null) {
    clauses.push('id >= ?');
    params.push(options.startId);
  }
  if (options.endId !== undefined && options.endId !== null) {
    clauses.push('id <= ?');
    params.push(options.endId);
  }
  if (options.timeRange?.start !== undefined) {
    clauses.push('datetime >= ?');
    params.push(options.timeRange.start);
  }
  if (options.timeRange?.end !== undefined) {
    clauses.push('datetime <= ?');
    params.push(options.timeRange.end);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Counts by cmd, user and version, the date range, root/child events and distinct correlations. */
export function processingStats(queue: EventStoreHandle, options: ProcessingStatsOptions = {}): ProcessingStats {
  checkOptions('getProcessingStats', options, ['startId', 'endId', 'timeRange']);
  const { where, params } = rangeSql(options);
  const { db } = queue;
  const read = db.transaction(() => {
    const totals = db
      .prepare(
        `SELECT count(*) AS total, min(datetime) AS min, max(datetime) AS max, sum(causation_id IS NOT NULL) AS children, count(DISTINCT correlation_id) AS correlations FROM queue ${where}`,
      )
      .get(...params) as { total: number; min: number | null; max: number | null; children: number | null; correlations: number };
    const group = (column: string, extra = ''): Record<string, number> => {
      const rows = db.prepare(`SELECT ${column} AS k, count(*) AS n FROM queue ${where}${extra} GROUP BY ${column} ORDER BY ${column}`).raw().all(...params) as Array<[unknown, number]>;
      return Object.fromEntries(rows.map(([k, n]) => [String(k), n]));
    };
    const userFilter = where ? " AND user IS NOT NULL AND user <> ''" : " WHERE user IS NOT NULL AND user <> ''";
    return {
      totalEvents: totals.total,
      eventsByCommand: group('cmd'),
      eventsByUser: group('user', userFilter),
      eventsByVersion: group('version'),
      dateRange: { min: totals.min, max: totals.max },
      rootEvents: totals.total - (totals.children ?? 0),
      childEvents: totals.children ?? 0,
      uniqueCorrelations: totals.correlations,
    };
  });
  return read.deferred();
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidOption(name, 'an integer from 1 and up', value);
  return value;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Calls `processor(batch)` for each batch of events in id order; a throwing batch is counted, not fatal. */
export async function batchProcess(queue: BatchableEventStore, processor: (batch: EventRow[]) => unknown, options: BatchProcessOptions = {}): Promise<BatchProcessResult> {
  if (typeof processor !== 'function') throw invalidOption('processorFn', 'a function (batch) => void', processor);
  checkOptions('batchProcess', options, ['batchSize', 'startId', 'endId', 'correlationId', 'user', 'cmd', 'parallel', 'maxConcurrency']);
  const batchSize = positive('batchSize', options.batchSize, 100);
  const concurrency = options.parallel ? positive('maxConcurrency', options.maxConcurrency, 4) : 1;
  const result: BatchProcessResult = { success: true, totalProcessed: 0, totalErrors: 0, errors: [] };
  const run = async (batch: EventRow[]): Promise<void> => {
    try {
      await processor(batch);
      result.totalProcessed += batch.length;
    } catch (err) {
      result.totalErrors += batch.length;
      if (result.errors.length < 100) result.errors.push({ batch: batch.length, error: message(err) });
    }
  };
  const running = new Set<Promise<void>>();
  const stream = queue.streamEvents({
    batchSize,
    startId: options.startId === 0 ? undefined : options.startId,
    endId: options.endId ?? undefined,
    correlationId: options.correlationId ?? undefined,
    user: options.user ?? undefined,
    cmd: options.cmd ?? undefined,
  });
  for await (const batch of stream) {
    const task = run(batch).finally(() => running.delete(task));
    running.add(task);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  return result;
}

/**
 * For each event below `targetVersion`, `migration(event, targetVersion)` returns
 * its upgraded form (or nothing to skip it); each batch's upgrades are appended
 * with `storeBulk` at `targetVersion`, keeping correlation, causation and metadata.
 * Only events present when the call starts are visited.
 */
export async function migrateEvents(
  queue: BatchableEventStore,
  migration: (event: EventRow, targetVersion: number) => unknown,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  if (typeof migration !== 'function') throw invalidOption('migrationFn', 'a function (event, targetVersion) => event', migration);
  checkOptions('migrateEvents', options, ['batchSize', 'targetVersion', 'dryRun']);
  const batchSize = positive('batchSize', options.batchSize, 100);
  const targetVersion = positive('targetVersion', options.targetVersion, 2);
  const dryRun = options.dryRun ?? false;
  const result: MigrateResult = { totalProcessed: 0, totalMigrated: 0, errors: [], dryRun };
  const endId = (queue.db.prepare('SELECT max(id) FROM queue').pluck().get() as number | null) ?? 0;
  if (endId === 0) return result;
  for await (const batch of queue.streamEvents({ batchSize, endId })) {
    const upgraded: EventInput[] = [];
    for (const event of batch) {
      try {
        if (event.version < targetVersion) {
          const out = (await migration(event, targetVersion)) as Partial<EventRow & EventInput> | null | undefined;
          if (out) {
            upgraded.push({
              cmd: out.cmd ?? event.cmd,
              data: out.data ?? event.data,
              user: out.user ?? event.user ?? '',
              ip: out.ip ?? event.ip ?? '',
              version: targetVersion,
              correlationId: out.correlationId ?? out.correlation_id ?? event.correlation_id ?? undefined,
              causationId: out.causationId ?? out.causation_id ?? event.causation_id ?? undefined,
              metadata: out.metadata ?? event.metadata ?? {},
            });
            result.totalMigrated++;
          }
        }
        result.totalProcessed++;
      } catch (err) {
        result.errors.push({ eventId: event.id, error: message(err) });
      }
    }
    if (!dryRun && upgraded.length > 0) queue.storeBulk(upgraded);
  }
  return result;
}
