/** driver: 's3' (documented on the class). */
import { ClosedError, ConflictError, NotFoundError } from '../../../core/errors.js';
import { checkOptions } from '../../../core/options.js';
import { createClient } from '../../../storage/index.js';
import type { ObjectStore } from '../../../storage/object-store.js';
import { parseEntry, serializeEntry, type CacheDriver, type CacheEntry, type DriverContext, type DriverRead, type VersionWrite } from './cache-driver.js';
import { decodeRecord, encodeRecord, hashKey, readVersionsAndEntry } from './cache-record.js';

/** Options of `new S3Driver()`; an unknown one throws ValidationError. */
export interface S3DriverOptions {
  /** Another store for the cache. @default the database's own store */
  connectionString?: string;
  /** Key prefix of the cache objects. @default 'plugin=cache/' */
  prefix?: string;
  /** Per-request timeout in ms. @default 2000 */
  timeout?: number;
}

/** Keys past this length are hashed (S3 allows 1024 bytes including the store prefix). */
const MAX_PLAIN_KEY = 512;

/**
 * Cache driver `s3`: entries and version tokens as objects under
 * `<prefix><database namespace>/` (`plugin=cache/…` by default) of the
 * database's own store, or of another one (`connectionString`).
 *
 * Expiry is checked on read (an expired object is deleted then); a bucket
 * lifecycle rule on the prefix is the way to bound its size. A missing
 * version is created with If-None-Match, so concurrent creators agree; on a
 * store that does not enforce it the last writer wins, which only costs a
 * miss (entries stored under the losing token never match).
 *
 * @example
 * new CachePlugin({ drivers: ['memory', new S3Driver({ prefix: 'cache/' })] });
 */
export class S3Driver implements CacheDriver {
  readonly kind = 's3';
  readonly shared = true;
  readonly #connectionString: string | undefined;
  readonly #prefix: string;
  readonly #timeout: number;
  #store: ObjectStore | undefined;
  #owned = false;
  #base = '';
  #evictions = 0;

  constructor(options: S3DriverOptions = {}) {
    checkOptions('S3Driver', options, ['connectionString', 'prefix', 'timeout']);
    this.#connectionString = options.connectionString;
    this.#prefix = options.prefix ?? 'plugin=cache/';
    this.#timeout = options.timeout ?? 2000;
  }

  async open(context: DriverContext): Promise<void> {
    this.#base = `${this.#prefix}${context.namespace}/`;
    if (this.#store) return;
    if (this.#connectionString === undefined) {
      this.#store = context.store;
    } else {
      this.#store = createClient(this.#connectionString, { logger: { warn: () => undefined } });
      this.#owned = true;
    }
  }

  read(versionKeys: readonly string[], entryKey: string | undefined): Promise<DriverRead> {
    return readVersionsAndEntry(versionKeys, entryKey, (key) => this.#readPayload(key), parseEntry, (key) => this.#delete(key).catch(() => undefined));
  }

  async ensure(versions: readonly VersionWrite[]): Promise<string[]> {
    return Promise.all(
      versions.map(async ({ key, token, ttl }) => {
        try {
          await this.#put(key, encodeRecord(token, ttl), true);
          return token;
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err;
          const current = await this.#readPayload(key);
          if (current !== undefined) return current;
          // It expired (and was just deleted): ours goes in.
          await this.#put(key, encodeRecord(token, ttl), false);
          return token;
        }
      }),
    );
  }

  async invalidate(versions: readonly VersionWrite[], staleEntries: readonly string[]): Promise<void> {
    await Promise.all([
      ...versions.map(({ key, token, ttl }) => this.#put(key, encodeRecord(token, ttl), false)),
      ...staleEntries.map((key) => this.#delete(key)),
    ]);
  }

  async write(entryKey: string, entry: CacheEntry, ttl: number): Promise<void> {
    await this.#put(entryKey, encodeRecord(serializeEntry(entry), ttl), false);
  }

  evictions(): number {
    return this.#evictions;
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#store?.close();
    this.#store = undefined;
  }

  // ---- internals -----------------------------------------------------------------------------

  get #client(): ObjectStore {
    if (!this.#store) throw new ClosedError('The s3 cache driver is not open: install the plugin with db.usePlugin() first');
    return this.#store;
  }

  #objectKey(key: string): string {
    return key.length <= MAX_PLAIN_KEY ? this.#base + key : `${this.#base}h/${hashKey(key)}`;
  }

  async #readPayload(key: string): Promise<string | undefined> {
    let text: string;
    try {
      const object = await this.#client.getObject({ key: this.#objectKey(key), signal: AbortSignal.timeout(this.#timeout) });
      text = object.body.toString('utf8');
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    let record: ReturnType<typeof decodeRecord>;
    try {
      record = decodeRecord(text);
    } catch (err) {
      await this.#delete(key).catch(() => undefined);
      throw err;
    }
    if (record === 'expired') {
      this.#evictions++;
      await this.#delete(key).catch(() => undefined);
      return undefined;
    }
    return record.payload;
  }

  #put(key: string, text: string, onlyIfAbsent: boolean): Promise<unknown> {
    return this.#client.putObject({
      key: this.#objectKey(key),
      body: text,
      contentType: 'text/plain; charset=utf-8',
      ...(onlyIfAbsent ? { ifNoneMatch: '*' as const } : {}),
      signal: AbortSignal.timeout(this.#timeout),
    });
  }

  #delete(key: string): Promise<void> {
    return this.#client.deleteObject({ key: this.#objectKey(key), signal: AbortSignal.timeout(this.#timeout) });
  }
}
