/**
 * Options of `initQueue`: defaults, the seed's three profiles, merging and
 * validation. Options merge key by key over a profile over the defaults, so
 * `indexes: { cmd: true }` adds an index without turning the two core ones off.
 */
import { ValidationError } from '../core/errors.js';
import { assertKnownOptions, invalidOption } from '../core/options.js';
import { resolveHashOptions, type HashOptions, type ResolvedHashOptions } from './password-hash.js';

/** The eight configurable indexes of the seed, each mapped to one SQLite index. */
export const INDEX_NAMES = [
  'correlation_id',
  'causation_id',
  'cmd',
  'user',
  'datetime',
  'version',
  'correlation_cmd',
  'user_datetime',
] as const;

/** One of the eight configurable indexes ({@link INDEX_NAMES}); `correlation_cmd` and `user_datetime` are two-column indexes. */
export type IndexName = (typeof INDEX_NAMES)[number];
/** `indexes` option: `true` creates the index, `false` drops it, an absent name keeps the default or profile's choice. */
export type IndexOptions = Partial<Record<IndexName, boolean>>;

/** Query cache of `retrieveByIDCached` / `getTransactionCached`. */
export interface QueueCacheOptions {
  /** Whether the `…Cached` reads use the cache (off: they read the database each time). @default true */
  enabled?: boolean;
  /** Most cached entries (events or transactions). @default 1000 */
  maxSize?: number;
  /** Time to live in ms; 0 = until evicted. @default 300000 */
  ttl?: number;
}

/** `'full'`: synchronous=FULL, every commit is fsynced. `'normal'`: synchronous=NORMAL (in WAL, a crash may lose the last commits, never corrupts). */
export type Durability = 'full' | 'normal';

/** The seed's three performance profiles. */
export type QueueProfile = 'high-volume' | 'balanced' | 'query-optimized';

/**
 * Options of `initQueue` (and of `openQueue`'s `sqlite`). Merged key by key over a
 * `profile` over the defaults; unknown keys and bad values throw `ValidationError`
 * naming the option.
 */
export interface QueueOptions {
  /** Path of the SQLite file (directory created), or `':memory:'`. @default 'data/events.sqlite' */
  dbName?: string;
  /** Write-ahead logging (journal_mode=WAL); false uses journal_mode=DELETE. @default true */
  WAL?: boolean;
  /** eventlite's spelling of `WAL: false`. @default false */
  noWAL?: boolean;
  /** `'full'` (synchronous=FULL) fsyncs every commit; `'normal'` (synchronous=NORMAL): in WAL mode a power loss may lose the last commits, never corrupts the file. @default 'full' */
  durability?: Durability;
  /** Milliseconds to wait for a lock held by another connection (busy_timeout). @default 5000 */
  busyTimeout?: number;
  /**
   * Merged over the defaults (or the profile's); an index set to false is dropped from the file.
   * @default { correlation_id: true, causation_id: true } (the other six off), or the profile's set
   */
  indexes?: IndexOptions;
  /**
   * Query cache of `retrieveByIDCached` / `getTransactionCached`, merged key by key.
   * @default { enabled: true, maxSize: 1000, ttl: 300000 }, or the profile's
   */
  cache?: QueueCacheOptions;
  /** Adds `reset()`, which empties the log. For tests only. @default false */
  risky?: boolean;
  /** Drop the event table (and pending wait-condition events) when opening, as eventlite's `reset` does. @default false */
  reset?: boolean;
  /** Hash `data.user_password` before storing (eventlite's Bun.password options). @default undefined (no hashing) */
  hash?: HashOptions;
  /**
   * A preset of the seed; explicit options override it. `'high-volume'`: the two core
   * indexes, no cache. `'balanced'`: adds `cmd` and `datetime`. `'query-optimized'`:
   * all but `user_datetime`, cache of 5000 entries for 10 min. All use WAL.
   * @default undefined — the defaults of each option
   */
  profile?: QueueProfile;
  /** Clock of the `datetime` column, in ms since the epoch. @default Date.now */
  datetime?: () => number;
  /**
   * eventlite's open flags: `create: false` requires the file to exist; `readonly` opens
   * it read-only (no schema changes, writes fail). `strict` is accepted (binding is always strict).
   * @default undefined — created if missing, read-write
   */
  init?: { create?: boolean; readonly?: boolean; strict?: boolean };
}

export interface ResolvedQueueOptions {
  dbName: string;
  WAL: boolean;
  durability: Durability;
  busyTimeout: number;
  indexes: Record<IndexName, boolean>;
  cache: Required<QueueCacheOptions>;
  risky: boolean;
  reset: boolean;
  hash: ResolvedHashOptions | null;
  profile: QueueProfile | null;
  datetime: () => number;
  readonly: boolean;
  fileMustExist: boolean;
}

const CORE_INDEXES: Record<IndexName, boolean> = {
  correlation_id: true,
  causation_id: true,
  cmd: false,
  user: false,
  datetime: false,
  version: false,
  correlation_cmd: false,
  user_datetime: false,
};

interface Preset {
  WAL: boolean;
  indexes: Record<IndexName, boolean>;
  cache: Required<QueueCacheOptions>;
}

/** The seed's profile table: High-Volume (2 core indexes, no cache), Balanced (4 indexes), Query-Optimized (7 indexes). */
export const PROFILES: Record<QueueProfile, Preset> = {
  'high-volume': {
    WAL: true,
    indexes: { ...CORE_INDEXES },
    cache: { enabled: false, maxSize: 1000, ttl: 300_000 },
  },
  balanced: {
    WAL: true,
    indexes: { ...CORE_INDEXES, cmd: true, datetime: true },
    cache: { enabled: true, maxSize: 1000, ttl: 300_000 },
  },
  'query-optimized': {
    WAL: true,
    indexes: { ...CORE_INDEXES, cmd: true, user: true, datetime: true, version: true, correlation_cmd: true },
    cache: { enabled: true, maxSize: 5000, ttl: 600_000 },
  },
};

const DEFAULTS: Preset = {
  WAL: true,
  indexes: { ...CORE_INDEXES },
  cache: { enabled: true, maxSize: 1000, ttl: 300_000 },
};

const KNOWN_OPTIONS = new Set([
  'dbName', 'WAL', 'noWAL', 'durability', 'busyTimeout', 'indexes', 'cache', 'risky', 'reset', 'hash', 'profile', 'datetime', 'init',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidOption(name, 'a boolean', value);
  return value;
}

function optionalInteger(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalidOption(name, `an integer from ${min} and up`, value);
  }
  return value;
}

/** Validates `options` and merges them over the profile and the defaults. Throws `ValidationError` naming the option. */
export function resolveQueueOptions(options: QueueOptions = {}): ResolvedQueueOptions {
  if (!isPlainObject(options as unknown)) throw invalidOption('options', 'an object', options);
  assertKnownOptions('initQueue', options, [...KNOWN_OPTIONS]);

  let preset = DEFAULTS;
  if (options.profile !== undefined) {
    const profile = PROFILES[options.profile];
    if (!Object.hasOwn(PROFILES, options.profile) || !profile) {
      throw invalidOption('profile', `one of ${Object.keys(PROFILES).map((p) => `'${p}'`).join(', ')}`, options.profile);
    }
    preset = profile;
  }

  const dbName = options.dbName ?? 'data/events.sqlite';
  if (typeof dbName !== 'string' || dbName.length === 0) throw invalidOption('dbName', 'a non-empty file path', dbName);

  const wal = optionalBoolean('WAL', options.WAL);
  const noWal = optionalBoolean('noWAL', options.noWAL);
  if (wal !== undefined && noWal !== undefined && wal === noWal) {
    throw new ValidationError('`WAL` and `noWAL` contradict each other; pass only `WAL`.', [{ field: 'WAL', message: 'contradicts noWAL' }]);
  }

  const durability = options.durability ?? 'full';
  if (durability !== 'full' && durability !== 'normal') throw invalidOption('durability', "'full' or 'normal'", durability);

  const indexes = { ...preset.indexes };
  if (options.indexes !== undefined) {
    if (!isPlainObject(options.indexes)) throw invalidOption('indexes', 'an object of index names to booleans', options.indexes);
    assertKnownOptions('initQueue', options.indexes, INDEX_NAMES, 'indexes.');
    for (const [key, value] of Object.entries(options.indexes)) {
      indexes[key as IndexName] = optionalBoolean(`indexes.${key}`, value) ?? indexes[key as IndexName];
    }
  }

  const cache = { ...preset.cache };
  if (options.cache !== undefined) {
    if (!isPlainObject(options.cache)) throw invalidOption('cache', 'an object { enabled, maxSize, ttl }', options.cache);
    assertKnownOptions('initQueue', options.cache, ['enabled', 'maxSize', 'ttl'], 'cache.');
    cache.enabled = optionalBoolean('cache.enabled', options.cache.enabled) ?? cache.enabled;
    cache.maxSize = optionalInteger('cache.maxSize', options.cache.maxSize, 1) ?? cache.maxSize;
    cache.ttl = optionalInteger('cache.ttl', options.cache.ttl, 0) ?? cache.ttl;
  }

  const risky = optionalBoolean('risky', options.risky) ?? false;
  const reset = optionalBoolean('reset', options.reset) ?? false;

  if (options.datetime !== undefined && typeof options.datetime !== 'function') {
    throw invalidOption('datetime', 'a function returning milliseconds since the epoch', options.datetime);
  }

  let readonly = false;
  let fileMustExist = false;
  if (options.init !== undefined) {
    if (!isPlainObject(options.init)) throw invalidOption('init', 'an object { create, readonly, strict }', options.init);
    assertKnownOptions('initQueue', options.init, ['create', 'readonly', 'strict'], 'init.');
    fileMustExist = optionalBoolean('init.create', options.init.create) === false;
    readonly = optionalBoolean('init.readonly', options.init.readonly) ?? false;
    optionalBoolean('init.strict', options.init.strict);
  }

  return {
    dbName,
    WAL: wal ?? (noWal === undefined ? preset.WAL : !noWal),
    durability,
    busyTimeout: optionalInteger('busyTimeout', options.busyTimeout, 0) ?? 5000,
    indexes,
    cache,
    risky,
    reset,
    hash: resolveHashOptions(options.hash),
    profile: options.profile ?? null,
    datetime: options.datetime ?? Date.now,
    readonly,
    fileMustExist,
  };
}
