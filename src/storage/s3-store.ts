/**
 * s3:// and http(s)://: @aws-sdk/client-s3 v3 over a keep-alive agent.
 * The SDK's own retries are off (the executor pool is the only retry layer),
 * every request carries the caller's AbortSignal, and response bodies are
 * always read to the end or destroyed so no socket leaks.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Agent as HttpAgent } from 'node:http';
import { ConflictError, NotFoundError, StorageError } from '../core/errors.js';
import type { Readable } from 'node:stream';
import type { S3Credentials } from './connection-string.js';
import { createAgent, type ResolvedHttpClientOptions } from './http-client-options.js';
import { checkDelimiter, checkMaxKeys } from './list-page.js';
import { listAllPages } from './list-all.js';
import { checkContentType, checkKey, normalizeMetadata, toBuffer } from './metadata-rules.js';
import { installCredentialScrub } from './credential-scrub.js';
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
import { probeCapabilities } from './probe.js';
import { throwIfAborted } from './request-signal.js';
import { mapS3Error, type S3ErrorContext } from './s3-errors.js';

/** S3's limit on keys per DeleteObjects request. */
const DELETE_BATCH = 1000;

export interface S3StoreOptions {
  bucket: string;
  /** `''` or ending with `/`. @default '' */
  prefix?: string;
  region: string;
  /** For S3-compatible servers; omitted for AWS. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Omitted: the SDK's default provider chain. */
  credentials?: S3Credentials;
  httpClientOptions: ResolvedHttpClientOptions;
}

/**
 * @example
 * const store = new S3Store({ bucket: 'b', region: 'eu-west-1', httpClientOptions: resolveHttpClientOptions({}, 100, console) });
 */
export class S3Store implements ObjectStore {
  readonly kind = 's3';
  readonly description: string;
  /** The SDK client, configured as described above. */
  readonly client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #agent: HttpAgent;

  constructor(options: S3StoreOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? '';
    const protocol = options.endpoint?.startsWith('http:') ? 'http:' : 'https:';
    this.#agent = createAgent(protocol, options.httpClientOptions);
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: options.credentials,
      maxAttempts: 1,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({
        ...(protocol === 'http:' ? { httpAgent: this.#agent } : { httpsAgent: this.#agent }),
        requestTimeout: options.httpClientOptions.timeout,
      }),
    });
    installCredentialScrub(this.client, [options.credentials?.accessKeyId, options.credentials?.secretAccessKey]);
    this.description = options.endpoint === undefined
      ? `s3://${this.#bucket}/${this.#prefix}`
      : `${options.endpoint}/${this.#bucket}/${this.#prefix}`;
  }

  #fullKey(key: string, what = 'key'): string {
    const full = this.#prefix + key;
    checkKey(full, key, what);
    return full;
  }

  #context(operation: string, key: string, signal: AbortSignal | undefined): S3ErrorContext {
    return { operation, key, bucket: this.#bucket, signal };
  }

  async putObject(input: PutObjectInput): Promise<PutObjectOutput> {
    throwIfAborted(input.signal);
    const Key = this.#fullKey(input.key);
    const metadata = normalizeMetadata(input.metadata, false);
    const ContentType = checkContentType(input.contentType);
    try {
      const output = await this.client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key,
          Body: toBuffer(input.body),
          Metadata: metadata,
          ContentType,
          IfMatch: input.ifMatch,
          IfNoneMatch: input.ifNoneMatch,
        }),
        { abortSignal: input.signal },
      );
      return { etag: output.ETag ?? '' };
    } catch (err) {
      const mapped = mapS3Error(err, { ...this.#context('PUT', input.key, input.signal), metadata });
      // S3 answers 404 to If-Match on a missing key; the other stores (and callers) treat that as a conflict.
      if (mapped instanceof NotFoundError && input.ifMatch !== undefined) {
        throw new ConflictError(`Object ${JSON.stringify(input.key)} no longer exists (ifMatch ${input.ifMatch} failed)`, { cause: err, details: { key: input.key } });
      }
      throw mapped;
    }
  }

  async getObject(input: KeyInput): Promise<StoredObject> {
    throwIfAborted(input.signal);
    const Key = this.#fullKey(input.key);
    let body: Readable | undefined;
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.#bucket, Key }), { abortSignal: input.signal });
      body = output.Body as Readable | undefined;
      const bytes = output.Body === undefined ? new Uint8Array() : await output.Body.transformToByteArray();
      return {
        body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        metadata: output.Metadata ?? {},
        etag: output.ETag ?? '',
        contentType: output.ContentType ?? '',
        size: output.ContentLength ?? bytes.byteLength,
        lastModified: output.LastModified ?? new Date(0),
      };
    } catch (err) {
      body?.destroy(); // never leave a half-read response holding its socket
      throw mapS3Error(err, this.#context('GET', input.key, input.signal));
    }
  }

  async headObject(input: KeyInput): Promise<ObjectHead> {
    throwIfAborted(input.signal);
    const Key = this.#fullKey(input.key);
    try {
      const output = await this.client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key }), { abortSignal: input.signal });
      return {
        metadata: output.Metadata ?? {},
        etag: output.ETag ?? '',
        contentType: output.ContentType ?? '',
        size: output.ContentLength ?? 0,
        lastModified: output.LastModified ?? new Date(0),
      };
    } catch (err) {
      throw mapS3Error(err, this.#context('HEAD', input.key, input.signal));
    }
  }

  async deleteObject(input: DeleteObjectInput): Promise<void> {
    throwIfAborted(input.signal);
    const Key = this.#fullKey(input.key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key, IfMatch: input.ifMatch }), { abortSignal: input.signal });
    } catch (err) {
      const mapped = mapS3Error(err, this.#context('DELETE', input.key, input.signal));
      if (mapped instanceof NotFoundError && input.ifMatch !== undefined) {
        throw new ConflictError(`Object ${JSON.stringify(input.key)} no longer exists (ifMatch ${input.ifMatch} failed)`, { cause: err, details: { key: input.key } });
      }
      throw mapped;
    }
  }

  async deleteObjects(input: DeleteObjectsInput): Promise<DeleteObjectsOutput> {
    throwIfAborted(input.signal);
    const fullKeys = input.keys.map((key) => this.#fullKey(key, 'keys[]'));
    const output: DeleteObjectsOutput = { deleted: [], errors: [] };
    for (let start = 0; start < fullKeys.length; start += DELETE_BATCH) {
      const batch = fullKeys.slice(start, start + DELETE_BATCH);
      try {
        const result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.#bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
          { abortSignal: input.signal },
        );
        const failed = new Set<string>();
        for (const error of result.Errors ?? []) {
          const key = (error.Key ?? '').slice(this.#prefix.length);
          failed.add(error.Key ?? '');
          output.errors.push({ key, code: error.Code ?? 'Error', message: error.Message ?? '' });
        }
        for (const key of batch) if (!failed.has(key)) output.deleted.push(key.slice(this.#prefix.length));
      } catch (err) {
        throw mapS3Error(err, this.#context('DELETE (batch)', batch[0]!.slice(this.#prefix.length), input.signal));
      }
    }
    return output;
  }

  async copyObject(input: CopyObjectInput): Promise<PutObjectOutput> {
    throwIfAborted(input.signal);
    const from = this.#fullKey(input.from, 'from');
    const to = this.#fullKey(input.to, 'to');
    const replace = input.metadata !== undefined;
    const metadata = replace ? normalizeMetadata(input.metadata, false) : undefined;
    try {
      const output = await this.client.send(
        new CopyObjectCommand({
          Bucket: this.#bucket,
          Key: to,
          CopySource: `${this.#bucket}/${encodeCopySource(from)}`,
          MetadataDirective: replace ? 'REPLACE' : 'COPY',
          Metadata: metadata,
          ContentType: replace ? checkContentType(input.contentType) : undefined,
          CopySourceIfMatch: input.ifMatch,
        }),
        { abortSignal: input.signal },
      );
      return { etag: output.CopyObjectResult?.ETag ?? '' };
    } catch (err) {
      throw mapS3Error(err, { ...this.#context('COPY', input.from, input.signal), metadata });
    }
  }

  async listObjects(input: ListObjectsInput = {}): Promise<ListObjectsOutput> {
    throwIfAborted(input.signal);
    const maxKeys = checkMaxKeys(input.maxKeys);
    const delimiter = checkDelimiter(input.delimiter);
    const prefix = this.#prefix + (input.prefix ?? '');
    try {
      const output = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: prefix === '' ? undefined : prefix,
          MaxKeys: maxKeys,
          Delimiter: delimiter,
          ContinuationToken: input.continuationToken,
          StartAfter: input.continuationToken === undefined && input.startAfter ? this.#prefix + input.startAfter : undefined,
        }),
        { abortSignal: input.signal },
      );
      const cut = this.#prefix.length;
      return {
        objects: (output.Contents ?? []).map((object) => ({
          key: (object.Key ?? '').slice(cut),
          size: object.Size ?? 0,
          etag: object.ETag ?? '',
          lastModified: object.LastModified ?? new Date(0),
        })),
        commonPrefixes: (output.CommonPrefixes ?? []).map((common) => (common.Prefix ?? '').slice(cut)),
        isTruncated: output.IsTruncated === true,
        nextContinuationToken: output.IsTruncated === true ? output.NextContinuationToken : undefined,
      };
    } catch (err) {
      throw mapS3Error(err, this.#context('LIST', input.prefix ?? '', input.signal));
    }
  }

  listAll(input: ListAllInput = {}): AsyncIterable<ListedObject> {
    return listAllPages(this, input);
  }

  probeCapabilities(options?: RequestOptions): Promise<StoreCapabilities> {
    return probeCapabilities(this, options);
  }

  async clear(options: RequestOptions = {}): Promise<void> {
    // Collect first, then delete: deleting while paging would shift the pages.
    const keys: string[] = [];
    for await (const object of this.listAll({ signal: options.signal })) keys.push(object.key);
    const { errors } = await this.deleteObjects({ keys, signal: options.signal });
    const first = errors[0];
    if (first !== undefined) {
      throw new StorageError(`clear() could not delete ${errors.length} object(s), first ${JSON.stringify(first.key)}: ${first.code} ${first.message}`, {
        retryable: first.code === 'InternalError' || first.code === 'SlowDown',
        details: { errors },
      });
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
    this.#agent.destroy();
  }
}

/**
 * CopySource is URL-encoded, but characters that stay readable and that
 * every S3 implementation decodes alike (`/`, `=`, `:`, `@`, `,`, `;`, `$`, `&`)
 * are left as they are: s3rver only undoes `decodeURI`, which keeps `%3D` as is.
 */
function encodeCopySource(key: string): string {
  return encodeURIComponent(key).replace(/%(2F|3D|3A|40|2C|3B|24|26)/g, (escape) => decodeURIComponent(escape));
}
