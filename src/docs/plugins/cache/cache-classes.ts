/**
 * s3db.js's cache classes, usable standalone (`get`/`set`/`del`/`clear`) or
 * as CachePlugin drivers: each is a KeyValueCache over one of our drivers, so
 * there is one implementation of eviction, expiry, tiers and invalidation.
 *
 * @example
 * const cache = new MultiTierCache({ drivers: [new MemoryCache({ maxSize: 500 }), new FilesystemCache({ directory: './cache' })] });
 * await cache.set('user:1', { name: 'Ann' });
 * await cache.get('user:1'); // { name: 'Ann' } (a hit in the file tier is copied into memory)
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

export interface MemoryCacheOptions {
  ttl?: number;
  /** Most entries (LRU). @default 1000 */
  maxSize?: number;
  /** Bound on the summed size of the values (JSON length). */
  maxMemoryBytes?: number;
  /** Bound as a fraction (0..1) of the machine's memory. Not with maxMemoryBytes. */
  maxMemoryPercent?: number;
  /** Only 'lru'. */
  evictionPolicy?: 'lru';
}

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

export interface FilesystemCacheOptions {
  ttl?: number;
  /** @default <os tmpdir>/s3lite-cache */
  directory?: string;
  /** Size bound of the directory. @default 104857600 */
  maxBytes?: number;
}

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
  getPartition<T = unknown>(resource: string, partition: string, key: string): Promise<T | undefined> {
    return this.getIn<T>(scopeOf(resource, partition), key);
  }

  setPartition(resource: string, partition: string, key: string, value: unknown): Promise<void> {
    return this.setIn(scopeOf(resource, partition), key, value);
  }

  delPartition(resource: string, partition: string, key: string): Promise<void> {
    return this.delIn(scopeOf(resource, partition), key);
  }

  clearPartition(resource: string, partition: string): Promise<void> {
    return this.clearScope(scopeOf(resource, partition));
  }
}

function scopeOf(resource: string, partition: string): string {
  if (typeof resource !== 'string' || resource === '') throw invalidOption('resource', 'a resource name', resource);
  if (typeof partition !== 'string' || partition === '') throw invalidOption('partition', 'a partition name', partition);
  return `:${resource.length}:${resource}:${partition}`;
}

export interface S3CacheOptions {
  /** The store (or s3db.js client) holding the cache objects. */
  client: ObjectStore;
  ttl?: number;
  /** @default 'plugin=cache/' */
  keyPrefix?: string;
}

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

export interface MultiTierCacheOptions {
  /** Tiers, fastest first. */
  drivers: KeyValueCache[];
  /** @default the shortest ttl of the tiers */
  ttl?: number;
}

/** Several caches as tiers: a read tries them in order and copies a hit into the faster tiers above it. */
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
