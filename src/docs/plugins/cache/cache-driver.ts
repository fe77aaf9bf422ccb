/**
 * The seam between the cache plugin and where entries live (memory, Redis, a
 * directory, an object store).
 *
 * A driver stores two kinds of things under string keys: entries (a cached
 * result with the version it was read under) and version tokens. A token is
 * replaced by a fresh unique one on every invalidation, never incremented, so
 * a token that expired or was evicted can never come back with an old value
 * and revive entries read under it.
 */
import { randomBytes } from 'node:crypto';
import { StorageError } from '../../../core/errors.js';
import { decodeValue, encodeValue } from '../../codec.js';
import type { ObjectStore } from '../../../storage/object-store.js';

/** A cached result as drivers store it. */
export interface CacheEntry {
  /** The version tokens (joined) current when the read began. */
  version: string;
  /** What a hit must match besides the version: schema version and canonical arguments (see entryArgs). */
  args: string;
  /** The cached result (secret fields sealed in drivers outside the process). */
  value: unknown;
  /**
   * `version` as the separate tokens, when the plugin made the entry in this
   * process. In-process drivers keep it: a hit then compares tokens by
   * identity instead of comparing text. Drivers that serialise drop it.
   */
  tokens?: readonly string[];
}

/** One version key to create or replace, with its token and time to live (0: none). */
export interface VersionWrite {
  /** The version key (the driver adds its own prefix). */
  key: string;
  /** The new token, unique (never reused). */
  token: string;
  /** Time to live in ms (0: none). */
  ttl: number;
}

/** What {@link CacheDriver.read} returns. */
export interface DriverRead {
  /** Tokens of the version keys asked for, undefined where missing. */
  versions: (string | undefined)[];
  /** The entry asked for, if any. */
  entry: CacheEntry | undefined;
}

/** What a driver learns when the plugin is installed on a database. */
export interface DriverContext {
  /** Distinguishes databases sharing one cache backend (derived from the store's bucket and prefix). */
  namespace: string;
  /** The database's object store (used by the s3 driver by default). */
  store: ObjectStore;
}

/**
 * Where a cache plugin keeps its entries and version tokens: implement it to
 * put the cache elsewhere, and pass an instance in CachePlugin's `drivers`.
 * The built-in ones are MemoryDriver, RedisDriver, FilesystemDriver and
 * S3Driver. A rejection of any method is counted (and logged once per outage),
 * and reads go to storage: it never fails the caller.
 */
export interface CacheDriver {
  /** `memory`, `redis`, `filesystem`, `s3`, or a custom name. */
  readonly kind: string;
  /** Whether other processes can see this driver's entries (versions then must live in it). */
  readonly shared: boolean;
  /** Connects or prepares storage. A failure is logged and reads fall through to storage. */
  open(context: DriverContext): Promise<void>;
  /** Version tokens and (when `entryKey` is given) one entry, in one round trip where the backend allows. */
  read(versionKeys: readonly string[], entryKey: string | undefined): Promise<DriverRead>;
  /**
   * Optional, for drivers that live in this process: the same answer as
   * read(), synchronously (the entry a copy nobody else holds). When every
   * driver of a plugin has it, cache hits take no await.
   */
  readNow?(versionKeys: readonly string[], entryKey: string | undefined): DriverRead;
  /** Creates each missing version key with its token, keeps existing ones; returns the tokens now in place. */
  ensure(versions: readonly VersionWrite[]): Promise<string[]>;
  /** Replaces version tokens and deletes entries made stale by a write. */
  invalidate(versions: readonly VersionWrite[], staleEntries: readonly string[]): Promise<void>;
  /**
   * Stores an entry for `ttl` ms (0: until evicted). Copies or serialises
   * `entry.value` before returning: the plugin hands the same object to the
   * caller, who may change it right after.
   */
  write(entryKey: string, entry: CacheEntry, ttl: number): Promise<void>;
  /**
   * Optional, for shared drivers: how many times since open() the backend
   * may have missed writes of other processes (a dropped connection, a
   * server that restarted from a snapshot). When it grows, the plugin
   * replaces the cache epoch before using the driver again: entries cached
   * before the gap are never served, since a writer may have failed to
   * invalidate them in the meantime and be gone.
   */
  disruptions?(): number;
  /** Entries this driver dropped on its own (LRU, size bound, expiry it noticed). */
  evictions(): number;
  /** Releases connections and handles the driver opened itself. */
  close(): Promise<void>;
}

const PROCESS_TAG = randomBytes(6).toString('base64url');
let tokenCounter = 0;

/** A token no other process or earlier run can produce: a random per-process tag and a counter. */
export function freshToken(): string {
  tokenCounter++;
  return `${PROCESS_TAG}${tokenCounter.toString(36)}`;
}

/**
 * Entries as text, for drivers that store bytes: the version line, the
 * arguments with their length, then the result in the lossless value codec
 * (dates, nested objects, strings that look like JSON all come back exactly).
 */
export function serializeEntry(entry: CacheEntry): string {
  return `${entry.version}\n${entry.args.length}\n${entry.args}${encodeValue(entry.value, 'body')}`;
}

/** Reverses {@link serializeEntry}; a damaged entry throws a StorageError (the stack counts it and falls through). */
export function parseEntry(text: string): CacheEntry {
  const first = text.indexOf('\n');
  const second = first < 0 ? -1 : text.indexOf('\n', first + 1);
  const length = second < 0 ? NaN : Number(text.slice(first + 1, second));
  if (!Number.isInteger(length) || length < 0 || second + 1 + length >= text.length) {
    throw new StorageError('A cache entry is damaged (bad header); it is ignored and read again from storage', { retryable: false });
  }
  const args = text.slice(second + 1, second + 1 + length);
  return { version: text.slice(0, first), args, value: decodeValue(text.slice(second + 1 + length)) };
}
