/**
 * s3:// and http(s)://: @aws-sdk/client-s3 v3 over a keep-alive agent.
 * The SDK's own retries are off (the executor pool is the only retry layer),
 * every request carries the caller's AbortSignal, and response bodies are
 * always read to the end or destroyed so no socket leaks.
 *
 * Conditional requests are sent in the server's dialect (s3-dialect.ts),
 * probed on the first conditional write, never at construction or connect.
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
import { encodeCopySource } from './copy-source.js';
import { createAgent, type ResolvedHttpClientOptions, type StorageLogger } from './http-client-options.js';
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
import { abortError, throwIfAborted } from './request-signal.js';
import { capabilitiesOf, dialectWarnings, ifMatchValue, quoteEtag, type S3Dialect } from './s3-dialect.js';
import { mapS3Error, type S3ErrorContext } from './s3-errors.js';
import { addHeader, cachedDialect, probeS3Dialect } from './s3-probe.js';

/** S3's limit on keys per DeleteObjects request. */
const DELETE_BATCH = 1000;

/** Options of {@link S3Store}; createClient() fills them from a connection string. */
export interface S3StoreOptions {
  /** Bucket name; it must exist (a request to a missing bucket throws StorageError). */
  bucket: string;
  /** Key prefix of this store: `''` or ending with `/`. @default '' */
  prefix?: string;
  /** AWS region to sign for (`'eu-west-1'`); S3-compatible servers usually take any, e.g. `'us-east-1'`. */
  region: string;
  /** Base URL of an S3-compatible server (`http://127.0.0.1:9000`). @default undefined — AWS S3's endpoint for `region` */
  endpoint?: string;
  /** Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key`; most S3-compatible servers need it. @default false */
  forcePathStyle?: boolean;
  /** Static credentials. @default undefined — the AWS SDK's default provider chain (environment, profile, instance role…) */
  credentials?: S3Credentials;
  /** Agent settings with every field set: pass `resolveHttpClientOptions(options, concurrency, logger)`. */
  httpClientOptions: ResolvedHttpClientOptions;
  /** Told once per store what the server cannot guarantee (e.g. DELETE ignores If-Match). @default console */
  logger?: StorageLogger;
}

/**
 * The s3:// and http(s):// {@link ObjectStore}: @aws-sdk/client-s3 over a
 * keep-alive agent. The SDK's own retries are off (run calls through an
 * ExecutorPool to retry), every request carries the caller's AbortSignal, and
 * response bodies are always read to the end or destroyed so no socket leaks.
 *
 * Conditional requests are sent in the server's dialect (AWS, Ceph RGW,
 * MinIO… differ), probed once per endpoint and process on the first
 * conditional write (or probeCapabilities() call), never at construction. Where a server ignores the
 * condition of a DELETE or COPY, the store checks the ETag with a HEAD just
 * before (narrowing the race, not closing it); where it ignores conditional
 * PUTs, those writes are unconditional. It warns once through `logger` about
 * what the server cannot guarantee (see probeCapabilities()). Usually made by
 * `createClient('s3://…')`; close() releases the sockets.
 *
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
  readonly #endpointKey: string;
  readonly #logger: StorageLogger;
  #dialect: S3Dialect | undefined;
  #probing: Promise<S3Dialect> | undefined;

  constructor(options: S3StoreOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? '';
    this.#endpointKey = options.endpoint ?? `aws:${options.region}`;
    this.#logger = options.logger ?? console;
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

  /**
   * The server's dialect, probed once per endpoint (shared by the stores of a
   * process) on the first conditional write. The probe runs without the
   * caller's signal so an aborted write does not fail other writers' probe.
   */
  async #dialectFor(signal: AbortSignal | undefined): Promise<S3Dialect> {
    if (this.#dialect) return this.#dialect;
    this.#probing ??= cachedDialect(this.#endpointKey, () => probeS3Dialect({ client: this.client, bucket: this.#bucket, prefix: this.#prefix })).then(
      (dialect) => {
        this.#dialect = dialect;
        for (const warning of dialectWarnings(this.description, dialect)) this.#logger.warn(warning);
        return dialect;
      },
      (err: unknown) => {
        this.#probing = undefined;
        throw err;
      },
    );
    if (signal === undefined) return this.#probing;
    throwIfAborted(signal);
    return new Promise<S3Dialect>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.#probing!.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * RGW answers many losers of a conditional-write race 500 instead of 412.
   * Whether the probe's race sample saw that or not, a 500 to a conditional
   * PUT is checked with a HEAD: if the object changed (or now exists, for
   * If-None-Match) the write lost a race and is a conflict (the caller
   * re-reads); otherwise it stays a retryable server error.
   */
  async #lostRace(err: unknown, input: PutObjectInput, Key: string): Promise<ConflictError | undefined> {
    const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    if (status !== 500 || input.signal?.aborted) return undefined;
    let current: string | undefined;
    try {
      current = quoteEtag((await this.client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key }), { abortSignal: input.signal })).ETag ?? '');
    } catch (headErr) {
      // Missing: decided below. The HEAD failed too: the server is in trouble, keep the retryable error.
      if ((headErr as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) return undefined;
    }
    const changed = input.ifNoneMatch !== undefined ? current !== undefined : current !== undefined && current !== quoteEtag(input.ifMatch ?? '');
    const gone = input.ifMatch !== undefined && current === undefined;
    if (!changed && !gone) return undefined;
    return new ConflictError(`Object ${JSON.stringify(input.key)} changed while it was written (the server answered 500 to a conditional write that lost a race)`, {
      cause: err,
      details: { key: input.key, statusCode: status },
    });
  }

  #context(operation: string, key: string, signal: AbortSignal | undefined): S3ErrorContext {
    return { operation, key, bucket: this.#bucket, signal };
  }

  async putObject(input: PutObjectInput): Promise<PutObjectOutput> {
    throwIfAborted(input.signal);
    const Key = this.#fullKey(input.key);
    const metadata = normalizeMetadata(input.metadata, false);
    const ContentType = checkContentType(input.contentType);
    const conditional = input.ifMatch !== undefined || input.ifNoneMatch !== undefined;
    const dialect = conditional ? await this.#dialectFor(input.signal) : undefined;
    try {
      const output = await this.client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key,
          Body: toBuffer(input.body),
          Metadata: metadata,
          ContentType,
          IfMatch: input.ifMatch === undefined ? undefined : ifMatchValue(dialect!, input.ifMatch),
          IfNoneMatch: input.ifNoneMatch,
        }),
        { abortSignal: input.signal },
      );
      return { etag: quoteEtag(output.ETag ?? '') };
    } catch (err) {
      const raceLoss = conditional ? await this.#lostRace(err, input, Key) : undefined;
      if (raceLoss) throw raceLoss;
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
        etag: quoteEtag(output.ETag ?? ''),
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
        etag: quoteEtag(output.ETag ?? ''),
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
    const dialect = input.ifMatch === undefined ? undefined : await this.#dialectFor(input.signal);
    try {
      if (dialect && !dialect.conditionalDelete) {
        // The server would delete whatever is there: check the version just before (narrows the race, cannot close it).
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key }), { abortSignal: input.signal });
        if (quoteEtag(head.ETag ?? '') !== quoteEtag(input.ifMatch!)) {
          throw new ConflictError(`DELETE ${JSON.stringify(input.key)}: the object changed (ifMatch ${input.ifMatch} failed)`, { details: { key: input.key } });
        }
      }
      const IfMatch = dialect?.conditionalDelete === true ? ifMatchValue(dialect, input.ifMatch!) : undefined;
      await this.client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key, IfMatch }), { abortSignal: input.signal });
    } catch (err) {
      if (err instanceof ConflictError) throw err;
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
    const dialect = input.ifMatch === undefined ? undefined : await this.#dialectFor(input.signal);
    try {
      if (dialect?.copySourceIfMatch === 'none') {
        // Neither copy condition header is enforced: check the source version just before (narrows the race only).
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: from }), { abortSignal: input.signal });
        if (quoteEtag(head.ETag ?? '') !== quoteEtag(input.ifMatch!)) {
          throw new ConflictError(`COPY ${JSON.stringify(input.from)}: the source changed (ifMatch ${input.ifMatch} failed)`, { details: { key: input.from } });
        }
      }
      const command = new CopyObjectCommand({
        Bucket: this.#bucket,
        Key: to,
        CopySource: `${this.#bucket}/${encodeCopySource(from)}`,
        MetadataDirective: replace ? 'REPLACE' : 'COPY',
        Metadata: metadata,
        ContentType: replace ? checkContentType(input.contentType) : undefined,
        CopySourceIfMatch: dialect?.copySourceIfMatch === 'x-amz-copy-source-if-match' ? quoteEtag(input.ifMatch!) : undefined,
      });
      if (dialect?.copySourceIfMatch === 'x-amz-copy-if-match') addHeader(command, 'x-amz-copy-if-match', quoteEtag(input.ifMatch!));
      const output = await this.client.send(command, { abortSignal: input.signal });
      return { etag: quoteEtag(output.CopyObjectResult?.ETag ?? '') };
    } catch (err) {
      if (err instanceof ConflictError) throw err;
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
          etag: quoteEtag(object.ETag ?? ''),
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

  /** Probes the server now (if no store of this process has yet): this writes throw-away objects. */
  async probeCapabilities(options: RequestOptions = {}): Promise<StoreCapabilities> {
    return capabilitiesOf(await this.#dialectFor(options.signal));
  }

  knownCapabilities(): StoreCapabilities | undefined {
    return this.#dialect === undefined ? undefined : capabilitiesOf(this.#dialect);
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

