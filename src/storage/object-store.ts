/**
 * The object-store seam: everything the docs engine knows about S3.
 *
 * Keys are relative to the store's prefix. Every method takes an optional
 * `signal`; aborting it cancels the request. Failures are typed:
 * missing key → NotFoundError, failed ifMatch/ifNoneMatch → ConflictError,
 * user metadata over the limit → MetadataLimitError, anything else →
 * StorageError (with `retryable`).
 */
import type { S3Dialect } from './s3-dialect.js';

/** User metadata: lowercase header-safe ASCII keys and values. */
export type ObjectMetadata = Record<string, string>;

/** S3's limit on user metadata, counted as AWS counts it (UTF-8 bytes of keys and values). */
export const METADATA_LIMIT_BYTES = 2048;

/** What every {@link ObjectStore} call accepts besides its own input. */
export interface RequestOptions {
  /**
   * Aborting it cancels the request (an S3 request is really aborted); the call then
   * rejects with AbortError. Already aborted: the call rejects at once, before any I/O.
   * @default undefined — the request runs to its end (or the HTTP socket timeout)
   */
  signal?: AbortSignal;
}

/** Input of {@link ObjectStore.putObject}. */
export interface PutObjectInput extends RequestOptions {
  /**
   * Object key relative to the store's prefix: non-empty, valid UTF-8, at most 1024
   * UTF-8 bytes together with the prefix (`MAX_KEY_BYTES`); else ValidationError.
   */
  key: string;
  /** The object's bytes; a string is written as UTF-8. Omitted: an empty object. */
  body?: Buffer | Uint8Array | string;
  /**
   * User metadata, stored with keys lowercased. Keys must be HTTP header names and
   * values printable US-ASCII without leading/trailing blanks (else ValidationError).
   * Over {@link METADATA_LIMIT_BYTES} is MetadataLimitError on memory:// and file://,
   * and on S3 servers that enforce it (AWS does; see {@link StoreCapabilities.metadataLimit}).
   * Omitted: none.
   */
  metadata?: ObjectMetadata;
  /** Content-Type stored with the object (header-safe ASCII). Omitted: `application/octet-stream`. */
  contentType?: string;
  /** Write only if the current ETag equals this one (quoted, as returned). */
  ifMatch?: string;
  /** `'*'`: write only if the key does not exist. */
  ifNoneMatch?: '*';
}

/** What a write returns. */
export interface PutObjectOutput {
  /** ETag of the object now stored, quoted (`"<hex md5>"` for a single-part body); pass it as `ifMatch` to update only that version. */
  etag: string;
}

/** Input naming one object. */
export interface KeyInput extends RequestOptions {
  /** Object key relative to the store's prefix (same rules as {@link PutObjectInput.key}). */
  key: string;
}

/** Input of {@link ObjectStore.deleteObject}. */
export interface DeleteObjectInput extends KeyInput {
  /** Delete only if the current ETag equals this one; a missing key then fails too. */
  ifMatch?: string;
}

/** What {@link ObjectStore.headObject} returns: everything about an object but its body. */
export interface ObjectHead {
  /** User metadata, keys lowercased; `{}` when none. */
  metadata: ObjectMetadata;
  /** Current ETag, quoted; pass it as `ifMatch` to write only over this version. */
  etag: string;
  /** Content-Type as stored (`application/octet-stream` when the write gave none). */
  contentType: string;
  /** Body length in bytes. */
  size: number;
  /** When the object was last written (or copied to this key). */
  lastModified: Date;
}

/** What {@link ObjectStore.getObject} returns. */
export interface StoredObject extends ObjectHead {
  /** The whole body, read to the end; the caller's own Buffer (changing it changes nothing stored). */
  body: Buffer;
}

/** Input of {@link ObjectStore.deleteObjects}. */
export interface DeleteObjectsInput extends RequestOptions {
  /** Keys relative to the store's prefix, any number (S3 requests go out 1000 at a time). Missing keys count as deleted. */
  keys: string[];
}

/** What {@link ObjectStore.deleteObjects} returns: per-key outcomes, in no guaranteed order. */
export interface DeleteObjectsOutput {
  /** Keys that are gone now, missing ones included. */
  deleted: string[];
  /** Keys the backend could not delete, with its error code (S3's `Code`, or the errno on file://) and message. */
  errors: { key: string; code: string; message: string }[];
}

/** Input of {@link ObjectStore.copyObject}. */
export interface CopyObjectInput extends RequestOptions {
  /** Source key, relative to the store's prefix. */
  from: string;
  /** Destination key, relative to the store's prefix; overwritten if it exists. */
  to: string;
  /** Given: the copy gets exactly this metadata (REPLACE). Omitted: metadata is copied. */
  metadata?: ObjectMetadata;
  /** Content-Type of the copy; only used with `metadata` (REPLACE), where omitting it stores `application/octet-stream`. Without `metadata` the source's is kept. */
  contentType?: string;
  /** Copy only if the source's current ETag equals this one. */
  ifMatch?: string;
}

/** Input of {@link ObjectStore.listObjects}: one page, as S3's ListObjectsV2. */
export interface ListObjectsInput extends RequestOptions {
  /** Only keys starting with this, relative to the store's prefix. Omitted: every key. */
  prefix?: string;
  /** Most entries (objects plus common prefixes) in the page: an integer from 1, values over 1000 are capped at 1000 as S3 does. Omitted: 1000. */
  maxKeys?: number;
  /** `nextContinuationToken` of the previous page, to get the next one. Opaque; a token works only on the backend that issued it (memory:// and file:// throw ValidationError for another). */
  continuationToken?: string;
  /** Start after this key (exclusive), relative to the store's prefix; ignored with a `continuationToken`. */
  startAfter?: string;
  /** Groups the keys that contain it after `prefix` into `commonPrefixes` (one entry per group, up to and including the delimiter), as folders. Omitted or `''`: no grouping. */
  delimiter?: string;
}

/** One object of a listing. */
export interface ListedObject {
  /** Key relative to the store's prefix. */
  key: string;
  /** Body length in bytes. */
  size: number;
  /** Current ETag, quoted. */
  etag: string;
  /** When the object was last written. */
  lastModified: Date;
}

/** One page of a listing. */
export interface ListObjectsOutput {
  /** Objects in S3 key order (UTF-8 byte order, as `compareKeys` sorts). */
  objects: ListedObject[];
  /** With a `delimiter`: the grouped prefixes, in key order, relative to the store's prefix. Else `[]`. */
  commonPrefixes: string[];
  /** True when more keys follow this page. */
  isTruncated: boolean;
  /** Pass as `continuationToken` for the next page; undefined on the last page. */
  nextContinuationToken: string | undefined;
}

/** Input of {@link ObjectStore.listAll}. */
export interface ListAllInput extends RequestOptions {
  /** Only keys starting with this, relative to the store's prefix. Omitted: every key. */
  prefix?: string;
  /** Start after this key (exclusive), relative to the store's prefix. Omitted: from the first key. */
  startAfter?: string;
  /** Page size of the underlying LIST calls. @default 1000 */
  pageSize?: number;
}

/**
 * What a backend really enforces, as found by {@link ObjectStore.probeCapabilities}:
 * memory:// and file:// enforce everything; S3-compatible servers differ.
 */
export interface StoreCapabilities {
  /** Whether the backend enforces If-Match / If-None-Match on writes. */
  conditionalWrites: boolean;
  /** Whether the backend refuses a DELETE whose If-Match is stale (AWS S3 does; Ceph RGW 16 and s3rver do not). */
  conditionalDeletes: boolean;
  /** Whether the backend rejects user metadata over 2 KB (AWS S3 does; RGW and s3rver do not). */
  metadataLimit: boolean;
  /** s3:// and http(s):// only: the server's dialect as probed (which If-Match form it enforces, and so on). */
  s3?: S3Dialect;
}

/**
 * The seam between the document engine and object storage: MemoryStore
 * (memory://), FileStore (file://) and S3Store (s3://, http(s)://) implement it
 * with the same S3 rules, and `createClient()` picks one from a connection
 * string. Keys are relative to the store's prefix.
 *
 * Failures are typed: a missing key is NotFoundError, a failed
 * `ifMatch`/`ifNoneMatch` ConflictError, metadata over the limit
 * MetadataLimitError, bad input ValidationError (nothing is sent), an aborted
 * signal AbortError, anything else StorageError with `retryable`. A store does
 * not retry: run its calls through an ExecutorPool for that.
 *
 * @example
 * const store = createClient('memory://bucket/app');
 * const { etag } = await store.putObject({ key: 'users/1', body: '{"name":"Ann"}', contentType: 'application/json' });
 * await store.putObject({ key: 'users/1', body: '{"name":"Anne"}', ifMatch: etag }); // ConflictError if changed since
 * for await (const object of store.listAll({ prefix: 'users/' })) console.log(object.key, object.size);
 */
export interface ObjectStore {
  /** `memory`, `file` or `s3`. */
  readonly kind: string;
  /** Bucket (or root directory) and prefix, without credentials; safe to print. */
  readonly description: string;

  /**
   * Writes (creates or replaces) one object whole. With `ifMatch`/`ifNoneMatch` the
   * check and the write are atomic where the backend enforces conditions (see
   * {@link StoreCapabilities.conditionalWrites}); a failed condition is ConflictError
   * and writes nothing. Also throws ValidationError (key, metadata, content type),
   * MetadataLimitError, AbortError, StorageError.
   */
  putObject(input: PutObjectInput): Promise<PutObjectOutput>;
  /** Reads one object with its body. Throws NotFoundError when the key does not exist. */
  getObject(input: KeyInput): Promise<StoredObject>;
  /** Reads one object's metadata, ETag, size and dates without its body. Throws NotFoundError when the key does not exist. */
  headObject(input: KeyInput): Promise<ObjectHead>;
  /**
   * Deletes one object; deleting a missing key succeeds, as on S3. With `ifMatch`, a
   * changed or missing object is ConflictError and nothing is deleted (on servers
   * without conditional deletes the ETag is checked just before: the race narrows but
   * does not close).
   */
  deleteObject(input: DeleteObjectInput): Promise<void>;
  /**
   * Deletes many objects. Per-key failures are returned in `errors`, not thrown; a
   * failure of a request itself throws (StorageError, AbortError), and on S3 the
   * batches of 1000 sent before it stay deleted.
   */
  deleteObjects(input: DeleteObjectsInput): Promise<DeleteObjectsOutput>;
  /**
   * Copies `from` to `to` on the server side (no download); returns the copy's ETag.
   * Throws NotFoundError when `from` does not exist, ConflictError when its ETag is
   * not `ifMatch`.
   */
  copyObject(input: CopyObjectInput): Promise<PutObjectOutput>;
  /** One page of keys in S3 order (at most `maxKeys`, 1000 by default); follow `nextContinuationToken` for more. */
  listObjects(input?: ListObjectsInput): Promise<ListObjectsOutput>;
  /**
   * Every object under `prefix`, in S3 key order, fetched page by page as the loop
   * advances (a `break` stops fetching). Keys written or deleted during the loop
   * may or may not appear.
   */
  listAll(input?: ListAllInput): AsyncIterable<ListedObject>;
  /** Finds what the backend enforces by trying it on a throw-away key (this writes). */
  probeCapabilities(options?: RequestOptions): Promise<StoreCapabilities>;
  /**
   * Present on stores that probe lazily, on their first conditional write
   * (S3: read-only credentials must connect): what is known so far, or
   * undefined before that write. Stores without it are probed at connect.
   */
  knownCapabilities?(): StoreCapabilities | undefined;
  /** Removes every object under this store's prefix (and nothing outside it). */
  clear(options?: RequestOptions): Promise<void>;
  /** Releases sockets and file handles. */
  close(): Promise<void>;
}
