/** The exported CachePlugin: s3db.js's API over cache-plugin.ts (documented on the class). */
import { ConfigurationError } from '../../../core/errors.js';
import type { S3db } from '../../database.js';
import type { LogLevel } from '../../logger.js';
import type { Resource } from '../../resource.js';
import type { CacheDriver } from './cache-driver.js';
import { CachePlugin as ExactCachePlugin } from './cache-plugin.js';
import type { CacheStats } from './cache-stack.js';
import { translateCacheOptions, type S3dbCacheOptions } from './s3db-cache-options.js';

/** What `getCacheStats()` returns: stats() with the drivers and the ttl. */
export interface CachePluginStatsReport extends CacheStats {
  /** The drivers, fastest first, joined by '+' (e.g. 'memory+redis'). */
  driver: string;
  /** Entry time to live in ms (0: none). */
  ttl: number;
}

/**
 * Serves resource reads from a cache and keeps it exact. Reads (`get`,
 * `getMany`, `list`, `listIds`, `count`, `page`, `query`,
 * `getFromPartition`) are looked up under a key holding every argument; a
 * miss reads storage and stores the result. Every write invalidates what it
 * touched before its promise resolves, so a read that starts after a write
 * resolved never sees the old data, in this process or (through a shared
 * driver such as Redis) in another one. A failing driver never fails a read:
 * the error is counted in `stats()`, logged once, and reads go to storage.
 *
 * Options are ours ({@link CachePluginOptions}) or s3db.js's spellings
 * ({@link S3dbCacheOptions}); the constructor throws ValidationError for a
 * bad one. s3db.js's methods are here too: `install`, `clearAllCache`,
 * `clearCacheForResource`, `warmCache`, `getCacheStats`, `driver`.
 *
 * @example
 * const db = new S3db({ connectionString: 'memory://my-bucket/app' });
 * const cache = new CachePlugin({ driver: 'memory', ttl: 60000, max: 1000 });
 * await db.usePlugin(cache); // set up when the database connects
 * const users = await db.createResource({ name: 'users', attributes: { name: 'string' } }); // connects
 * const ann = await users.insert({ name: 'Ann' });
 * await users.get(ann.id); // storage, then cached
 * await users.get(ann.id); // a cache hit
 * await users.update(ann.id, { name: 'Anna' }); // invalidates before it resolves
 * cache.stats(); // { hits, misses, sets, evictions, errors, hitRate, drivers }
 *
 * // Redis shared by every process, with a per-process memory tier in front:
 * new CachePlugin({ drivers: ['memory', { driver: 'redis', url: 'redis://127.0.0.1:6379' }], ttl: 60000 });
 * // s3db.js spelling:
 * new CachePlugin({ driver: 'memory', ttl: 300000, config: { maxSize: 1000 } });
 */
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

  /** Called by the database (`db.usePlugin(cache)`, or at connect): opens the drivers and attaches to every resource, present and future. */
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
   * Throws ConfigurationError before the plugin is set up; NotFoundError for an undefined resource name.
   */
  async warmCache(resource: string | Resource): Promise<{ resource: string; documents: number }> {
    const db = this.#database;
    if (db === undefined) throw new ConfigurationError('CachePlugin is not installed: await db.usePlugin(cache) (or cache.install(db)) first');
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
