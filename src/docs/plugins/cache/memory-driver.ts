/** driver: 'memory' (documented on the class). */
import { LRUCache } from 'lru-cache';
import { Cache } from '../../../core/cache.js';
import { checkOptions } from '../../../core/options.js';
import type { CacheDriver, CacheEntry, DriverRead, VersionWrite } from './cache-driver.js';
import { cloneValue } from './clone-value.js';
import { isDocVersionKey } from './cache-keys.js';

/** Options of `new MemoryDriver()`; an unknown one throws ValidationError. */
export interface MemoryDriverOptions {
  /** Most entries kept; the least recently used goes first. @default 1000 */
  max?: number;
  /** Optional bound on the summed size of the entries (JSON length of each result). @default undefined — only `max` bounds it */
  maxBytes?: number;
}

// The tokens array is never changed once made: shared, not copied.
const copyEntry = (entry: CacheEntry): CacheEntry => ({ version: entry.version, args: entry.args, value: cloneValue(entry.value), tokens: entry.tokens });

/**
 * Cache driver `memory`: the core TTL+LRU Cache in this process (not shared
 * with other processes). Results are copied in and out, so a caller changing
 * what it got back cannot change what the next caller reads. Hits are
 * served without an await when every driver of the plugin is in memory.
 *
 * @example
 * new CachePlugin({ drivers: [new MemoryDriver({ max: 5000, maxBytes: 50_000_000 })] });
 */
export class MemoryDriver implements CacheDriver {
  readonly kind = 'memory';
  readonly shared = false;
  readonly #entries: Cache<CacheEntry>;
  /** Document tokens, one per document read or written: LRU-bounded (losing one only makes its entry miss). */
  readonly #docVersions: LRUCache<string, string>;
  /** Global, resource and lists tokens: a few per resource, kept in a plain Map (the cheapest lookup of a hit). */
  readonly #versions = new Map<string, string>();

  constructor(options: MemoryDriverOptions = {}) {
    checkOptions('MemoryDriver', options, ['max', 'maxBytes']);
    const max = options.max ?? 1000;
    this.#entries = new Cache<CacheEntry>({
      max,
      clone: copyEntry,
      ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes, sizeOf: (entry: CacheEntry) => Math.max(1, JSON.stringify(entry.value)?.length ?? 1) } : {}),
    });
    this.#docVersions = new LRUCache<string, string>({ max: Math.max(4 * max, 10_000), ttlAutopurge: false });
  }

  async open(): Promise<void> {}

  read(versionKeys: readonly string[], entryKey: string | undefined): Promise<DriverRead> {
    return Promise.resolve(this.readNow(versionKeys, entryKey));
  }

  readNow(versionKeys: readonly string[], entryKey: string | undefined): DriverRead {
    const versions = new Array<string | undefined>(versionKeys.length);
    for (let i = 0; i < versionKeys.length; i++) versions[i] = this.#token(versionKeys[i] as string);
    const entry = entryKey === undefined ? undefined : this.#entries.get(entryKey);
    return { versions, entry };
  }

  ensure(versions: readonly VersionWrite[]): Promise<string[]> {
    return Promise.resolve(
      versions.map(({ key, token, ttl }) => {
        const current = this.#token(key);
        if (current !== undefined) return current;
        this.#setToken(key, token, ttl);
        return token;
      }),
    );
  }

  invalidate(versions: readonly VersionWrite[], staleEntries: readonly string[]): Promise<void> {
    for (const { key, token, ttl } of versions) this.#setToken(key, token, ttl);
    for (const key of staleEntries) this.#entries.delete(key);
    return Promise.resolve();
  }

  write(entryKey: string, entry: CacheEntry, ttl: number): Promise<void> {
    this.#entries.set(entryKey, entry, ttl > 0 ? { ttl } : {});
    return Promise.resolve();
  }

  evictions(): number {
    return this.#entries.stats().evictions;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#versions.clear();
    this.#docVersions.clear();
  }

  #token(key: string): string | undefined {
    // #setToken puts document keys only in the LRU: a Map miss (cheap, the plan's key strings are reused) means "ask the LRU".
    return this.#versions.get(key) ?? this.#docVersions.get(key);
  }

  #setToken(key: string, token: string, ttl: number): void {
    if (isDocVersionKey(key)) this.#docVersions.set(key, token, ttl > 0 ? { ttl } : {});
    else this.#versions.set(key, token);
  }
}
