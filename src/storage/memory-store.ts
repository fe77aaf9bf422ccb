/**
 * memory://bucket/prefix: an in-process store that behaves like S3, not like
 * a Map (lowercased header-safe metadata, the 2 KB limit, MD5 ETags,
 * conditional writes, lexicographic listing with continuation tokens).
 * Stores naming the same bucket share its objects within the process.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import { md5Etag } from './etag.js';
import { compareKeys, indexAfter, indexAtOrAfter, indexPastPrefix } from './key-order.js';
import { listPage, type ListPosition, type SortedKeySource } from './list-page.js';
import { checkContentType, checkKey, normalizeMetadata, toBuffer } from './metadata-rules.js';
import type {
  CopyObjectInput,
  DeleteObjectsInput,
  DeleteObjectsOutput,
  KeyInput,
  DeleteObjectInput,
  ListAllInput,
  ListObjectsInput,
  ListObjectsOutput,
  ListedObject,
  ObjectHead,
  ObjectStore,
  PutObjectInput,
  PutObjectOutput,
  RequestOptions,
  StoreCapabilities,
  StoredObject,
} from './object-store.js';
import { listAllPages } from './list-all.js';
import { probeCapabilities } from './probe.js';
import { throwIfAborted } from './request-signal.js';

interface MemoryObject {
  body: Buffer;
  metadata: Readonly<Record<string, string>>;
  contentType: string;
  etag: string;
  lastModified: number;
}

/**
 * One bucket's objects. Writes are O(1): new keys are appended to a pending
 * list and merged into the sorted key array by the next LIST.
 */
class MemoryBucket {
  readonly objects = new Map<string, MemoryObject>();
  #sorted: string[] = [];
  #added: string[] = [];
  #removed = false;

  set(key: string, object: MemoryObject): void {
    if (!this.objects.has(key)) this.#added.push(key);
    this.objects.set(key, object);
  }

  delete(key: string): void {
    if (this.objects.delete(key)) this.#removed = true;
  }

  /** Every key in S3 order. The array is never mutated afterwards, so a LIST in progress can keep it. */
  sortedKeys(): readonly string[] {
    if (this.#added.length === 0 && !this.#removed) return this.#sorted;
    const added = this.#added.sort(compareKeys);
    const merged: string[] = [];
    const old = this.#sorted;
    let i = 0;
    let j = 0;
    while (i < old.length || j < added.length) {
      const a = old[i];
      const b = added[j];
      let next: string;
      if (b === undefined || (a !== undefined && compareKeys(a, b) <= 0)) {
        next = a!;
        i++;
      } else {
        next = b;
        j++;
      }
      // Drop deleted keys and duplicates (a key deleted and written again is in both lists).
      if (this.objects.has(next) && merged[merged.length - 1] !== next) merged.push(next);
    }
    this.#sorted = merged;
    this.#added = [];
    this.#removed = false;
    return merged;
  }
}

const buckets = new Map<string, MemoryBucket>();
const EMPTY = Buffer.alloc(0);

function bucketNamed(name: string): MemoryBucket {
  let bucket = buckets.get(name);
  if (bucket === undefined) {
    bucket = new MemoryBucket();
    buckets.set(name, bucket);
  }
  return bucket;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Name of the in-process bucket. Stores (and MemoryClients) naming the same bucket share its objects until the process exits. */
  bucket: string;
  /** Key prefix of this store, `''` or ending with `/`. @default '' */
  prefix?: string;
}

/**
 * The memory:// {@link ObjectStore}: an in-process store that behaves like S3,
 * not like a Map — metadata lowercased and checked as S3 does, the 2 KB
 * metadata limit, MD5 ETags, conditional writes, listing in S3 key order with
 * continuation tokens — so code that passes here passes on S3. Nothing is
 * persisted (see MemoryClient's saveToDisk()). Calls never interleave: each
 * write, condition check included, is atomic. Usually made by
 * `createClient('memory://bucket/prefix')`.
 *
 * @example
 * const store = new MemoryStore({ bucket: 'test', prefix: 'db1/' });
 * await store.putObject({ key: 'a', body: 'hello', metadata: { Name: 'x' } });
 * (await store.headObject({ key: 'a' })).metadata; // { name: 'x' }
 */
export class MemoryStore implements ObjectStore {
  readonly kind = 'memory';
  readonly description: string;
  readonly #bucket: MemoryBucket;
  readonly #prefix: string;

  constructor(options: MemoryStoreOptions) {
    this.#bucket = bucketNamed(options.bucket);
    this.#prefix = options.prefix ?? '';
    this.description = `memory://${options.bucket}/${this.#prefix}`;
  }

  #fullKey(key: string, what = 'key'): string {
    const full = this.#prefix + key;
    checkKey(full, key, what);
    return full;
  }

  #get(fullKey: string, key: string): MemoryObject {
    const object = this.#bucket.objects.get(fullKey);
    if (object === undefined) throw new NotFoundError(`No object at key ${JSON.stringify(key)} in ${this.description}`, { details: { key } });
    return object;
  }

  #checkPreconditions(fullKey: string, key: string, ifMatch: string | undefined, ifNoneMatch: '*' | undefined): void {
    if (ifMatch === undefined && ifNoneMatch === undefined) return;
    const current = this.#bucket.objects.get(fullKey);
    if (ifNoneMatch === '*' && current !== undefined) {
      throw new ConflictError(`Object ${JSON.stringify(key)} already exists (ifNoneMatch: '*')`, { details: { key } });
    }
    if (ifMatch !== undefined && (current === undefined || current.etag !== ifMatch)) {
      throw new ConflictError(`Object ${JSON.stringify(key)} changed since it was read (ifMatch ${ifMatch} failed)`, {
        details: { key, ifMatch, etag: current?.etag },
      });
    }
  }

  async putObject(input: PutObjectInput): Promise<PutObjectOutput> {
    throwIfAborted(input.signal);
    const fullKey = this.#fullKey(input.key);
    const metadata = normalizeMetadata(input.metadata, true);
    const contentType = checkContentType(input.contentType);
    const given = toBuffer(input.body);
    const body = given.length === 0 ? EMPTY : Buffer.from(given); // own copy: callers may reuse their buffer
    this.#checkPreconditions(fullKey, input.key, input.ifMatch, input.ifNoneMatch);
    const etag = md5Etag(body);
    this.#bucket.set(fullKey, { body, metadata, contentType, etag, lastModified: Date.now() });
    return { etag };
  }

  async getObject(input: KeyInput): Promise<StoredObject> {
    throwIfAborted(input.signal);
    const object = this.#get(this.#fullKey(input.key), input.key);
    const result = head(object) as StoredObject;
    result.body = object.body.length === 0 ? Buffer.alloc(0) : Buffer.from(object.body);
    return result;
  }

  async headObject(input: KeyInput): Promise<ObjectHead> {
    throwIfAborted(input.signal);
    return head(this.#get(this.#fullKey(input.key), input.key));
  }

  async deleteObject(input: DeleteObjectInput): Promise<void> {
    throwIfAborted(input.signal);
    const fullKey = this.#fullKey(input.key);
    this.#checkPreconditions(fullKey, input.key, input.ifMatch, undefined);
    this.#bucket.delete(fullKey);
  }

  async deleteObjects(input: DeleteObjectsInput): Promise<DeleteObjectsOutput> {
    throwIfAborted(input.signal);
    const fullKeys = input.keys.map((key) => this.#fullKey(key, 'keys[]'));
    for (const fullKey of fullKeys) this.#bucket.delete(fullKey);
    return { deleted: [...input.keys], errors: [] };
  }

  async copyObject(input: CopyObjectInput): Promise<PutObjectOutput> {
    throwIfAborted(input.signal);
    const from = this.#fullKey(input.from, 'from');
    const to = this.#fullKey(input.to, 'to');
    const replace = input.metadata !== undefined;
    const metadata = replace ? normalizeMetadata(input.metadata, true) : undefined;
    const contentType = replace ? checkContentType(input.contentType) : undefined;
    const source = this.#get(from, input.from);
    if (input.ifMatch !== undefined && source.etag !== input.ifMatch) {
      throw new ConflictError(`Copy source ${JSON.stringify(input.from)} changed since it was read (ifMatch ${input.ifMatch} failed)`, {
        details: { key: input.from, ifMatch: input.ifMatch, etag: source.etag },
      });
    }
    this.#bucket.set(to, {
      body: source.body, // bodies are never mutated in place, so sharing is safe
      metadata: metadata ?? source.metadata,
      contentType: contentType ?? source.contentType,
      etag: source.etag,
      lastModified: Date.now(),
    });
    return { etag: source.etag };
  }

  async listObjects(input: ListObjectsInput = {}): Promise<ListObjectsOutput> {
    throwIfAborted(input.signal);
    return listPage(new MemoryKeySource(this.#bucket, this.#prefix), input);
  }

  listAll(input: ListAllInput = {}): AsyncIterable<ListedObject> {
    return listAllPages(this, input);
  }

  probeCapabilities(options?: RequestOptions): Promise<StoreCapabilities> {
    return probeCapabilities(this, options);
  }

  async clear(options: RequestOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const keys = this.#bucket.sortedKeys();
    const start = indexAtOrAfter(keys, this.#prefix);
    for (let i = start; i < keys.length && keys[i]!.startsWith(this.#prefix); i++) this.#bucket.delete(keys[i]!);
  }

  async close(): Promise<void> {}

  /** This prefix's objects as they are now (objects are immutable, so this is cheap and stays valid). */
  snapshot(): MemorySnapshot {
    const objects: MemorySnapshot['objects'] = [];
    this.#eachUnderPrefix((fullKey, object) => objects.push({ key: fullKey.slice(this.#prefix.length), ...object }));
    return { objects };
  }

  /** Replaces this prefix's objects with `snapshot`'s (keys and metadata are checked as on a write). */
  restore(snapshot: MemorySnapshot): void {
    if (snapshot === null || typeof snapshot !== 'object' || !Array.isArray(snapshot.objects)) {
      throw invalidOption('snapshot', 'a value returned by snapshot()', snapshot);
    }
    const entries = snapshot.objects.map((o) => {
      const body = Buffer.from(o.body);
      return [this.#fullKey(o.key), { body, metadata: normalizeMetadata(o.metadata, true), contentType: checkContentType(o.contentType), etag: md5Etag(body), lastModified: o.lastModified }] as const;
    });
    const old: string[] = [];
    this.#eachUnderPrefix((fullKey) => old.push(fullKey));
    for (const fullKey of old) this.#bucket.delete(fullKey);
    for (const [fullKey, object] of entries) this.#bucket.set(fullKey, object);
  }

  /** How many objects and bytes (bodies) this prefix holds. */
  stats(): { objectCount: number; totalSize: number; keys: string[] } {
    const keys: string[] = [];
    let totalSize = 0;
    this.#eachUnderPrefix((fullKey, object) => {
      keys.push(fullKey.slice(this.#prefix.length));
      totalSize += object.body.length;
    });
    return { objectCount: keys.length, totalSize, keys };
  }

  #eachUnderPrefix(visit: (fullKey: string, object: MemoryObject) => void): void {
    const keys = this.#bucket.sortedKeys();
    for (let i = indexAtOrAfter(keys, this.#prefix); i < keys.length && keys[i]!.startsWith(this.#prefix); i++) {
      const object = this.#bucket.objects.get(keys[i]!);
      if (object !== undefined) visit(keys[i]!, object);
    }
  }
}

/** What MemoryStore.snapshot() returns: every object under the store's prefix. */
export interface MemorySnapshot {
  /** The objects in key order: key relative to the prefix, body, lowercased metadata, content type, quoted ETag and `lastModified` in epoch ms. */
  objects: { key: string; body: Buffer; metadata: Readonly<Record<string, string>>; contentType: string; etag: string; lastModified: number }[];
}

function head(object: MemoryObject): ObjectHead {
  return {
    metadata: { ...object.metadata },
    etag: object.etag,
    contentType: object.contentType,
    size: object.body.length,
    lastModified: new Date(object.lastModified),
  };
}

/** Walks a bucket's sorted keys under one store prefix. */
class MemoryKeySource implements SortedKeySource {
  readonly #bucket: MemoryBucket;
  readonly #prefix: string;
  readonly #keys: readonly string[];
  #index = 0;

  constructor(bucket: MemoryBucket, prefix: string) {
    this.#bucket = bucket;
    this.#prefix = prefix;
    this.#keys = bucket.sortedKeys();
  }

  seek(from: string, position: ListPosition | undefined): void {
    this.#index = indexAtOrAfter(this.#keys, this.#prefix + from);
    if (position !== undefined) {
      const full = this.#prefix + position.key;
      this.#index = Math.max(this.#index, position.pastPrefix ? indexPastPrefix(this.#keys, full) : indexAfter(this.#keys, full));
    }
  }

  skipPrefix(prefix: string): void {
    this.#index = Math.max(this.#index, indexPastPrefix(this.#keys, this.#prefix + prefix));
  }

  next(): ListedObject | undefined {
    while (this.#index < this.#keys.length) {
      const key = this.#keys[this.#index++]!;
      if (!key.startsWith(this.#prefix)) return undefined;
      const object = this.#bucket.objects.get(key);
      if (object === undefined) continue; // deleted while this page was being built
      return { key: key.slice(this.#prefix.length), size: object.body.length, etag: object.etag, lastModified: new Date(object.lastModified) };
    }
    return undefined;
  }
}
