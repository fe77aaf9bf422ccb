/**
 * CachePlugin options: validated up front, then turned into drivers.
 */
import type { Redis } from 'ioredis';
import { assertKnownOptions, invalidOption } from '../../../core/options.js';
import type { CacheDriver } from './cache-driver.js';
import { FilesystemDriver, type FilesystemDriverOptions } from './filesystem-driver.js';
import { MemoryDriver } from './memory-driver.js';
import { RedisDriver, type RedisDriverOptions } from './redis-driver.js';
import { S3Driver, type S3DriverOptions } from './s3-driver.js';

/** The built-in cache drivers: `memory` (this process), `redis` (shared), `filesystem` (shared on one machine), `s3` (objects in a store). */
export type CacheDriverName = 'memory' | 'redis' | 'filesystem' | 's3';

/** A `memory` entry of `drivers`, with its options. */
export interface MemoryDriverConfig {
  /** Selects the memory driver. */
  driver: 'memory';
  /** Most entries kept (LRU). @default 1000 */
  max?: number;
  /** Alias of `max` (the name s3db.js used). */
  maxSize?: number;
  /** Optional bound on the summed size of the cached results (JSON length). @default undefined — only `max` bounds the cache */
  maxBytes?: number;
}

/** A `redis` entry of `drivers`, with its options. */
export interface RedisDriverConfig {
  /** Selects the Redis driver. */
  driver: 'redis';
  /** `redis://` or `rediss://` URL. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  url?: string;
  /** An existing ioredis client instead of `url` (not closed by the plugin). @default undefined — the driver opens its own from `url` */
  client?: Redis;
  /** Prepended to every key (keys are `<keyPrefix><database namespace>:…`). @default 's3lite:cache:' */
  keyPrefix?: string;
  /** Per-command timeout in ms. @default 1000 */
  timeout?: number;
  /** Share one write among commands of the same tick (throughput of concurrent reads; slower one at a time). Not with `client`. @default false */
  autoPipelining?: boolean;
}

/** A `filesystem` entry of `drivers`, with its options. */
export interface FilesystemDriverConfig {
  /** Selects the filesystem driver. */
  driver: 'filesystem';
  /** Where the files go (in a sub-directory per database). @default <os tmpdir>/s3lite-cache */
  directory?: string;
  /** Size bound of the directory in bytes. @default 104857600 (100 MiB) */
  maxBytes?: number;
}

/** An `s3` entry of `drivers`, with its options. */
export interface S3DriverConfig {
  /** Selects the object-store driver. */
  driver: 's3';
  /** Another store for the cache objects. @default the database's store */
  connectionString?: string;
  /** Key prefix of the cache objects (under it, one prefix per database). @default 'plugin=cache/' */
  prefix?: string;
  /** Per-request timeout in ms. @default 2000 */
  timeout?: number;
}

/** One entry of CachePlugin's `drivers`: a driver name, a driver with its options, or a {@link CacheDriver} of your own. */
export type DriverConfig = CacheDriverName | MemoryDriverConfig | RedisDriverConfig | FilesystemDriverConfig | S3DriverConfig | CacheDriver;

/**
 * Options of `new CachePlugin()`, checked in the constructor: an unknown
 * option, a bad value, or an option of a driver that is not in use throws
 * ValidationError. Driver options given here apply to `driver`, or, with
 * `drivers`, to every listed driver they belong to (an entry's own options win).
 */
export interface CachePluginOptions {
  /** Where entries live. @default 'memory' */
  driver?: CacheDriverName;
  /** Several drivers, fastest first (`['memory', 'redis']`); a hit lower down is promoted upwards. Not with `driver`. @default undefined — the one `driver` */
  drivers?: DriverConfig[];
  /** Time to live of an entry in ms; 0 keeps entries until evicted or invalidated. @default 60000 */
  ttl?: number;
  /** memory: most entries, least recently used evicted first. @default 1000 */
  max?: number;
  /** memory: alias of `max` (s3db.js's name); both given must agree. @default undefined — `max` */
  maxSize?: number;
  /** memory: bound on the results' summed size (JSON length); filesystem: bound on the directory's size in bytes. @default undefined for memory (only `max` bounds it); 104857600 (100 MiB) for filesystem */
  maxBytes?: number;
  /** redis: `redis://` or `rediss://` URL. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  url?: string;
  /** redis: an existing ioredis client instead of `url` (not closed by the plugin). @default undefined — the driver opens its own */
  client?: Redis;
  /** redis: prepended to every key. @default 's3lite:cache:' */
  keyPrefix?: string;
  /** redis, s3: per-request timeout in ms. @default 1000 for redis, 2000 for s3 */
  timeout?: number;
  /** redis: ioredis auto-pipelining (faster under many concurrent reads, slower one at a time). Not with `client`. @default false */
  autoPipelining?: boolean;
  /** filesystem: where the files go. @default <os tmpdir>/s3lite-cache */
  directory?: string;
  /** s3: another store for the cache objects. @default the database's store */
  connectionString?: string;
  /** s3: key prefix of the cache objects. @default 'plugin=cache/' */
  prefix?: string;
}

export interface ResolvedCacheOptions {
  ttl: number;
  drivers: CacheDriver[];
}

const DRIVER_OPTIONS: Record<CacheDriverName, readonly string[]> = {
  memory: ['max', 'maxSize', 'maxBytes'],
  redis: ['url', 'client', 'keyPrefix', 'timeout', 'autoPipelining'],
  filesystem: ['directory', 'maxBytes'],
  s3: ['connectionString', 'prefix', 'timeout'],
};
const DRIVER_NAMES = Object.keys(DRIVER_OPTIONS) as CacheDriverName[];
const TOP_LEVEL = new Set(['driver', 'drivers', 'ttl', ...Object.values(DRIVER_OPTIONS).flat()]);
const DRIVER_METHODS = ['open', 'read', 'ensure', 'invalidate', 'write', 'evictions', 'close'] as const;

export function resolveCacheOptions(options: CachePluginOptions = {}): ResolvedCacheOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidOption('options', 'an object such as { driver: "memory", ttl: 60000, max: 1000 }', options);
  assertKnownOptions('CachePlugin', options, [...TOP_LEVEL]);
  const ttl = options.ttl ?? 60_000;
  checkInteger('ttl', ttl, 0);
  if (options.driver !== undefined && options.drivers !== undefined) throw invalidOption('driver', 'omitted when `drivers` is given (put each driver in `drivers`)', options.driver);

  const shared = pick(options, Object.values(DRIVER_OPTIONS).flat());
  let configs: DriverConfig[];
  if (options.drivers !== undefined) {
    if (!Array.isArray(options.drivers) || options.drivers.length === 0) throw invalidOption('drivers', 'a non-empty array such as ["memory", "redis"]', options.drivers);
    configs = options.drivers;
    const kinds = new Set(configs.map((c) => (typeof c === 'string' ? c : isDriver(c) ? c.kind : (c as { driver?: string })?.driver)));
    for (const key of Object.keys(shared)) {
      if (!DRIVER_NAMES.some((name) => kinds.has(name) && DRIVER_OPTIONS[name].includes(key))) {
        throw invalidOption(key, `omitted: it applies to ${driversOf(key)}, which is not in \`drivers\``, key);
      }
    }
  } else {
    const driver = options.driver ?? 'memory';
    if (!DRIVER_NAMES.includes(driver)) throw invalidOption('driver', `one of ${DRIVER_NAMES.map((n) => `'${n}'`).join(', ')}`, driver);
    for (const key of Object.keys(shared)) {
      if (!DRIVER_OPTIONS[driver].includes(key)) throw invalidOption(key, `omitted: it applies to ${driversOf(key)}, not to the ${driver} driver`, key);
    }
    configs = [driver];
  }
  const drivers = configs.map((config, i) => buildDriver(config, shared, `drivers[${i}]`));
  return { ttl, drivers };
}

function buildDriver(config: DriverConfig, shared: Record<string, unknown>, path: string): CacheDriver {
  if (isDriver(config)) return config;
  const given = typeof config === 'string' ? { driver: config } : config;
  if (given === null || typeof given !== 'object' || !DRIVER_NAMES.includes((given as { driver: CacheDriverName }).driver)) {
    throw invalidOption(path, `a driver name (${DRIVER_NAMES.join(', ')}), an object { driver, ...options }, or a CacheDriver`, config);
  }
  const name = (given as { driver: CacheDriverName }).driver;
  assertKnownOptions(`CachePlugin ${name} driver`, given, ['driver', ...DRIVER_OPTIONS[name]], `${path}.`);
  // Options given next to `drivers` are defaults for every driver they apply to.
  const o = { ...pick(shared, DRIVER_OPTIONS[name]), ...given } as Record<string, unknown>;
  delete o.driver;
  switch (name) {
    case 'memory': {
      checkInteger('max', o.max, 1);
      checkInteger('maxSize', o.maxSize, 1);
      checkInteger('maxBytes', o.maxBytes, 1);
      if (o.max !== undefined && o.maxSize !== undefined && o.max !== o.maxSize) throw invalidOption('maxSize', `the same as \`max\` (${String(o.max)}) or omitted: it is an alias`, o.maxSize);
      const max = (o.max ?? o.maxSize) as number | undefined;
      return new MemoryDriver({ ...(max !== undefined ? { max } : {}), ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes as number } : {}) });
    }
    case 'redis': {
      if (o.url !== undefined && (typeof o.url !== 'string' || !/^rediss?:\/\//.test(o.url))) throw invalidOption('url', 'a redis:// or rediss:// URL', o.url);
      if (o.client !== undefined && typeof (o.client as { mget?: unknown })?.mget !== 'function') throw invalidOption('client', 'an ioredis client', o.client);
      if (o.url !== undefined && o.client !== undefined) throw invalidOption('url', 'omitted when `client` is given', o.url);
      if (o.keyPrefix !== undefined && typeof o.keyPrefix !== 'string') throw invalidOption('keyPrefix', 'a string', o.keyPrefix);
      checkInteger('timeout', o.timeout, 1);
      if (o.autoPipelining !== undefined && typeof o.autoPipelining !== 'boolean') throw invalidOption('autoPipelining', 'true or false', o.autoPipelining);
      if (o.autoPipelining !== undefined && o.client !== undefined) throw invalidOption('autoPipelining', 'omitted when `client` is given (set enableAutoPipelining on that client)', o.autoPipelining);
      return new RedisDriver(o as RedisDriverOptions);
    }
    case 'filesystem': {
      if (o.directory !== undefined && (typeof o.directory !== 'string' || o.directory.length === 0)) throw invalidOption('directory', 'a directory path', o.directory);
      checkInteger('maxBytes', o.maxBytes, 1);
      return new FilesystemDriver(o as FilesystemDriverOptions);
    }
    case 's3': {
      if (o.connectionString !== undefined && typeof o.connectionString !== 'string') throw invalidOption('connectionString', 'a connection string', o.connectionString);
      if (o.prefix !== undefined && (typeof o.prefix !== 'string' || o.prefix.length === 0)) throw invalidOption('prefix', 'a non-empty key prefix such as "plugin=cache/"', o.prefix);
      checkInteger('timeout', o.timeout, 1);
      return new S3Driver(o as S3DriverOptions);
    }
  }
}

function isDriver(value: unknown): value is CacheDriver {
  return value !== null && typeof value === 'object' && DRIVER_METHODS.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
}

function pick(source: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function driversOf(option: string): string {
  return DRIVER_NAMES.filter((n) => DRIVER_OPTIONS[n].includes(option)).join(' and ');
}

function checkInteger(name: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalidOption(name, `an integer from ${min} and up`, value);
}
