/**
 * driver: 'memory' — the core TTL+LRU Cache in this process. Results are
 * copied in and out, so a caller changing what it got back cannot change
 * what the next caller reads.
 */
import { LRUCache } from 'lru-cache';
import { Cache } from '../../../core/cache.js';
import type { CacheDriver, CacheEntry, DriverRead, VersionWrite } from './cache-driver.js';
import { cloneValue } from './clone-value.js';

export interface MemoryDriverOptions {
  /** Most entries kept; the least recently used goes first. @default 1000 */
  max?: number;
  /** Optional bound on the summed size of the entries (JSON length of each result). */
  maxBytes?: number;
}

const copyEntry = (entry: CacheEntry): CacheEntry => ({ version: entry.version, args: entry.args, value: cloneValue(entry.value) });

export class MemoryDriver implements CacheDriver {
  readonly kind = 'memory';
  readonly shared = false;
  readonly #entries: Cache<CacheEntry>;
  /** Losing a token is harmless (its entries just miss), so the tokens are LRU-bounded too. */
  readonly #versions: LRUCache<string, string>;

  constructor(options: MemoryDriverOptions = {}) {
    const max = options.max ?? 1000;
    this.#entries = new Cache<CacheEntry>({
      max,
      clone: copyEntry,
      ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes, sizeOf: (entry: CacheEntry) => Math.max(1, JSON.stringify(entry.value)?.length ?? 1) } : {}),
    });
    this.#versions = new LRUCache<string, string>({ max: Math.max(4 * max, 10_000), ttlAutopurge: false });
  }

  async open(): Promise<void> {}

  read(versionKeys: readonly string[], entryKey: string | undefined): Promise<DriverRead> {
    const versions = versionKeys.map((key) => this.#versions.get(key));
    const entry = entryKey === undefined ? undefined : this.#entries.get(entryKey);
    return Promise.resolve({ versions, entry });
  }

  ensure(versions: readonly VersionWrite[]): Promise<string[]> {
    return Promise.resolve(
      versions.map(({ key, token, ttl }) => {
        const current = this.#versions.get(key);
        if (current !== undefined) return current;
        this.#versions.set(key, token, ttl > 0 ? { ttl } : {});
        return token;
      }),
    );
  }

  invalidate(versions: readonly VersionWrite[], staleEntries: readonly string[]): Promise<void> {
    for (const { key, token, ttl } of versions) this.#versions.set(key, token, ttl > 0 ? { ttl } : {});
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
  }
}
