/**
 * CachePlugin with s3db.js's API on top of ours: its option spellings
 * (`config`, tiers as `{ driver, ttl, config }`, cache instances, `logLevel`,
 * `partitionAware`) and methods (`install`, `clearAllCache`,
 * `clearCacheForResource`, `warmCache`, `getCacheStats`, `driver`). Caching
 * itself is the one implementation in cache-plugin.ts.
 *
 * @example
 * const cache = new CachePlugin({ driver: 'memory', ttl: 300000, config: { maxSize: 1000 } });
 * await cache.install(db);
 * await cache.warmCache('users');
 * cache.getCacheStats().hitRate;
 */
import type { S3db } from '../../database.js';
import type { LogLevel } from '../../logger.js';
import type { Resource } from '../../resource.js';
import type { CacheDriver } from './cache-driver.js';
import { CachePlugin as ExactCachePlugin } from './cache-plugin.js';
import type { CacheStats } from './cache-stack.js';
import { translateCacheOptions, type S3dbCacheOptions } from './s3db-cache-options.js';

export interface CachePluginStatsReport extends CacheStats {
  /** The drivers, fastest first, joined by '+' (e.g. 'memory+redis'). */
  driver: string;
  ttl: number;
}

export class CachePlugin extends ExactCachePlugin {
  /** The `logLevel` option as given (the plugin logs through the database's logger). */
  readonly logLevel: LogLevel | undefined;
  /** Always true in effect: cache keys hold the partition and its values. */
  readonly partitionAware: boolean;
  #database: S3db | undefined;

  constructor(options: S3dbCacheOptions = {}) {
    const translated = translateCacheOptions(options);
    super(translated.options);
    this.logLevel = translated.logLevel;
    this.partitionAware = translated.partitionAware;
  }

  /** The first (fastest) driver. */
  get driver(): CacheDriver {
    return this.drivers[0] as CacheDriver;
  }

  override async setup(db: S3db): Promise<void> {
    this.#database = db;
    await super.setup(db);
  }

  /** s3db.js's way to add a plugin: `db.usePlugin(this)`. */
  async install(db: S3db): Promise<this> {
    return db.usePlugin(this);
  }

  /** Forgets every entry. */
  clearAllCache(): Promise<void> {
    return this.clear();
  }

  /** Forgets one resource's entries (by name or instance). */
  clearCacheForResource(resource: string | Resource): Promise<void> {
    return this.clear(resource);
  }

  /**
   * Reads a resource through the cache so later reads hit: its count, its
   * ids, its list and each document. Resolves with how many documents were warmed.
   */
  async warmCache(resource: string | Resource): Promise<{ resource: string; documents: number }> {
    const db = this.#database;
    if (db === undefined) throw new Error('CachePlugin is not installed: await db.usePlugin(cache) (or cache.install(db)) first');
    const target = typeof resource === 'string' ? db.getResource(resource) : resource;
    const [ids] = await Promise.all([target.listIds(), target.count(), target.list()]);
    await Promise.all(ids.map((id) => target.get(id)));
    await this.flush();
    return { resource: target.name, documents: ids.length };
  }

  /** stats() with the driver names and the ttl. */
  getCacheStats(): CachePluginStatsReport {
    return { ...this.stats(), driver: this.drivers.map((d) => d.kind).join('+'), ttl: this.ttl };
  }
}
