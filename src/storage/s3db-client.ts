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
  readonly $metadata = { httpStatusCode: 404 };

  constructor(code: 'NoSuchKey' | 'NotFound', cause: NotFoundError) {
    super(cause.message, { cause, details: cause.details });
    this.name = code;
    this.Code = code;
  }
}

export interface AwsHead {
  Metadata: Record<string, string>;
  ETag: string;
  ContentType: string;
  ContentLength: number;
  LastModified: Date;
}

/** The body as a Buffer that also reads like the AWS SDK's stream (`transformToString()`). */
export type AwsBody = Buffer & { transformToString(encoding?: BufferEncoding): Promise<string>; transformToByteArray(): Promise<Uint8Array> };

export type ClientObject = StoredObject & AwsHead & { Body: AwsBody };
export type ClientHead = ObjectHead & AwsHead;
export type ClientList = ListObjectsOutput & {
  Contents: { Key: string; Size: number; ETag: string; LastModified: Date }[];
  CommonPrefixes: { Prefix: string }[];
  IsTruncated: boolean;
  NextContinuationToken: string | undefined;
  KeyCount: number;
};

/** s3db.js's copy input also names the metadata directive. */
export interface ClientCopyInput extends CopyObjectInput {
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

/** Base of MemoryClient, FileSystemClient and S3Client. Usable as `new S3db({ client })`. */
export class S3dbClient extends EventEmitter implements ObjectStore {
  /** The store every call goes to. */
  readonly store: ObjectStore;
  readonly bucket: string;
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

  async headObject(input: string | KeyInput): Promise<ClientHead> {
    const head = await named('NotFound', this.store.headObject(keyInput(input, 'headObject')));
    return Object.assign(head, awsHead(head));
  }

  async deleteObject(input: string | DeleteObjectInput): Promise<void> {
    await this.store.deleteObject(keyInput(input, 'deleteObject'));
  }

  /** `deleteObjects(keys)` or `deleteObjects({ keys })`. */
  async deleteObjects(input: string[] | DeleteObjectsInput): Promise<DeleteObjectsOutput & { Deleted: { Key: string }[]; Errors: { Key: string; Code: string; Message: string }[] }> {
    const result = await this.store.deleteObjects(Array.isArray(input) ? { keys: input } : input);
    return {
      ...result,
      Deleted: result.deleted.map((Key) => ({ Key })),
      Errors: result.errors.map((e) => ({ Key: e.key, Code: e.code, Message: e.message })),
    };
  }

  /** `metadataDirective: 'COPY'` keeps the source's metadata even when `metadata` is given. */
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
