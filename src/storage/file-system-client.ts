/**
 * FileSystemClient: s3db.js's file client, a face over our FileStore (atomic,
 * crash-safe writes; locks across processes).
 *
 * @example
 * const db = new S3db({ client: new FileSystemClient({ basePath: './data', keyPrefix: 'app' }) });
 */
import { join } from 'node:path';
import { invalidOption } from '../core/options.js';
import { checkClientOptions, normalizePrefix, optionalString } from './compat-options.js';
import { FileStore } from './file-store.js';
import { S3dbClient } from './s3db-client.js';

export interface FileSystemClientOptions {
  /** Directory holding the objects. */
  basePath: string;
  /** @default 's3db' */
  bucket?: string;
  /** A subdirectory of `basePath` for this client's objects. @default '' */
  keyPrefix?: string;
}

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
