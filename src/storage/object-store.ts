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

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface PutObjectInput extends RequestOptions {
  key: string;
  body?: Buffer | Uint8Array | string;
  metadata?: ObjectMetadata;
  contentType?: string;
  /** Write only if the current ETag equals this one (quoted, as returned). */
  ifMatch?: string;
  /** `'*'`: write only if the key does not exist. */
  ifNoneMatch?: '*';
}

export interface PutObjectOutput {
  etag: string;
}

export interface KeyInput extends RequestOptions {
  key: string;
}

export interface DeleteObjectInput extends KeyInput {
  /** Delete only if the current ETag equals this one; a missing key then fails too. */
  ifMatch?: string;
}

export interface ObjectHead {
  metadata: ObjectMetadata;
  etag: string;
  contentType: string;
  size: number;
  lastModified: Date;
}

export interface StoredObject extends ObjectHead {
  body: Buffer;
}

export interface DeleteObjectsInput extends RequestOptions {
  keys: string[];
}

export interface DeleteObjectsOutput {
  deleted: string[];
  errors: { key: string; code: string; message: string }[];
}

export interface CopyObjectInput extends RequestOptions {
  from: string;
  to: string;
  /** Given: the copy gets exactly this metadata (REPLACE). Omitted: metadata is copied. */
  metadata?: ObjectMetadata;
  contentType?: string;
  /** Copy only if the source's current ETag equals this one. */
  ifMatch?: string;
}

export interface ListObjectsInput extends RequestOptions {
  prefix?: string;
  maxKeys?: number;
  continuationToken?: string;
  startAfter?: string;
  delimiter?: string;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListObjectsOutput {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken: string | undefined;
}

export interface ListAllInput extends RequestOptions {
  prefix?: string;
  startAfter?: string;
  /** Page size of the underlying LIST calls. @default 1000 */
  pageSize?: number;
}

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

export interface ObjectStore {
  /** `memory`, `file` or `s3`. */
  readonly kind: string;
  /** Bucket (or root directory) and prefix, without credentials; safe to print. */
  readonly description: string;

  putObject(input: PutObjectInput): Promise<PutObjectOutput>;
  getObject(input: KeyInput): Promise<StoredObject>;
  headObject(input: KeyInput): Promise<ObjectHead>;
  deleteObject(input: DeleteObjectInput): Promise<void>;
  deleteObjects(input: DeleteObjectsInput): Promise<DeleteObjectsOutput>;
  copyObject(input: CopyObjectInput): Promise<PutObjectOutput>;
  listObjects(input?: ListObjectsInput): Promise<ListObjectsOutput>;
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
