/** s3db.js's standalone cache API over the cache plugin's own CacheStack (documented on the class). */
import { randomBytes } from 'node:crypto';
import { checkOptions, invalidOption } from '../../../core/options.js';
import { MemoryStore } from '../../../storage/memory-store.js';
import type { ObjectStore } from '../../../storage/object-store.js';
import { createLogger } from '../../logger.js';
import type { CacheDriver } from './cache-driver.js';
import { ReadPlanner, type ReadPlan } from './cache-keys.js';
import { CacheStack, type CacheStats } from './cache-stack.js';

/** Options of `new KeyValueCache()`; an unknown one throws ValidationError. */
export interface KeyValueCacheOptions {
  /** Entry time to live in ms; 0 keeps entries until evicted or deleted. @default 300000 (s3db.js's default) */
  ttl?: number;
}

const logger = createLogger('warn');

/**
 * s3db.js's standalone cache API (`get`/`set`/`del`/`clear`) over any cache
 * drivers, fastest first, and the base of MemoryCache, FilesystemCache,
 * S3Cache and MultiTierCache. It is the cache plugin's own machinery: a key
 * is a document of a private "resource", so `del` and `clear` are the
 * plugin's exact invalidation (an entry written before them is never served
 * again), a hit in a lower driver is copied into the ones above, and values
 * come back as copies. Keys are non-empty strings (ValidationError otherwise);
 * a failing driver is counted in `stats()` and read past, never thrown.
 *
 * @example
 * const cache = new KeyValueCache([new MemoryDriver({ max: 100 })], { ttl: 60_000 });
 * await cache.set('greeting', { text: 'hi' });
 * await cache.get('greeting'); // { text: 'hi' } (a copy)
 * await cache.del('greeting');
 * await cache.close();
 */
export class KeyValueCache {
  /** The drivers holding the entries, fastest first (what CachePlugin uses when given this cache). */
  readonly drivers: readonly CacheDriver[];
  /** Entry time to live in ms (0: none). */
  readonly ttl: number;
  readonly #stack: CacheStack;
  readonly #planner = new ReadPlanner();
  readonly #space: string;
  #opened: Promise<void> | undefined;
  readonly #context: { namespace: string; store: ObjectStore };

  constructor(drivers: readonly CacheDriver[], options: KeyValueCacheOptions & { namespace?: string; store?: ObjectStore } = {}) {
    checkOptions('KeyValueCache', options, ['ttl', 'namespace', 'store']);
    const ttl = options.ttl ?? 300_000;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0) throw invalidOption('ttl', 'an integer number of ms from 0 and up', ttl);
    this.drivers = drivers;
    this.ttl = ttl;
    this.#stack = new CacheStack(drivers, ttl, () => logger);
    this.#space = `kv:${options.namespace ?? 'default'}`;
    // In-process drivers need no store; s3 caches pass theirs.
    this.#context = { namespace: options.namespace ?? 'kv', store: options.store ?? new MemoryStore({ bucket: `kv-cache-${randomBytes(6).toString('hex')}` }) };
  }

  /** The store given to the drivers (the s3 driver keeps its objects there). */
  get store(): ObjectStore {
    return this.#context.store;
  }

  /** The value stored under `key`, or undefined. */
  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.getIn<T>('', key);
  }

  /** Stores `value` under `key` (resolves once every tier has it). */
  set(key: string, value: unknown): Promise<void> {
    return this.setIn('', key, value);
  }

  /** Deletes `key` from every tier. */
  del(key: string): Promise<void> {
    return this.delIn('', key);
  }

  /** Alias of {@link del}. */
  delete(key: string): Promise<void> {
    return this.del(key);
  }

  /** Forgets every entry of this cache. */
  async clear(): Promise<void> {
    await this.#open();
    await this.#stack.clear();
  }

  /** get() within a scope (a group of keys clearScope() forgets at once). */
  protected async getIn<T>(scope: string, key: string): Promise<T | undefined> {
    const found = await this.#stack.lookup(await this.#plan(scope, key));
    return found.hit ? (found.value as T) : undefined;
  }

  protected async setIn(scope: string, key: string, value: unknown): Promise<void> {
    const plan = await this.#plan(scope, key);
    const found = await this.#stack.lookup(plan);
    // A miss hands out the current version tokens; a hit means the key is cached: invalidate it, then store.
    const tokens = found.hit ? await this.#fresh(scope, key, plan) : found.tokens;
    if (tokens !== undefined) this.#stack.store(plan, tokens, value);
    await this.#stack.settle();
  }

  protected async delIn(scope: string, key: string): Promise<void> {
    await this.#open();
    await this.#stack.invalidate(this.#space + scope, [checkKey(key)]);
  }

  /** Forgets every key of one scope. */
  protected async clearScope(scope: string): Promise<void> {
    await this.#open();
    await this.#stack.clear(this.#space + scope);
  }

  /** hits, misses, sets, evictions, errors and hitRate, in total and per driver. */
  stats(): CacheStats {
    return this.#stack.stats();
  }

  /** Waits for writes in flight and closes the drivers. */
  async close(): Promise<void> {
    if (this.#opened) await this.#opened;
    await this.#stack.close();
  }

  async #fresh(scope: string, key: string, plan: ReadPlan): Promise<readonly string[] | undefined> {
    await this.#stack.invalidate(this.#space + scope, [key]);
    const again = await this.#stack.lookup(plan);
    return again.hit ? undefined : again.tokens;
  }

  async #plan(scope: string, key: string): Promise<ReadPlan> {
    await this.#open();
    const plan = this.#planner.plan(this.#space + scope, '1', 'get', [checkKey(key)]);
    if (plan === undefined) throw invalidOption('key', 'a string', key);
    return plan;
  }

  #open(): Promise<void> {
    this.#opened ??= this.#stack.open(this.#context);
    return this.#opened;
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw invalidOption('key', 'a non-empty string', key);
  return key;
}
