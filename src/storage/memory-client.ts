/**
 * MemoryClient: s3db.js's in-memory client, a face over our MemoryStore (so
 * S3's rules hold: the 2 KB metadata limit, conditional writes, real LIST
 * paging). Adds s3db.js's snapshot/restore, disk persistence and stats.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigurationError, StorageError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import { checkClientOptions, normalizePrefix, optionalString } from './compat-options.js';
import { METADATA_LIMIT_BYTES } from './object-store.js';
import { MemoryStore, type MemorySnapshot } from './memory-store.js';
import { S3dbClient } from './s3db-client.js';

/**
 * Options of {@link MemoryClient}. s3db.js's options that only tune its own
 * client (`id`, `logLevel`, `logger`, `parallelism`, `concurrency`, `retries`,
 * `retryDelay`, `timeout`, `retryableErrors`, `taskExecutorMonitoring`,
 * `executorPool`, `region`, `maxObjectSize`) are accepted and ignored; any other
 * unknown name throws ValidationError.
 */
export interface MemoryClientOptions {
  /** Name of the in-process bucket: clients (and memory:// stores) naming the same bucket share its objects until the process exits. @default 's3db' */
  bucket?: string;
  /** Prefix of every key; slashes at either end are trimmed and one `/` is added (`'app'` → `'app/'`). @default '' */
  keyPrefix?: string;
  /** S3's limits always hold on memory:// (code that passes here passes on S3): only `true` is accepted; `false` throws ConfigurationError. @default true */
  enforceLimits?: boolean;
  /** Only S3's own 2048 (bytes) is accepted; any other value throws ValidationError. @default 2048 */
  metadataLimit?: number;
  /** Default file of saveToDisk()/loadFromDisk(). @default undefined — saveToDisk() and loadFromDisk() then need a path argument */
  persistPath?: string;
}

const KNOWN = ['bucket', 'keyPrefix', 'enforceLimits', 'metadataLimit', 'maxObjectSize', 'persistPath'];
const FILE_FORMAT = 's3lite-memory-snapshot@1';

interface SnapshotFile {
  format: string;
  objects: { key: string; body: string; metadata: Record<string, string>; contentType: string; lastModified: number }[];
}

/**
 * s3db.js's in-memory client, over our {@link MemoryStore}, so S3's rules hold:
 * the 2 KB metadata limit, conditional writes, real LIST paging. Adds
 * s3db.js's snapshot()/restore() for tests, saveToDisk()/loadFromDisk() and
 * getStats(). Objects live in the process, shared by every client naming the
 * same `bucket`.
 *
 * @example
 * const client = new MemoryClient({ bucket: 'test', keyPrefix: 'app' });
 * const db = new S3db({ client });
 * await db.connect();
 * const before = client.snapshot();
 * // … run a test …
 * client.restore(before);
 */
export class MemoryClient extends S3dbClient {
  declare readonly store: MemoryStore;
  /** The `persistPath` option: default file of saveToDisk()/loadFromDisk(), or undefined. */
  readonly persistPath: string | undefined;

  constructor(options: MemoryClientOptions = {}) {
    const o = checkClientOptions('MemoryClient', options, KNOWN);
    if (o.enforceLimits === false) {
      throw new ConfigurationError('MemoryClient always enforces S3 limits (enforceLimits: false would let tests pass that fail on S3): remove the option');
    }
    if (o.enforceLimits !== undefined && o.enforceLimits !== true) throw invalidOption('enforceLimits', 'true', o.enforceLimits);
    if (o.metadataLimit !== undefined && o.metadataLimit !== METADATA_LIMIT_BYTES) throw invalidOption('metadataLimit', `${METADATA_LIMIT_BYTES} (S3's limit)`, o.metadataLimit);
    const bucket = optionalString('bucket', o.bucket) ?? 's3db';
    const keyPrefix = normalizePrefix(optionalString('keyPrefix', o.keyPrefix));
    super(new MemoryStore({ bucket, prefix: keyPrefix }), { bucket, keyPrefix });
    this.persistPath = optionalString('persistPath', o.persistPath);
  }

  /** The objects under this client's prefix now; restore() puts them back. */
  snapshot(): MemorySnapshot {
    return this.store.snapshot();
  }

  /** Replaces every object under this client's prefix with the snapshot's. */
  restore(snapshot: MemorySnapshot): void {
    this.store.restore(snapshot);
  }

  /**
   * Writes this prefix's objects to `path` (default `persistPath`) as JSON, atomically
   * (temp file + rename), creating parent directories. Returns the path. Throws
   * ValidationError when there is no path.
   */
  async saveToDisk(path: string | undefined = this.persistPath): Promise<string> {
    const file = this.#path(path);
    const data: SnapshotFile = {
      format: FILE_FORMAT,
      objects: this.store.snapshot().objects.map((o) => ({ key: o.key, body: o.body.toString('base64'), metadata: { ...o.metadata }, contentType: o.contentType, lastModified: o.lastModified })),
    };
    await mkdir(dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify(data));
    await rename(temp, file);
    return file;
  }

  /**
   * Replaces this prefix's objects with those saved by saveToDisk() in `path` (default
   * `persistPath`). Throws ValidationError when there is no path, StorageError when the
   * file cannot be read or is not such a snapshot (nothing is changed then).
   */
  async loadFromDisk(path: string | undefined = this.persistPath): Promise<void> {
    const file = this.#path(path);
    let data: SnapshotFile;
    try {
      data = JSON.parse(await readFile(file, 'utf8')) as SnapshotFile;
    } catch (err) {
      throw new StorageError(`Cannot read a MemoryClient snapshot from ${file}: ${(err as Error).message}`, { cause: err });
    }
    if (data?.format !== FILE_FORMAT || !Array.isArray(data.objects)) throw new StorageError(`${file} is not a MemoryClient snapshot (saved by saveToDisk())`);
    this.store.restore({
      objects: data.objects.map((o) => ({ ...o, body: Buffer.from(o.body, 'base64'), etag: '' })),
    });
  }

  /** Objects and body bytes under this client's prefix. */
  getStats(): { objectCount: number; totalSize: number; totalSizeFormatted: string; keys: string[]; bucket: string } {
    const { objectCount, totalSize, keys } = this.store.stats();
    return { objectCount, totalSize, totalSizeFormatted: formatBytes(totalSize), keys, bucket: this.bucket };
  }

  #path(path: string | undefined): string {
    if (path === undefined) throw invalidOption('path', 'a file path (or `persistPath` in the MemoryClient options)', path);
    if (typeof path !== 'string' || path === '') throw invalidOption('path', 'a non-empty string', path);
    return path;
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(2)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(2)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}
