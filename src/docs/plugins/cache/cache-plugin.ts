/**
 * CachePlugin: serves resource reads from a cache and keeps it exact.
 *
 * Reads (`get`, `getMany`, `list`, `listIds`, `count`, `page`, `query`,
 * `getFromPartition`) are looked up under a key holding every argument; a
 * miss reads storage and stores the result. Every write invalidates the
 * documents it touched and the resource's list-type entries after the write
 * and before its promise resolves, so a read that starts after a write
 * resolved never sees the old data, in this process or (through a shared
 * driver such as Redis) in another one.
 *
 * @example
 * import { CachePlugin } from 's3lite';
 *
 * await db.usePlugin(new CachePlugin({
 *   driver: 'memory', // 'memory' | 'redis' | 'filesystem' | 's3'
 *   ttl: 60000,       // 1 minute
 *   max: 1000,        // most entries (alias: maxSize)
 * }));
 *
 * // Redis shared by every instance, with a per-process memory layer in front:
 * await db.usePlugin(new CachePlugin({ drivers: ['memory', { driver: 'redis', url: 'redis://127.0.0.1:6379' }], ttl: 60000 }));
 */
import { createHash } from 'node:crypto';
import type { S3db } from '../../database.js';
import type { S3dbPlugin } from '../../plugin.js';
import type { Resource } from '../../resource.js';
import { WRITE_METHODS, type ResourceCall, type ResourceMiddleware } from '../../resource-types.js';
import { createLogger, type Logger } from '../../logger.js';
import type { CacheDriver } from './cache-driver.js';
import { ReadPlanner, type ReadPlan } from './cache-keys.js';
import { resolveCacheOptions, type CachePluginOptions } from './cache-options.js';
import { CacheStack, NOT_NOW, type CacheStats } from './cache-stack.js';
import { SecretSealer } from './secret-sealer.js';
import { writtenIds } from './written-ids.js';

export class CachePlugin implements S3dbPlugin {
  /** Always `'cache'`: the plugin is `db.plugins.cache` (unless `usePlugin` names it otherwise). */
  readonly name = 'cache';
  /** The drivers in lookup order (the last one keeps the version tokens). */
  readonly drivers: readonly CacheDriver[];
  /** Entry time to live in ms (0: none). */
  readonly ttl: number;
  readonly #stack: CacheStack;
  readonly #planner = new ReadPlanner();
  readonly #attached = new WeakSet<Resource>();
  /** One sealer per resource with secret fields (the plans keep it, so it is made once, not per call). */
  readonly #sealers = new Map<string, SecretSealer>();
  #db: S3db | undefined;
  #active = false;
  readonly #fallbackLogger = createLogger('warn');

  constructor(options: CachePluginOptions = {}) {
    const resolved = resolveCacheOptions(options);
    this.drivers = resolved.drivers;
    this.ttl = resolved.ttl;
    this.#stack = new CacheStack(resolved.drivers, resolved.ttl, () => this.#logger);
  }

  /** Called by the database: opens the drivers (a failing one is logged and read past) and attaches to every resource, present and future. */
  async setup(db: S3db): Promise<void> {
    this.#db = db;
    const namespace = createHash('sha256').update(db.client.description).digest('base64url').slice(0, 16);
    await this.#stack.open({ namespace, store: db.client });
    this.#active = true;
    for (const resource of Object.values(db.resources)) this.#attach(resource);
    db.on('resourceCreated', (resource: Resource) => this.#attach(resource));
  }

  /** Waits for cache writes in flight, then closes the connections the plugin opened. Reads pass through afterwards. */
  async stop(): Promise<void> {
    this.#active = false;
    await this.#stack.close();
  }

  /** hits, misses, sets, evictions, errors and hitRate, in total and per driver. */
  stats(): CacheStats {
    return this.#stack.stats();
  }

  /** Forgets the entries of one resource (by name or instance), or every entry. */
  async clear(resource?: string | Resource): Promise<void> {
    await this.#stack.clear(typeof resource === 'string' || resource === undefined ? resource : resource.name);
  }

  /** Resolves when cache writes started by earlier reads are done (useful before measuring or shutting down). */
  flush(): Promise<void> {
    return this.#stack.settle();
  }

  get #logger(): Logger {
    return this.#db?.logger ?? this.#fallbackLogger;
  }

  #attach(resource: Resource): void {
    if (this.#attached.has(resource)) return;
    this.#attached.add(resource);
    resource.use(this.#middleware);
  }

  // Not async: a hit of a memory-only cache resolves with no await in between (each one costs a microtask turn).
  readonly #middleware: ResourceMiddleware = (call, next) => {
    if (!this.#active) return next();
    if (WRITE_METHODS.has(call.method)) return this.#write(call, next);
    let plan: ReadPlan | undefined;
    try {
      plan = this.#planner.plan(call.resource.name, call.resource.version, call.method, call.args, this.#sealer(call.resource));
      if (plan === undefined) return next();
      if (this.#stack.synchronous) {
        const value = this.#stack.lookupNow(plan);
        if (value !== NOT_NOW) return Promise.resolve(value);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#read(plan, next);
  };

  #sealer(resource: Resource): SecretSealer | undefined {
    const secrets = resource.secrets;
    if (secrets === undefined) return undefined;
    let sealer = this.#sealers.get(resource.name);
    if (sealer === undefined || !sealer.serves(secrets)) {
      sealer = new SecretSealer(resource.name, secrets);
      this.#sealers.set(resource.name, sealer);
    }
    return sealer;
  }

  async #read(plan: ReadPlan, next: () => Promise<unknown>): Promise<unknown> {
    const found = await this.#stack.lookup(plan);
    if (found.hit) return found.value;
    const value = await next();
    if (found.tokens !== undefined) this.#stack.store(plan, found.tokens, value);
    return value;
  }

  async #write(call: ResourceCall, next: () => Promise<unknown>): Promise<unknown> {
    let result: unknown;
    try {
      result = await next();
      return result;
    } finally {
      // Also after a failure: part of a bulk write, or the document write before a failing hook, may have happened.
      await this.#stack.invalidate(call.resource.name, writtenIds(call.method, call.args, result));
    }
  }
}
