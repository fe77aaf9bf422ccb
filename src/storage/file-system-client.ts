/**
 * FileSystemClient: s3db.js's file client, a face over our FileStore (atomic,
 * crash-safe writes; locks across processes).
 */
import { join } from 'node:path';
import { invalidOption } from '../core/options.js';
import { checkClientOptions, normalizePrefix, optionalString } from './compat-options.js';
import { FileStore } from './file-store.js';
import { S3dbClient } from './s3db-client.js';

/**
 * Options of {@link FileSystemClient}. s3db.js's options that only tune its own
 * client (`enforceLimits`, `id`, `logLevel`, `logger`, `parallelism`, `concurrency`,
 * `retries`, `retryDelay`, `timeout`, `retryableErrors`, `taskExecutorMonitoring`,
 * `executorPool`, `region`) are accepted and ignored; any other unknown name throws
 * ValidationError.
 */
export interface FileSystemClientOptions {
  /** Directory holding the objects (a relative path is resolved against the working directory); created on first write. */
  basePath: string;
  /** A label reported as `client.bucket`; it does not change where files go. @default 's3db' */
  bucket?: string;
  /** A subdirectory of `basePath` for this client's objects. @default '' */
  keyPrefix?: string;
}

/**
 * s3db.js's file client, over our {@link FileStore}: one file per object under
 * `basePath/keyPrefix`, atomic crash-safe writes, and per-key locks shared by
 * every process on the directory. Throws ValidationError when `basePath` is
 * missing or empty.
 *
 * @example
 * const db = new S3db({ client: new FileSystemClient({ basePath: './data', keyPrefix: 'app' }) });
 * await db.connect();
 */
export class FileSystemClient extends S3dbClient {
  declare readonly store: FileStore;

  constructor(options: FileSystemClientOptions) {
    const o = checkClientOptions('FileSystemClient', options, ['basePath', 'bucket', 'keyPrefix', 'enforceLimits']);
    const basePath = optionalString('basePath', o.basePath);
    if (basePath === undefined || basePath === '') throw invalidOption('basePath', 'the directory holding the objects', o.basePath);
    const keyPrefix = normalizePrefix(optionalString('keyPrefix', o.keyPrefix));
    super(new FileStore({ root: keyPrefix === '' ? basePath : join(basePath, keyPrefix) }), { bucket: optionalString('bucket', o.bucket) ?? 's3db', keyPrefix });
  }
}
