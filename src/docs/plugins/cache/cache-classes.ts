/**
 * s3db.js's cache classes, usable standalone (`get`/`set`/`del`/`clear`) or
 * as CachePlugin drivers: each is a KeyValueCache over one of our drivers, so
 * there is one implementation of eviction, expiry, tiers and invalidation.
 */
import { totalmem } from 'node:os';
import { assertKnownOptions, invalidOption } from '../../../core/options.js';
import type { ObjectStore } from '../../../storage/object-store.js';
import { FilesystemDriver } from './filesystem-driver.js';
import { KeyValueCache } from './key-value-cache.js';
import { MemoryDriver } from './memory-driver.js';
import { S3Driver } from './s3-driver.js';

function known(what: string, options: object, names: readonly string[]): Record<string, unknown> {
  if (options === null || typeof options !== 'object') throw invalidOption(`${what} options`, 'an object', options);
  assertKnownOptions(what, options, names);
  return options as Record<string, unknown>;
}

function integer(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalidOption(name, `an integer from ${min} and up`, value);
  return value;
}

function ttlOf(o: Record<string, unknown>): { ttl?: number } {
  const ttl = integer('ttl', o.ttl, 0);
  return ttl === undefined ? {} : { ttl };
}

/** Options s3db.js documents that change nothing here (values are kept as structured copies, never gzip'd). */
const ACCEPTED = ['enableCompression', 'compressionThreshold', 'enableStats', 'logLevel'];

/**
 * Options of `new MemoryCache()` (s3db.js's names). s3db.js's
 * `enableCompression`, `compressionThreshold`, `enableStats` and `logLevel`
 * are accepted and change nothing; any other unknown option throws ValidationError.
 */
export interface MemoryCacheOptions {
  /** Entry time to live in ms; 0 keeps entries until evicted or deleted. @default 300000 */
  ttl?: number;
  /** Most entries (LRU). @default 1000 */
  maxSize?: number;
  /** Bound on the summed size of the values (JSON length). @default undefined — only `maxSize` bounds it */
  maxMemoryBytes?: number;
  /** Bound as a fraction (above 0, at most 1) of the machine's total memory. Not with maxMemoryBytes. @default undefined */
  maxMemoryPercent?: number;
  /** Only 'lru'. @default 'lru' */
  evictionPolicy?: 'lru';
}

/**
 * s3db.js's MemoryCache: a {@link KeyValueCache} over one {@link MemoryDriver}
 * (this process only).
 *
 * @example
 * const cache = new MemoryCache({ maxSize: 500, ttl: 60_000 });
 * await cache.set('user:1', { name: 'Ann' });
 * await cache.get('user:1'); // { name: 'Ann' }
 */
export class MemoryCache extends KeyValueCache {
  constructor(options: MemoryCacheOptions = {}) {
    const o = known('MemoryCache', options, ['ttl', 'maxSize', 'maxMemoryBytes', 'maxMemoryPercent', 'evictionPolicy', ...ACCEPTED]);
    const max = integer('maxSize', o.maxSize, 1);
    let maxBytes = integer('maxMemoryBytes', o.maxMemoryBytes, 1);
    if (o.maxMemoryPercent !== undefined) {
      if (maxBytes !== undefined) throw invalidOption('maxMemoryPercent', 'omitted when maxMemoryBytes is given', o.maxMemoryPercent);
      const share = o.maxMemoryPercent;
      if (typeof share !== 'number' || !(share > 0 && share <= 1)) throw invalidOption('maxMemoryPercent', 'a fraction above 0 and at most 1 (0.1 = 10%)', share);
      maxBytes = Math.max(1, Math.floor(totalmem() * share));
    }
    if (o.evictionPolicy !== undefined && o.evictionPolicy !== 'lru') throw invalidOption('evictionPolicy', "'lru' (the only policy)", o.evictionPolicy);
    super([new MemoryDriver({ ...(max !== undefined ? { max } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}) })], ttlOf(o));
  }
}

/** Options of `new FilesystemCache()` (s3db.js's compression and stats options are accepted and change nothing). */
export interface FilesystemCacheOptions {
  /** Entry time to live in ms; 0 keeps entries until evicted or deleted. @default 300000 */
  ttl?: number;
  /** Where the files go (under `<directory>/kv/`). @default <os tmpdir>/s3lite-cache */
  directory?: string;
  /** Size bound of the directory. @default 104857600 */
  maxBytes?: number;
}

/** s3db.js's FilesystemCache: a {@link KeyValueCache} over one {@link FilesystemDriver} (shared by processes on one machine). */
export class FilesystemCache extends KeyValueCache {
  constructor(options: FilesystemCacheOptions = {}) {
    const o = known('FilesystemCache', options, ['ttl', 'directory', 'maxBytes', ...ACCEPTED]);
    if (o.directory !== undefined && (typeof o.directory !== 'string' || o.directory === '')) throw invalidOption('directory', 'a directory path', o.directory);
    const maxBytes = integer('maxBytes', o.maxBytes, 1);
    super([new FilesystemDriver({ ...(o.directory !== undefined ? { directory: o.directory as string } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}) })], ttlOf(o));
  }
}

/**
 * A FilesystemCache whose keys can be grouped by resource partition:
 * `clearPartition('users', 'byRegion')` forgets that partition's entries only.
 */
export class PartitionAwareFilesystemCache extends FilesystemCache {
  /** The value under `key` in that resource partition's group, or undefined. */
  getPartition<T = unknown>(resource: string, partition: string, key: string): Promise<T | undefined> {
    return this.getIn<T>(scopeOf(resource, partition), key);
  }

  /** Stores `value` under `key` in that resource partition's group. */
  setPartition(resource: string, partition: string, key: string, value: unknown): Promise<void> {
    return this.setIn(scopeOf(resource, partition), key, value);
  }

  /** Deletes `key` from that resource partition's group. */
  delPartition(resource: string, partition: string, key: string): Promise<void> {
    return this.delIn(scopeOf(resource, partition), key);
  }

  /** Forgets every key of that resource partition's group (other groups and plain keys stay). */
  clearPartition(resource: string, partition: string): Promise<void> {
    return this.clearScope(scopeOf(resource, partition));
  }
}

function scopeOf(resource: string, partition: string): string {
  if (typeof resource !== 'string' || resource === '') throw invalidOption('resource', 'a resource name', resource);
  if (typeof partition !== 'string' || partition === '') throw invalidOption('partition', 'a partition name', partition);
  return `:${resource.length}:${resource}:${partition}`;
}

/** Options of `new S3Cache()` (s3db.js's `prefix` spelling and compression/stats options are accepted too). */
export interface S3CacheOptions {
  /** The store (or s3db.js client) holding the cache objects, e.g. `db.client`. */
  client: ObjectStore;
  /** Entry time to live in ms; 0 keeps entries until deleted. @default 300000 */
  ttl?: number;
  /** Key prefix of the cache objects (a missing trailing `/` is added; objects go under `<keyPrefix>kv/`). @default 'plugin=cache/' */
  keyPrefix?: string;
}

/** s3db.js's S3Cache: a {@link KeyValueCache} over one {@link S3Driver}, on the store given as `client`. */
export class S3Cache extends KeyValueCache {
  constructor(options: S3CacheOptions) {
    const o = known('S3Cache', options, ['client', 'ttl', 'keyPrefix', 'prefix', ...ACCEPTED]);
    const client = o.client as ObjectStore | undefined;
    if (!client || typeof client.putObject !== 'function') throw invalidOption('client', 'an object store or s3db.js client (MemoryClient, S3Client, db.client)', client);
    const prefix = o.keyPrefix ?? o.prefix;
    if (prefix !== undefined && (typeof prefix !== 'string' || prefix === '')) throw invalidOption('keyPrefix', 'a non-empty key prefix', prefix);
    const normalized = prefix === undefined ? undefined : (prefix as string).endsWith('/') ? (prefix as string) : `${prefix as string}/`;
    super([new S3Driver(normalized === undefined ? {} : { prefix: normalized })], { ...ttlOf(o), store: client });
  }
}

/** Options of `new MultiTierCache()`; an unknown one throws ValidationError. */
export interface MultiTierCacheOptions {
  /** Tiers, fastest first. */
  drivers: KeyValueCache[];
  /** Entry time to live in ms, for every tier. @default the shortest ttl of the tiers */
  ttl?: number;
}

/**
 * Several caches as tiers: a read tries them in order and copies a hit into
 * the faster tiers above it. The tiers' drivers are used directly (use the
 * MultiTierCache, not the tier caches, once it is made).
 *
 * @example
 * const cache = new MultiTierCache({ drivers: [new MemoryCache({ maxSize: 500 }), new FilesystemCache({ directory: './cache' })] });
 * await cache.set('user:1', { name: 'Ann' }); // written to both tiers
 * await cache.get('user:1'); // { name: 'Ann' }, from memory
 */
export class MultiTierCache extends KeyValueCache {
  constructor(options: MultiTierCacheOptions) {
    const o = known('MultiTierCache', options, ['drivers', 'ttl']);
    const tiers = o.drivers;
    if (!Array.isArray(tiers) || tiers.length === 0 || !tiers.every((t) => t instanceof KeyValueCache)) {
      throw invalidOption('drivers', 'a non-empty array of caches (MemoryCache, FilesystemCache, S3Cache)', tiers);
    }
    const ttl = integer('ttl', o.ttl, 0) ?? Math.min(...tiers.map((t) => t.ttl));
    const s3 = tiers.find((t) => t instanceof S3Cache);
    super(tiers.flatMap((t) => t.drivers), { ttl, ...(s3 ? { store: s3.store } : {}) });
  }
}
