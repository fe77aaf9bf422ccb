/**
 * TTL + LRU cache with hit/miss statistics, on `lru-cache`.
 *
 * Values handed out are never the stored object itself: by default each `get`
 * returns a structured clone; with `freeze: true` the value is deep-frozen once
 * on `set` and handed out as is (no copy, so faster, and still impossible to
 * corrupt). Callers can therefore never change what the next caller reads.
 */
import { LRUCache } from 'lru-cache';
import { checkOptions, invalidOption } from './options.js';

export interface CacheOptions<V> {
  /** Most entries kept; the least recently used is evicted past it. @default 1000 */
  max?: number;
  /** Time to live in ms; 0 keeps entries until evicted. @default 0 */
  ttl?: number;
  /** Optional bound on the summed size of the entries, measured by `sizeOf`. */
  maxBytes?: number;
  /** Size of one entry for `maxBytes`. @default JSON length of the value */
  sizeOf?: (value: V, key: string) => number;
  /** How a value is copied on `get`. @default structuredClone */
  clone?: (value: V) => V;
  /** Deep-freeze values on `set` and hand them out without copying. @default false */
  freeze?: boolean;
}

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
  size: number;
  max: number;
  ttl: number;
  hitRate: number;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

function checkNonNegativeInteger(name: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalidOption(name, `an integer from ${min} and up`, value);
  }
}

/**
 * An in-process cache with a TTL and LRU eviction (lru-cache underneath).
 * `get` hands out a copy (or a frozen value), so changing it never changes
 * the cache.
 *
 * @example
 * const cache = new Cache({ max: 1000, ttl: 60000 });
 * cache.set('k', { n: 1 });
 * cache.get('k'); // { n: 1 }, a copy
 * cache.stats();  // { hits, misses, evictions, expirations, size, max, ttl, hitRate }
 */
export class Cache<V> {
  readonly #lru: LRUCache<string, { value: V }>;
  readonly #copy: (value: V) => V;
  readonly #freeze: boolean;
  readonly #max: number;
  readonly #ttl: number;
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #expirations = 0;

  constructor(options: CacheOptions<V> = {}) {
    checkOptions('Cache', options, ['max', 'ttl', 'maxBytes', 'sizeOf', 'clone', 'freeze']);
    checkNonNegativeInteger('max', options.max, 1);
    checkNonNegativeInteger('ttl', options.ttl, 0);
    checkNonNegativeInteger('maxBytes', options.maxBytes, 1);
    this.#max = options.max ?? 1000;
    this.#ttl = options.ttl ?? 0;
    this.#freeze = options.freeze ?? false;
    this.#copy = this.#freeze ? (v) => v : (options.clone ?? ((v) => structuredClone(v)));
    const sizeOf = options.sizeOf ?? ((value: V) => Math.max(1, JSON.stringify(value)?.length ?? 1));
    this.#lru = new LRUCache<string, { value: V }>({
      max: this.#max,
      ...(this.#ttl > 0 ? { ttl: this.#ttl } : {}),
      ...(options.maxBytes ? { maxSize: options.maxBytes, sizeCalculation: (e, k) => sizeOf(e.value, k) } : {}),
      dispose: (_entry, _key, reason) => {
        if (reason === 'evict') this.#evictions++;
        else if (reason === 'expire') this.#expirations++;
      },
    });
  }

  /** The value for `key` (a copy, or the frozen value), or undefined. Counts a hit or a miss. */
  get(key: string): V | undefined {
    const entry = this.#lru.get(key);
    if (entry === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return this.#copy(entry.value);
  }

  /** Whether a live entry exists; does not count as a hit or miss. */
  has(key: string): boolean {
    return this.#lru.has(key);
  }

  /** Stores a copy (or a frozen version) of `value`: later changes by the caller do not leak in. */
  set(key: string, value: V, options: { ttl?: number } = {}): void {
    const stored = this.#freeze ? deepFreeze(value) : this.#copy(value);
    this.#lru.set(key, { value: stored }, options.ttl === undefined ? undefined : { ttl: options.ttl });
  }

  delete(key: string): boolean {
    return this.#lru.delete(key);
  }

  /** Deletes every entry whose key starts with `prefix`; returns how many. */
  deletePrefix(prefix: string): number {
    let deleted = 0;
    for (const key of [...this.#lru.keys()]) {
      if (key.startsWith(prefix) && this.#lru.delete(key)) deleted++;
    }
    return deleted;
  }

  clear(): void {
    this.#lru.clear();
  }

  get size(): number {
    return this.#lru.size;
  }

  stats(): CacheStats {
    const lookups = this.#hits + this.#misses;
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      expirations: this.#expirations,
      size: this.#lru.size,
      max: this.#max,
      ttl: this.#ttl,
      hitRate: lookups === 0 ? 0 : this.#hits / lookups,
    };
  }

  /** Resets hit/miss/eviction counters (not the entries). */
  resetStats(): void {
    this.#hits = this.#misses = this.#evictions = this.#expirations = 0;
  }
}
