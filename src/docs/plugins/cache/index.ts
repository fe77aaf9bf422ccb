// Public API of the cache plugin; src/docs/index.ts re-exports this file.
export { CachePlugin, type CachePluginStatsReport } from './s3db-cache-plugin.js';
export type { S3dbCacheOptions, S3dbTier } from './s3db-cache-options.js';
export { KeyValueCache, type KeyValueCacheOptions } from './key-value-cache.js';
export {
  MemoryCache,
  FilesystemCache,
  PartitionAwareFilesystemCache,
  S3Cache,
  MultiTierCache,
  type MemoryCacheOptions,
  type FilesystemCacheOptions,
  type S3CacheOptions,
  type MultiTierCacheOptions,
} from './cache-classes.js';
export type {
  CachePluginOptions,
  CacheDriverName,
  DriverConfig as CacheDriverConfig,
  MemoryDriverConfig,
  RedisDriverConfig,
  FilesystemDriverConfig,
  S3DriverConfig,
} from './cache-options.js';
export type { CacheStats as CachePluginStats, DriverStats as CacheDriverStats } from './cache-stack.js';
export type { CacheDriver, CacheEntry, DriverContext, DriverRead, VersionWrite } from './cache-driver.js';
export { MemoryDriver, type MemoryDriverOptions } from './memory-driver.js';
export { RedisDriver, type RedisDriverOptions } from './redis-driver.js';
export { FilesystemDriver, type FilesystemDriverOptions } from './filesystem-driver.js';
export { S3Driver, type S3DriverOptions } from './s3-driver.js';
