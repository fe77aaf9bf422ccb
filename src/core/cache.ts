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

/** Options of {@link Cache}. A bad value or an unknown name throws ValidationError. */
export interface CacheOptions<V> {
  /** Most entries kept (an integer from 1); the least recently used is evicted past it. @default 1000 */
  max?: number;
  /** Time to live in ms (an integer from 0); 0 keeps entries until evicted. `set(key, value, { ttl })` overrides it per entry. @default 0 */
  ttl?: number;
  /**
   * Bound on the summed size of the entries, in the units `sizeOf` returns (an integer
   * from 1); least recently used entries are evicted to stay under it.
   * @default undefined — no size bound, only `max`
   */
  maxBytes?: number;
  /** Size of one entry for `maxBytes`; only called when `maxBytes` is set. @default the length of `JSON.stringify(value)` (UTF-16 units, at least 1) */
  sizeOf?: (value: V, key: string) => number;
  /** How a value is copied on `set` and on `get`; ignored with `freeze: true`. @default structuredClone */
  clone?: (value: V) => V;
  /** Deep-freeze values on `set` and hand them out without copying. @default false */
  freeze?: boolean;
}

/** What {@link Cache.stats} returns. Counters run from construction or the last resetStats(). */
export interface CacheStats {
  /** `get` calls that found a live entry. */
  hits: number;
  /** `get` calls that found nothing (or an expired entry). */
  misses: number;
  /** Entries dropped to stay within `max` or `maxBytes`. */
  evictions: number;
  /** Entries dropped because their TTL ran out (counted when next touched, not on the clock). */
  expirations: number;
  /** Entries held now; an expired entry counts until it is next touched. */
  size: number;
  /** The `max` option in force. */
  max: number;
  /** The default TTL in ms (0: none). */
  ttl: number;
  /** hits / (hits + misses), from 0 to 1; 0 before the first lookup. */
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

  /** Removes `key`; returns whether it was there. */
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

  /** Removes every entry (counters are kept; see resetStats()). */
  clear(): void {
    this.#lru.clear();
  }

  /** Entries held now; an expired entry counts until it is next touched. */
  get size(): number {
    return this.#lru.size;
  }

  /** Hit, miss, eviction and expiration counts, size and hit rate; see {@link CacheStats}. */
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
