/**
 * Opening an event queue's file (pragmas, schema, wait-condition tables,
 * indexes) into the context its modules share, and the two reports that read
 * the context back: `settings()` and `getCacheStats()`.
 */
import { Cache } from '../core/cache.js';
import { RecentCheck } from '../core/recent-check.js';
import { acquireConnection, configureConnection, releaseConnection, type ConnectionSettings } from './connection.js';
import type { EventRow } from './event-row.js';
import type { Durability, IndexName, QueueProfile, ResolvedQueueOptions } from './options.js';
import { joinConnection, prepareStatements, type QueueContext } from './queue-context.js';
import { DATA_VERSION_MS } from './reads.js';
import { applyIndexes, ensureQueueSchema, presentIndexes } from './schema.js';
import { removeStaleScratch } from './scratch-files.js';
import { sqliteError } from './sqlite-errors.js';
import { DROP_WAIT_TABLES, WAIT_SCHEMA } from './wait-conditions.js';

/** What `queue.settings()` reports: the pragmas as SQLite reads them back, and the merged options. */
export interface QueueSettings {
  /** Resolved path of the database file (`':memory:'` as is). */
  dbName: string;
  /** `PRAGMA journal_mode` as read back: `'wal'` or `'delete'` (`'memory'` for `:memory:`). */
  journalMode: string;
  /** `PRAGMA synchronous` as read back: `'FULL'` for durability `'full'`, `'NORMAL'` for `'normal'`. */
  synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  /** `PRAGMA busy_timeout` in ms: how long a write waits for another connection's lock. */
  busyTimeout: number;
  /** `PRAGMA temp_store`: `'DEFAULT'`, `'FILE'` or `'MEMORY'`. */
  tempStore: string;
  /** SQLite cache_size (negative = KiB). */
  cacheSize: number;
  /** The `durability` option as resolved. */
  durability: Durability;
  /** The resolved `WAL` option (what was asked; `journalMode` is what SQLite runs). */
  WAL: boolean;
  /** The `profile` option, or null. */
  profile: QueueProfile | null;
  /** Indexes as configured. */
  indexes: Record<IndexName, boolean>;
  /** Seed indexes present in the file right now. */
  presentIndexes: IndexName[];
  /** The resolved query cache options (`ttl` in ms). */
  cache: { enabled: boolean; maxSize: number; ttl: number };
}

/** What `getCacheStats()` reports about the query cache of the `…Cached` reads (counters since the queue opened). */
export interface CacheStatsReport {
  /** Whether the cache is on; when off, every counter is 0. */
  enabled: boolean;
  /** Reads answered from the cache. */
  hits: number;
  /** Reads that went to the database. */
  misses: number;
  /** Entries dropped to stay within `maxSize`. */
  evictions: number;
  /** Entries held now. */
  size: number;
  /** Most entries held (the `cache.maxSize` option). */
  maxSize: number;
  /** Time to live of an entry in ms (0: until evicted). */
  ttl: number;
  /** `hits / (hits + misses)`, 0 before the first read. */
  hitRate: number;
}

const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;

export { PAGE_CACHE_KIB } from './connection.js';

/** The options that set pragmas, as a conflict message shows them: `initQueue({ durability: 'full', ... })`. */
function describeOptions(resolved: ResolvedQueueOptions): string {
  const shown = resolved.readonly
    ? `durability: '${resolved.durability}', busyTimeout: ${resolved.busyTimeout}, init: { readonly: true }`
    : `durability: '${resolved.durability}', WAL: ${resolved.WAL}, busyTimeout: ${resolved.busyTimeout}`;
  return `initQueue({ ${shown} })`;
}

/** Opens (creating or migrating) the queue's file and builds its context. */
export function openQueueContext(resolved: ResolvedQueueOptions): QueueContext {
  const db = acquireConnection(resolved.dbName, {
    readonly: resolved.readonly,
    fileMustExist: resolved.fileMustExist,
    busyTimeout: resolved.busyTimeout,
  });
  try {
    const settings: ConnectionSettings = {
      synchronous: resolved.durability === 'full' ? 'FULL' : 'NORMAL',
      busyTimeout: resolved.busyTimeout,
      ...(resolved.readonly ? {} : { journalMode: resolved.WAL ? 'WAL' : 'DELETE' }),
    };
    configureConnection(db, settings, describeOptions(resolved));
    // Staging files of JSONL imports killed mid-way (their process gone) are removed.
    if (!resolved.readonly && db.name !== ':memory:' && db.name !== '') removeStaleScratch(db.name);
    if (resolved.reset) db.exec(`DROP TABLE IF EXISTS queue; ${DROP_WAIT_TABLES}`);
    ensureQueueSchema(db, resolved.readonly);
    // Created once; an initialised file is only read here (opening takes no write lock).
    if (!resolved.readonly && !db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'wait_conditions'`).get()) db.exec(WAIT_SCHEMA);
    if (!resolved.readonly) applyIndexes(db, resolved.indexes);
  } catch (err) {
    releaseConnection(db);
    throw sqliteError(err, 'open the event queue', db.name);
  }
  const statements = prepareStatements(db, resolved.readonly);
  const ctx: QueueContext = {
    db,
    dbName: db.name,
    options: resolved,
    statements,
    cache: resolved.cache.enabled ? new Cache<EventRow | EventRow[]>({ max: resolved.cache.maxSize, ttl: resolved.cache.ttl, freeze: true }) : null,
    seenVersion: Number(statements.dataVersion.get()),
    versionCheck: new RecentCheck(DATA_VERSION_MS),
    hooks: new Set(),
    current: null,
    afterInsert: null,
    closed: false,
  };
  joinConnection(ctx);
  return ctx;
}

/** Pragmas as SQLite reports them, and the merged options. */
export function readSettings(ctx: QueueContext): QueueSettings {
  const { db, options } = ctx;
  return {
    dbName: ctx.dbName,
    journalMode: String(db.pragma('journal_mode', { simple: true })),
    synchronous: SYNCHRONOUS[Number(db.pragma('synchronous', { simple: true }))] ?? 'FULL',
    busyTimeout: Number(db.pragma('busy_timeout', { simple: true })),
    tempStore: ['DEFAULT', 'FILE', 'MEMORY'][Number(db.pragma('temp_store', { simple: true }))] ?? 'DEFAULT',
    cacheSize: Number(db.pragma('cache_size', { simple: true })),
    durability: options.durability,
    WAL: options.WAL,
    profile: options.profile,
    indexes: { ...options.indexes },
    presentIndexes: presentIndexes(db),
    cache: { ...options.cache },
  };
}

/** Hits, misses, evictions, size and hit rate of the query cache. */
export function cacheStats(ctx: QueueContext): CacheStatsReport {
  const { cache, options } = ctx;
  if (!cache) return { enabled: false, hits: 0, misses: 0, evictions: 0, size: 0, maxSize: options.cache.maxSize, ttl: options.cache.ttl, hitRate: 0 };
  const stats = cache.stats();
  return {
    enabled: true,
    hits: stats.hits,
    misses: stats.misses,
    evictions: stats.evictions,
    size: stats.size,
    maxSize: stats.max,
    ttl: stats.ttl,
    hitRate: stats.hitRate,
  };
}
