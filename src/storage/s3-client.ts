/**
 * S3Client: s3db.js's S3 client, a face over our S3Store (one retry layer,
 * requests that really abort, the HTTP agent from `httpClientOptions`).
 *
 * @example
 * const client = new S3Client({ connectionString: 'http://KEY:SECRET@127.0.0.1:9000/bucket/app' });
 * const { Body } = await client.getObject('s3db.json');
 */
import { invalidOption } from '../core/options.js';
import { checkClientOptions, optionalString } from './compat-options.js';
import { createClient } from './create-client.js';
import { parseConnectionString } from './connection-string.js';
import type { HttpClientOptions } from './http-client-options.js';
import { S3dbClient } from './s3db-client.js';

export interface S3ClientOptions {
  /** `s3://KEY:SECRET@bucket/prefix?region=…` or `http(s)://KEY:SECRET@host:port/bucket/prefix`. */
  connectionString: string;
  httpClientOptions?: HttpClientOptions;
}

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
