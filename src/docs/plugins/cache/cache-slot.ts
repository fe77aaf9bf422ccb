/**
 * One driver of a cache stack with its counters and the invalidations it
 * missed (kept to replay before it is read again), and the stats shapes.
 */
import type { CacheDriver, VersionWrite } from './cache-driver.js';

export interface DriverStats {
  driver: string;
  hits: number;
  misses: number;
  sets: number;
  evictions: number;
  errors: number;
}

export interface CacheStats {
  /** Reads served from the cache (any driver). */
  hits: number;
  /** Reads that went to storage. */
  misses: number;
  sets: number;
  evictions: number;
  errors: number;
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
