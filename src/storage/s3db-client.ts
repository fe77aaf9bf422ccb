/**
 * The method shapes s3db.js's clients expose, as a thin face over one of our
 * stores: `getObject(key)` as well as `getObject({ key })`, AWS-style result
 * fields (`Body`, `Metadata`, `ETag`, `Contents`, …) next to ours, a
 * `NoSuchKey` error on a missing key, `exists`, `count`, `getAllKeys`. Every
 * call goes to the wrapped store; the face holds no S3 rules of its own.
 */
import { EventEmitter } from 'node:events';
import { NotFoundError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import type {
  CopyObjectInput,
  DeleteObjectInput,
  DeleteObjectsInput,
  DeleteObjectsOutput,
  KeyInput,
  ListAllInput,
  ListedObject,
  ListObjectsInput,
  ListObjectsOutput,
  ObjectHead,
  ObjectStore,
  PutObjectInput,
  PutObjectOutput,
  RequestOptions,
  StoreCapabilities,
  StoredObject,
} from './object-store.js';

/** A missing key, named as S3 and s3db.js name it (still a NotFoundError). */
export class NoSuchKeyError extends NotFoundError {
  /** AWS SDK style error code: `NoSuchKey` (GET) or `NotFound` (HEAD). */
  readonly Code: string;
  /** `{ httpStatusCode: 404 }`, where AWS SDK errors carry their HTTP status. */
  readonly $metadata = { httpStatusCode: 404 };

  constructor(code: 'NoSuchKey' | 'NotFound', cause: NotFoundError) {
    super(cause.message, { cause, details: cause.details });
    this.name = code;
    this.Code = code;
  }
}

/** The AWS SDK's names for an object's head fields, added next to ours. */
export interface AwsHead {
  Metadata: Record<string, string>;
  ETag: string;
  ContentType: string;
  ContentLength: number;
  LastModified: Date;
}

/** The body as a Buffer that also reads like the AWS SDK's stream (`transformToString()`). */
export type AwsBody = Buffer & { transformToString(encoding?: BufferEncoding): Promise<string>; transformToByteArray(): Promise<Uint8Array> };

/** What S3dbClient.getObject() returns: our {@link StoredObject} fields plus the AWS SDK's (`Body`, `Metadata`, `ETag`, `ContentType`, `ContentLength`, `LastModified`). */
export type ClientObject = StoredObject & AwsHead & { Body: AwsBody };
/** What S3dbClient.headObject() returns: our {@link ObjectHead} fields plus the AWS SDK's (`Metadata`, `ETag`, `ContentType`, `ContentLength`, `LastModified`). */
export type ClientHead = ObjectHead & AwsHead;
/**
 * What S3dbClient.listObjects() returns: our {@link ListObjectsOutput} plus
 * ListObjectsV2's fields; `KeyCount` counts objects and common prefixes.
 */
export type ClientList = ListObjectsOutput & {
  Contents: { Key: string; Size: number; ETag: string; LastModified: Date }[];
  CommonPrefixes: { Prefix: string }[];
  IsTruncated: boolean;
  NextContinuationToken: string | undefined;
  KeyCount: number;
};

/** s3db.js's copy input also names the metadata directive. */
export interface ClientCopyInput extends CopyObjectInput {
  /**
   * `'COPY'`: keep the source's metadata and content type, even if `metadata` is given.
   * `'REPLACE'`: the copy gets `metadata` (`{}` when omitted) and `contentType`.
   * Omitted: REPLACE when `metadata` is given, else COPY. Anything else throws ValidationError.
   */
  metadataDirective?: 'COPY' | 'REPLACE';
}

function keyInput<T extends KeyInput>(input: string | T, method: string): T {
  if (typeof input === 'string') return { key: input } as T;
  if (input === null || typeof input !== 'object' || typeof input.key !== 'string') throw invalidOption(`${method}(key)`, 'a key string or { key }', input);
  return input;
}

function awsHead(head: ObjectHead): AwsHead {
  return { Metadata: head.metadata, ETag: head.etag, ContentType: head.contentType, ContentLength: head.size, LastModified: head.lastModified };
}

async function named<T>(code: 'NoSuchKey' | 'NotFound', call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw err instanceof NotFoundError && !(err instanceof NoSuchKeyError) ? new NoSuchKeyError(code, err) : err;
  }
}

/**
 * Base of MemoryClient, FileSystemClient and S3Client: s3db.js's client
 * method shapes over one of our stores, usable as `new S3db({ client })` or
 * on its own. Methods take a key string as well as `{ key }`, results carry
 * AWS SDK field names next to ours, and a missing key throws
 * {@link NoSuchKeyError} (still a NotFoundError). It is an {@link ObjectStore}
 * itself; every call goes to `store`, with its errors and guarantees.
 *
 * @example
 * const client = new MemoryClient({ keyPrefix: 'app' });
 * await client.putObject({ key: 'a.json', body: '{}', contentType: 'application/json' });
 * const { Body, ETag } = await client.getObject('a.json');
 * console.log(await Body.transformToString(), ETag, await client.exists('b.json')); // {} "99914b93…" false
 */
export class S3dbClient extends EventEmitter implements ObjectStore {
  /** The store every call goes to. */
  readonly store: ObjectStore;
  /** Bucket this client names: the S3 bucket, the in-process bucket of a MemoryClient, a label only for a FileSystemClient. */
  readonly bucket: string;
  /** Prefix of every key this client reads and writes: `''` or ending with `/` (s3db.js's `'app'` becomes `'app/'`). */
  readonly keyPrefix: string;

  constructor(store: ObjectStore, where: { bucket: string; keyPrefix: string }) {
    super();
    this.store = store;
    this.bucket = where.bucket;
    this.keyPrefix = where.keyPrefix;
  }

  get kind(): ObjectStore['kind'] {
    return this.store.kind;
  }

  get description(): string {
    return this.store.description;
  }

  /** {@link ObjectStore.putObject}, with the ETag also as AWS's `ETag`. */
  async putObject(input: PutObjectInput): Promise<PutObjectOutput & { ETag: string }> {
    const { etag } = await this.store.putObject(input);
    return { etag, ETag: etag };
  }

  /** `getObject(key)` or `getObject({ key })`; a missing key throws {@link NoSuchKeyError}. */
  async getObject(input: string | KeyInput): Promise<ClientObject> {
    const object = await named('NoSuchKey', this.store.getObject(keyInput(input, 'getObject')));
    const body = object.body as AwsBody;
    body.transformToString = async (encoding: BufferEncoding = 'utf8') => object.body.toString(encoding);
    body.transformToByteArray = async () => new Uint8Array(object.body);
    return Object.assign(object, awsHead(object), { Body: body });
  }

  /** `headObject(key)` or `headObject({ key })`; a missing key throws {@link NoSuchKeyError} (`Code: 'NotFound'`). */
  async headObject(input: string | KeyInput): Promise<ClientHead> {
    const head = await named('NotFound', this.store.headObject(keyInput(input, 'headObject')));
    return Object.assign(head, awsHead(head));
  }

  /** `deleteObject(key)` or `deleteObject({ key, ifMatch? })`; a missing key succeeds (see {@link ObjectStore.deleteObject}). */
  async deleteObject(input: string | DeleteObjectInput): Promise<void> {
    await this.store.deleteObject(keyInput(input, 'deleteObject'));
  }

  /** `deleteObjects(keys)` or `deleteObjects({ keys })`; per-key outcomes also as AWS's `Deleted` and `Errors`. */
  async deleteObjects(input: string[] | DeleteObjectsInput): Promise<DeleteObjectsOutput & { Deleted: { Key: string }[]; Errors: { Key: string; Code: string; Message: string }[] }> {
    const result = await this.store.deleteObjects(Array.isArray(input) ? { keys: input } : input);
    return {
      ...result,
      Deleted: result.deleted.map((Key) => ({ Key })),
      Errors: result.errors.map((e) => ({ Key: e.key, Code: e.code, Message: e.message })),
    };
  }

  /**
   * {@link ObjectStore.copyObject} with s3db.js's `metadataDirective` (see {@link ClientCopyInput});
   * a missing source throws {@link NoSuchKeyError}.
   */
  async copyObject(input: ClientCopyInput): Promise<PutObjectOutput & { ETag: string }> {
    const { metadataDirective, ...rest } = input;
    if (metadataDirective !== undefined && metadataDirective !== 'COPY' && metadataDirective !== 'REPLACE') throw invalidOption('metadataDirective', "'COPY' or 'REPLACE'", metadataDirective);
    if (metadataDirective === 'REPLACE' && rest.metadata === undefined) rest.metadata = {};
    if (metadataDirective === 'COPY') {
      delete rest.metadata;
      delete rest.contentType;
    }
    const { etag } = await named('NoSuchKey', this.store.copyObject(rest));
    return { etag, ETag: etag };
  }

  /** One page of keys ({@link ObjectStore.listObjects}) with ListObjectsV2's field names added. */
  async listObjects(input: ListObjectsInput = {}): Promise<ClientList> {
    const page = await this.store.listObjects(input);
    return Object.assign(page, {
      Contents: page.objects.map((o) => ({ Key: o.key, Size: o.size, ETag: o.etag, LastModified: o.lastModified })),
      CommonPrefixes: page.commonPrefixes.map((Prefix) => ({ Prefix })),
      IsTruncated: page.isTruncated,
      NextContinuationToken: page.nextContinuationToken,
      KeyCount: page.objects.length + page.commonPrefixes.length,
    });
  }

  /** Every object under `prefix`, in S3 key order, page by page ({@link ObjectStore.listAll}). */
  listAll(input?: ListAllInput): AsyncIterable<ListedObject> {
    return this.store.listAll(input);
  }

  /** Whether `key` exists (one HEAD). */
  async exists(key: string, options: RequestOptions = {}): Promise<boolean> {
    try {
      await this.store.headObject({ key, ...options });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** How many keys start with `prefix` (pages through LIST; never capped at 1000). */
  async count(input: { prefix?: string } & RequestOptions = {}): Promise<number> {
    let n = 0;
    for await (const listed of this.store.listAll(input)) if (listed) n++;
    return n;
  }

  /** Every key under `prefix`, relative to this client's prefix. */
  async getAllKeys(input: { prefix?: string } & RequestOptions = {}): Promise<string[]> {
    const keys: string[] = [];
    for await (const listed of this.store.listAll(input)) keys.push(listed.key);
    return keys;
  }

  probeCapabilities(options?: RequestOptions): Promise<StoreCapabilities> {
    return this.store.probeCapabilities(options);
  }

  /** Deletes every object under this client's prefix. */
  clear(options?: RequestOptions): Promise<void> {
    return this.store.clear(options);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
