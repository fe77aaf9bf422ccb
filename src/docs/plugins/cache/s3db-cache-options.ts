/**
 * s3db.js's CachePlugin options (`config: {…}` per driver, tiers as
 * `{ driver, ttl, config }`, cache class instances, `logLevel`,
 * `partitionAware`, compression and memory caps) translated to ours.
 */
import { totalmem } from 'node:os';
import { assertKnownOptions, invalidOption } from '../../../core/options.js';
import type { LogLevel } from '../../logger.js';
import type { CachePluginOptions, DriverConfig } from './cache-options.js';
import { KeyValueCache } from './key-value-cache.js';

/**
 * Options of the exported `CachePlugin`: ours ({@link CachePluginOptions})
 * plus the s3db.js spellings, translated in the constructor (a bad value or
 * an unknown `config` key throws ValidationError naming it).
 */
export interface S3dbCacheOptions extends Omit<CachePluginOptions, 'drivers'> {
  /**
   * Tiers, fastest first: ours, s3db.js's `{ driver, ttl, config }`, or cache instances (MemoryCache, …, whose
   * drivers are used). Without a top-level `ttl`, the shortest ttl a tier gives applies to all. @default undefined — the one `driver`
   */
  drivers?: (DriverConfig | S3dbTier | KeyValueCache)[];
  /**
   * Options of `driver` under s3db.js's names: memory `maxSize`, `maxMemoryBytes`, `maxMemoryPercent`;
   * filesystem `cacheDir`, `maxBytes`; redis `host`, `port`, `password`, `db`, `keyPrefix`, `commandTimeout`;
   * s3 `keyPrefix`, `timeout`. Not with `drivers` (give each tier its own). @default undefined
   */
  config?: Record<string, unknown>;
  /** Kept as `plugin.logLevel`; the plugin logs through the database's logger and its `logLevel`. @default undefined */
  logLevel?: LogLevel;
  /** Accepted: cache keys always hold the partition and its values. @default true */
  partitionAware?: boolean;
  /** Accepted, changes nothing: results are cached as structured copies (memory) or in the lossless codec (others), never gzip'd. @default undefined */
  enableCompression?: boolean;
  /** Accepted (a number from 0), changes nothing: see `enableCompression`. @default undefined */
  compressionThreshold?: number;
}

/** s3db.js's form of a tier in `drivers`. */
export interface S3dbTier {
  /** The driver of this tier. */
  driver: 'memory' | 'redis' | 'filesystem' | 's3';
  /** Entry time to live in ms; the stack uses the shortest tier ttl unless the plugin's `ttl` is given. */
  ttl?: number;
  /** The tier's driver options under s3db.js's names (see {@link S3dbCacheOptions.config}). */
  config?: Record<string, unknown>;
}

/** The `config` keys s3db.js's drivers take, as `driver.key` (the switch below maps each). */
const CONFIG_KEYS = [
  'memory.maxSize', 'memory.max', 'memory.maxMemoryBytes', 'memory.maxBytes', 'memory.maxMemoryPercent',
  'filesystem.maxBytes', 'filesystem.cacheDir', 'filesystem.directory', 's3.keyPrefix', 's3.prefix', 's3.timeout',
  'redis.host', 'redis.port', 'redis.password', 'redis.db', 'redis.keyPrefix', 'redis.url', 'redis.client', 'redis.commandTimeout', 'redis.timeout',
];
const ACCEPTED_CONFIG = new Set(['enableCompression', 'compressionThreshold', 'enableStats', 'evictionPolicy', 'caseSensitive', 'logLevel', 'partitionAware']);

export interface TranslatedCacheOptions {
  options: CachePluginOptions;
  logLevel: LogLevel | undefined;
  partitionAware: boolean;
}

export function translateCacheOptions(input: S3dbCacheOptions = {}): TranslatedCacheOptions {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalidOption('options', 'an object such as { driver: "memory", ttl: 60000 }', input);
  const { config, logLevel, partitionAware, enableCompression, compressionThreshold, drivers, ...rest } = input;
  if (partitionAware !== undefined && typeof partitionAware !== 'boolean') throw invalidOption('partitionAware', 'true or false', partitionAware);
  if (enableCompression !== undefined && typeof enableCompression !== 'boolean') throw invalidOption('enableCompression', 'true or false', enableCompression);
  if (compressionThreshold !== undefined && (typeof compressionThreshold !== 'number' || compressionThreshold < 0)) throw invalidOption('compressionThreshold', 'a number of bytes', compressionThreshold);
  const options: CachePluginOptions = { ...rest };
  if (config !== undefined) {
    if (drivers !== undefined) throw invalidOption('config', 'omitted with `drivers` (give each tier its own config)', config);
    Object.assign(options, driverOptions(rest.driver ?? 'memory', config, 'config'));
  }
  if (drivers !== undefined) {
    if (!Array.isArray(drivers)) throw invalidOption('drivers', 'an array of tiers', drivers);
    const ttls: number[] = [];
    options.drivers = drivers.flatMap((tier, i): DriverConfig[] => {
      if (tier instanceof KeyValueCache) {
        ttls.push(tier.ttl);
        return [...tier.drivers];
      }
      if (tier !== null && typeof tier === 'object' && ('config' in tier || 'ttl' in tier)) {
        const { driver, ttl, config: tierConfig } = tier as S3dbTier;
        if (ttl !== undefined) ttls.push(ttl);
        return [{ driver, ...driverOptions(driver, tierConfig ?? {}, `drivers[${i}].config`) } as DriverConfig];
      }
      return [tier as DriverConfig];
    });
    // One ttl for the stack: the shortest a tier asks for (entries then never outlive any tier's wish).
    if (ttls.length > 0 && options.ttl === undefined) options.ttl = Math.min(...ttls);
  }
  return { options, logLevel, partitionAware: partitionAware ?? true };
}

/** s3db.js's per-driver `config` keys mapped to ours. */
function driverOptions(driver: string, config: Record<string, unknown>, path: string): Record<string, unknown> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw invalidOption(path, 'an object of driver options', config);
  const out: Record<string, unknown> = {};
  const redis: { host?: string; port?: number; password?: string; db?: number } = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || ACCEPTED_CONFIG.has(key)) continue;
    switch (`${driver}.${key}`) {
      case 'memory.maxSize':
      case 'memory.max':
        out.max = value;
        break;
      case 'memory.maxMemoryBytes':
      case 'memory.maxBytes':
      case 'filesystem.maxBytes':
        out.maxBytes = value;
        break;
      case 'memory.maxMemoryPercent':
        if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw invalidOption(`${path}.maxMemoryPercent`, 'a fraction above 0 and at most 1', value);
        out.maxBytes = Math.max(1, Math.floor(totalmem() * value));
        break;
      case 'filesystem.cacheDir':
      case 'filesystem.directory':
        out.directory = value;
        break;
      case 's3.keyPrefix':
      case 's3.prefix':
        out.prefix = typeof value === 'string' && value !== '' && !value.endsWith('/') ? `${value}/` : value;
        break;
      case 'redis.host':
      case 'redis.port':
      case 'redis.password':
      case 'redis.db':
        (redis as Record<string, unknown>)[key] = value;
        break;
      case 'redis.keyPrefix':
      case 'redis.url':
      case 'redis.client':
        out[key] = value;
        break;
      case 'redis.commandTimeout':
      case 'redis.timeout':
      case 's3.timeout':
        out.timeout = value;
        break;
      default: {
        // Not a key of this driver: the shared message names the closest one and lists them all.
        const known = [...CONFIG_KEYS.filter((k) => k.startsWith(`${driver}.`)).map((k) => k.slice(driver.length + 1)), ...ACCEPTED_CONFIG];
        assertKnownOptions(`CachePlugin ${driver} driver config`, { [key]: value }, known, `${path}.`);
      }
    }
  }
  if (Object.keys(redis).length > 0) {
    if (out.url !== undefined) throw invalidOption(`${path}.host`, 'omitted when `url` is given', redis.host);
    const auth = redis.password === undefined ? '' : `:${encodeURIComponent(redis.password)}@`;
    out.url = `redis://${auth}${redis.host ?? '127.0.0.1'}:${redis.port ?? 6379}/${redis.db ?? 0}`;
  }
  return out;
}
