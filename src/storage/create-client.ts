/**
 * createClient(connectionString, options): the store a connection string names.
 */
import { checkOptions, invalidOption } from '../core/options.js';
import { parseConnectionString } from './connection-string.js';
import { FileStore } from './file-store.js';
import {
  checkHttpClientOptions,
  DEFAULT_CONCURRENCY,
  resolveHttpClientOptions,
  type HttpClientOptions,
  type StorageLogger,
} from './http-client-options.js';
import { MemoryStore } from './memory-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store } from './s3-store.js';

/** Options of {@link createClient}. A bad value or an unknown name throws ValidationError. */
export interface CreateClientOptions {
  /** Concurrency of the executor pool that will drive this store (an integer from 1); s3:// and http(s):// `maxSockets` defaults to it. @default 100 */
  concurrency?: number;
  /**
   * Agent settings for s3:// and http(s):// (ignored by memory:// and file://); each
   * field given here overrides the connection string's query parameter of that name.
   * @default undefined — the query parameters, then the {@link HttpClientOptions} defaults
   */
  httpClientOptions?: HttpClientOptions;
  /** Receives warnings (e.g. `maxSockets` below `concurrency`). @default console */
  logger?: StorageLogger;
}

/**
 * The object store a connection string names: `memory://bucket/prefix` →
 * MemoryStore, `file:///abs/path` or `file://./rel/path` → FileStore,
 * `s3://KEY:SECRET@bucket/prefix?region=…` and
 * `http(s)://KEY:SECRET@host:port/bucket/prefix` → S3Store (see
 * {@link parseConnectionString} for every form and query parameter). Nothing is
 * contacted here: the first request connects. Close the store when done.
 *
 * Throws ConnectionStringError for a string it cannot parse (the message never
 * holds the credentials) and ValidationError for a bad option.
 *
 * @example
 * const store = createClient('memory://test-bucket/integration-tests');
 * const s3 = createClient('s3://KEY:SECRET@my-bucket/app?region=eu-west-1', { concurrency: 200 });
 * const minio = createClient('http://KEY:SECRET@127.0.0.1:9000/bucket/db', { httpClientOptions: { maxSockets: 200 } });
 */
export function createClient(connectionString: string, options: CreateClientOptions = {}): ObjectStore {
  checkOptions('createClient', options, ['concurrency', 'httpClientOptions', 'logger']);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw invalidOption('concurrency', 'an integer from 1 and up', concurrency);
  const httpClientOptions = checkHttpClientOptions(options.httpClientOptions);
  const logger = options.logger ?? console;
  if (typeof logger?.warn !== 'function') throw invalidOption('logger', 'an object with a warn(message) method', logger);

  const target = parseConnectionString(connectionString);
  switch (target.kind) {
    case 'memory':
      return new MemoryStore({ bucket: target.bucket, prefix: target.prefix });
    case 'file':
      return new FileStore({ root: target.root });
    case 's3':
      return new S3Store({
        bucket: target.bucket,
        prefix: target.prefix,
        region: target.region,
        endpoint: target.endpoint,
        forcePathStyle: target.forcePathStyle,
        credentials: target.credentials,
        httpClientOptions: resolveHttpClientOptions({ ...target.httpClientOptions, ...httpClientOptions }, concurrency, logger),
        logger,
      });
  }
}
