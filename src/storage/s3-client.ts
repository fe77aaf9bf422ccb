/**
 * S3Client: s3db.js's S3 client, a face over our S3Store (one retry layer,
 * requests that really abort, the HTTP agent from `httpClientOptions`).
 */
import { invalidOption } from '../core/options.js';
import { checkClientOptions, optionalString } from './compat-options.js';
import { createClient } from './create-client.js';
import { parseConnectionString } from './connection-string.js';
import type { HttpClientOptions } from './http-client-options.js';
import { S3dbClient } from './s3db-client.js';

/**
 * Options of {@link S3Client}. s3db.js's options that only tune its own client
 * (`id`, `logLevel`, `logger`, `concurrency`, `retries`, `retryDelay`, `timeout`,
 * `retryableErrors`, `taskExecutorMonitoring`, `executorPool`, `region`) are
 * accepted and ignored, except `parallelism`, which sets the default `maxSockets`;
 * any other unknown name throws ValidationError.
 */
export interface S3ClientOptions {
  /** `s3://KEY:SECRET@bucket/prefix?region=…` or `http(s)://KEY:SECRET@host:port/bucket/prefix`; memory:// and file:// throw ValidationError (use MemoryClient, FileSystemClient). */
  connectionString: string;
  /**
   * Agent settings; each field given overrides the connection string's query parameter.
   * @default undefined — the query parameters, then the HttpClientOptions defaults (`maxSockets`: `parallelism`, else 100)
   */
  httpClientOptions?: HttpClientOptions;
}

/**
 * s3db.js's S3 client, over our S3Store: one retry layer (the
 * database's executor pool; the SDK does not retry), requests that really
 * abort, and the HTTP agent from `httpClientOptions`. The bucket and prefix
 * come from the connection string; nothing is contacted until the first
 * request. Throws ConnectionStringError for a bad connection string.
 *
 * @example
 * const client = new S3Client({ connectionString: 'http://KEY:SECRET@127.0.0.1:9000/bucket/app' });
 * const { Body } = await client.getObject('s3db.json');
 * console.log(await Body.transformToString());
 */
export class S3Client extends S3dbClient {
  constructor(options: S3ClientOptions) {
    const o = checkClientOptions('S3Client', options, ['connectionString', 'httpClientOptions']);
    const connectionString = optionalString('connectionString', o.connectionString);
    if (connectionString === undefined) throw invalidOption('connectionString', 'an s3:// or http(s):// connection string', o.connectionString);
    const target = parseConnectionString(connectionString);
    if (target.kind !== 's3') throw invalidOption('connectionString', 'an s3:// or http(s):// connection string (MemoryClient and FileSystemClient serve memory:// and file://)', target.kind);
    const concurrency = typeof o.parallelism === 'number' ? o.parallelism : undefined;
    const store = createClient(connectionString, {
      ...(o.httpClientOptions ? { httpClientOptions: o.httpClientOptions as HttpClientOptions } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
    });
    super(store, { bucket: target.bucket, keyPrefix: target.prefix });
  }
}
