/**
 * One driver of a cache stack with its counters and the invalidations it
 * missed (kept to replay before it is read again), and the stats shapes.
 */
import type { CacheDriver, VersionWrite } from './cache-driver.js';

/** One driver's counters in {@link CacheStats.drivers} (exported as `CacheDriverStats`), counted since the plugin was made. */
export interface DriverStats {
  /** The driver's kind (`memory`, `redis`, `filesystem`, `s3`, or a custom driver's). */
  driver: string;
  /** Reads this driver served. */
  hits: number;
  /** Reads that asked this driver and found no valid entry there. */
  misses: number;
  /** Entries written to this driver (results stored, and hits copied up from a lower driver). */
  sets: number;
  /** Entries the driver dropped on its own (LRU, size bound, expiry it noticed); always 0 for Redis, which does not report them. */
  evictions: number;
  /** Failed operations, and entries whose secret fields did not decrypt. */
  errors: number;
}

/** The cache's counters (exported as `CachePluginStats`), as `stats()` returns them. */
export interface CacheStats {
  /** Reads served from the cache (any driver). */
  hits: number;
  /** Reads that went to storage. */
  misses: number;
  /** Entry writes, summed over the drivers. */
  sets: number;
  /** Evictions, summed over the drivers. */
  evictions: number;
  /** Errors, summed over the drivers. */
  errors: number;
  /** hits / (hits + misses); 0 before the first read. */
  hitRate: number;
  /** The same counters per driver, by name (`memory`, `redis`…; `memory#2` for a second one). */
  drivers: Record<string, DriverStats>;
}

export class Slot {
  readonly name: string;
  readonly driver: CacheDriver;
  /** The driver keeps entries outside this process (no readNow): secret fields go in sealed (see secret-sealer.ts). */
  readonly seals: boolean;
  hits = 0;
  misses = 0;
  sets = 0;
  errors = 0;
  broken = false;
  /** Invalidations this driver missed: it is not read until they are replayed. */
  pending: VersionWrite[] = [];
  pendingEntries: string[] = [];
  lastRetry = 0;
  retrying: Promise<void> | undefined;

  constructor(name: string, driver: CacheDriver) {
    this.name = name;
    this.driver = driver;
    this.seals = typeof driver.readNow !== 'function';
  }
}
