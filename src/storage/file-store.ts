/**
 * file:///path: the memory:// semantics on disk. Each object is one file
 * (header + body, see file-object-format.ts) at a path derived from its key
 * (see file-key-codec.ts). Every write is crash-safe: temp file, fsync,
 * rename, fsync of the directory. Every write of a key holds its lock (in
 * process, then an OS lock shared with other processes, see file-lock.ts), so
 * conditional writes stay atomic with several processes on one directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AbortError, ConflictError, NotFoundError, S3liteError, StorageError } from '../core/errors.js';
import { DIR_SUFFIX, OBJECT_SUFFIX, SEGMENT_FILE, segmentName } from './file-key-codec.js';
import { FileKeySource, isMissing, readObjectHead } from './file-key-source.js';
import { decodeHeader, encodeHeader, type FileObjectHeader } from './file-object-format.js';
import { withFileLock } from './file-lock.js';
import { listPage } from './list-page.js';
import { md5Etag } from './etag.js';
import { checkContentType, checkKey, normalizeMetadata, toBuffer } from './metadata-rules.js';
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

const TEMP_DIR = '.tmp';
const DELETE_CONCURRENCY = 16;

interface Location {
  file: string;
  /** Directories from the root down to the file's parent, with the segment of each hashed one. */
  dirs: { path: string; hashedSegment: string | undefined }[];
}

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /** Directory holding the objects (a relative path is resolved against the working directory at construction); created on first write. */
  root: string;
}

/**
 * The file:// {@link ObjectStore}: the memory:// rules on disk, one file per
 * object under `root`. Every write is crash-safe (temp file, fsync, rename,
 * fsync of the directory: after a crash an object is old or new, never
 * partial) and holds the key's lock, in process and across processes, so
 * conditional writes stay atomic with several processes on one directory.
 * Usually made by `createClient('file:///path')`.
 *
 * @example
 * const store = new FileStore({ root: '/var/lib/app/objects' });
 * await store.putObject({ key: 'users/1', body: '{}', contentType: 'application/json' });
 */
export class FileStore implements ObjectStore {
  readonly kind = 'file';
  readonly description: string;
  readonly #root: string;

  constructor(options: FileStoreOptions) {
    this.#root = resolve(options.root);
    this.description = `file://${this.#root}`;
  }

  #locate(key: string, what = 'key'): Location {
    checkKey(key, key, what);
    const segments = key.split('/');
    const last = segments.pop()!;
    const dirs: Location['dirs'] = [];
    let path = this.#root;
    for (const segment of segments) {
      const { name, hashed } = segmentName(segment);
      path = join(path, name + DIR_SUFFIX);
      dirs.push({ path, hashedSegment: hashed ? segment : undefined });
    }
    return { file: join(path, segmentName(last).name + OBJECT_SUFFIX), dirs };
  }

  async #readHeader(location: Location, key: string): Promise<{ header: FileObjectHeader; size: number } | undefined> {
    try {
      return await readObjectHead(location.file);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw storageError(err, key);
    }
  }

  #notFound(key: string): NotFoundError {
    return new NotFoundError(`No object at key ${JSON.stringify(key)} in ${this.description}`, { details: { key } });
  }

  async putObject(input: PutObjectInput): Promise<PutObjectOutput> {
    throwIfAborted(input.signal);
    const location = this.#locate(input.key);
    const metadata = normalizeMetadata(input.metadata, true);
    const contentType = checkContentType(input.contentType);
    const body = toBuffer(input.body);
    const etag = md5Etag(body);
    return this.#locked(location, input.signal, async () => {
      if (input.ifMatch !== undefined || input.ifNoneMatch !== undefined) {
        const current = await this.#readHeader(location, input.key);
        if (input.ifNoneMatch === '*' && current !== undefined) {
          throw new ConflictError(`Object ${JSON.stringify(input.key)} already exists (ifNoneMatch: '*')`, { details: { key: input.key } });
        }
        if (input.ifMatch !== undefined && current?.header.etag !== input.ifMatch) {
          throw new ConflictError(`Object ${JSON.stringify(input.key)} changed since it was read (ifMatch ${input.ifMatch} failed)`, {
            details: { key: input.key, ifMatch: input.ifMatch, etag: current?.header.etag },
          });
        }
      }
      const header = encodeHeader({ key: input.key, etag, contentType, metadata, lastModified: Date.now() });
      await this.#writeAtomically(location, [header, body], input.signal);
      return { etag };
    });
  }

  /** The key's lock, in this process and across processes: the check and the rename see no other write between. */
  #locked<T>(location: Location, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.#root, location.file, fn, signal).catch((err: unknown) => {
      throw err instanceof S3liteError ? err : storageError(err, location.file);
    });
  }

  /** Temp file + fsync + rename + fsync of the directory: after a crash the object is either old or new, never partial. */
  async #writeAtomically(location: Location, chunks: Buffer[], signal: AbortSignal | undefined): Promise<void> {
    const tempDir = join(this.#root, TEMP_DIR);
    const temp = join(tempDir, `${randomBytes(12).toString('hex')}.tmp`);
    try {
      await mkdir(tempDir, { recursive: true });
      const handle = await open(temp, 'w');
      try {
        await handle.writev(chunks);
        await handle.sync();
      } finally {
        await handle.close();
      }
      throwIfAborted(signal);
      const parent = dirname(location.file);
      // A concurrent delete may remove an emptied parent between mkdir and rename: make it again.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#makeDirs(location);
          await rename(temp, location.file);
          break;
        } catch (err) {
          if (!isMissing(err) || attempt === 5) throw err;
        }
      }
      await syncDir(parent);
    } catch (err) {
      await rm(temp, { force: true });
      throw err instanceof StorageError || (err as Error).name === 'AbortError' ? err : storageError(err, location.file);
    }
  }

  async #makeDirs(location: Location): Promise<void> {
    const parent = dirname(location.file);
    await mkdir(parent, { recursive: true });
    for (const dir of location.dirs) {
      if (dir.hashedSegment === undefined) continue;
      const segmentFile = join(dir.path, SEGMENT_FILE);
      if (!(await exists(segmentFile))) {
        const temp = join(this.#root, TEMP_DIR, `${randomBytes(12).toString('hex')}.tmp`);
        await writeSynced(temp, Buffer.from(dir.hashedSegment, 'utf8'));
        await rename(temp, segmentFile);
      }
    }
  }

  async getObject(input: KeyInput): Promise<StoredObject> {
    throwIfAborted(input.signal);
    const location = this.#locate(input.key);
    let bytes: Buffer;
    try {
      bytes = await readFile(location.file, { signal: input.signal });
    } catch (err) {
      if (isMissing(err)) throw this.#notFound(input.key);
      throwIfAborted(input.signal);
      throw storageError(err, input.key);
    }
    const { header, bodyOffset } = decodeHeader(bytes, location.file);
    const body = bytes.subarray(bodyOffset);
    return { ...toHead(header, body.length), body };
  }

  async headObject(input: KeyInput): Promise<ObjectHead> {
    throwIfAborted(input.signal);
    const current = await this.#readHeader(this.#locate(input.key), input.key);
    if (current === undefined) throw this.#notFound(input.key);
    return toHead(current.header, current.size);
  }

  async deleteObject(input: DeleteObjectInput): Promise<void> {
    throwIfAborted(input.signal);
    const location = this.#locate(input.key);
    if (await this.#unlink(location, input.key, input.ifMatch)) {
      // A concurrent delete of the directory's last other object may already have removed it: nothing left to sync.
      await syncDir(dirname(location.file)).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
      await this.#removeEmptyDirs(location);
    }
  }

  /** Removes the object file; false when there was none (S3 deletes of missing keys succeed). */
  async #unlink(location: Location, key: string, ifMatch?: string): Promise<boolean> {
    return this.#locked(location, undefined, async () => {
      if (ifMatch !== undefined) {
        const current = await this.#readHeader(location, key);
        if (current?.header.etag !== ifMatch) {
          throw new ConflictError(`Object ${JSON.stringify(key)} changed since it was read (ifMatch ${ifMatch} failed)`, {
            details: { key, ifMatch, etag: current?.header.etag },
          });
        }
      }
      try {
        await unlink(location.file);
        return true;
      } catch (err) {
        if (isMissing(err)) return false;
        throw storageError(err, key);
      }
    });
  }

  /** Best effort: keeps the tree from filling with empty directories. */
  async #removeEmptyDirs(location: Location): Promise<void> {
    for (let i = location.dirs.length - 1; i >= 0; i--) {
      try {
        await rmdir(location.dirs[i]!.path);
      } catch {
        return; // not empty (or holds a .segment), or already gone
      }
    }
  }

  /**
   * Deletes many objects, 16 unlinks in flight, then syncs each touched directory once.
   * Per-key failures are returned in `errors` (code: the errno); an abort throws AbortError.
   */
  async deleteObjects(input: DeleteObjectsInput): Promise<DeleteObjectsOutput> {
    throwIfAborted(input.signal);
    const locations = input.keys.map((key) => this.#locate(key, 'keys[]'));
    const output: DeleteObjectsOutput = { deleted: [], errors: [] };
    const removed: Location[] = [];
    let next = 0;
    const worker = async () => {
      while (next < input.keys.length) {
        const index = next++;
        const key = input.keys[index]!;
        try {
          throwIfAborted(input.signal);
          if (await this.#unlink(locations[index]!, key)) removed.push(locations[index]!);
          output.deleted.push(key);
        } catch (err) {
          if (err instanceof AbortError) throw err;
          const code = err instanceof StorageError ? String(err.details.errno ?? err.code) : 'Error';
          output.errors.push({ key, code, message: (err as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, input.keys.length) }, worker));
    const dirs = new Set(removed.map((location) => dirname(location.file)));
    await Promise.all([...dirs].map((dir) => syncDir(dir).catch(() => undefined)));
    for (const location of removed) await this.#removeEmptyDirs(location);
    return output;
  }

  async copyObject(input: CopyObjectInput): Promise<PutObjectOutput> {
    throwIfAborted(input.signal);
    const to = this.#locate(input.to, 'to');
    this.#locate(input.from, 'from');
    const replace = input.metadata !== undefined;
    const metadata = replace ? normalizeMetadata(input.metadata, true) : undefined;
    const contentType = replace ? checkContentType(input.contentType) : undefined;
    const source = await this.getObject({ key: input.from, signal: input.signal });
    if (input.ifMatch !== undefined && source.etag !== input.ifMatch) {
      throw new ConflictError(`Copy source ${JSON.stringify(input.from)} changed since it was read (ifMatch ${input.ifMatch} failed)`, {
        details: { key: input.from, ifMatch: input.ifMatch, etag: source.etag },
      });
    }
    const header = encodeHeader({
      key: input.to,
      etag: source.etag,
      contentType: contentType ?? source.contentType,
      metadata: metadata ?? source.metadata,
      lastModified: Date.now(),
    });
    await this.#locked(to, input.signal, () => this.#writeAtomically(to, [header, source.body], input.signal));
    return { etag: source.etag };
  }

  async listObjects(input: ListObjectsInput = {}): Promise<ListObjectsOutput> {
    throwIfAborted(input.signal);
    try {
      return await listPage(new FileKeySource(this.#root), input);
    } catch (err) {
      throw err instanceof S3liteError ? err : storageError(err, input.prefix ?? '');
    }
  }

  /**
   * Every object under `prefix`, in S3 key order, read lazily in one walk of the
   * directory tree (no re-reading per page). Objects written or deleted during the
   * loop may or may not appear.
   */
  async *listAll(input: ListAllInput = {}): AsyncIterable<ListedObject> {
    throwIfAborted(input.signal);
    const prefix = input.prefix ?? '';
    const source = new FileKeySource(this.#root);
    await source.seek(prefix, input.startAfter ? { key: input.startAfter, pastPrefix: false } : undefined);
    for (;;) {
      throwIfAborted(input.signal);
      const item = await source.next();
      if (item === undefined || !item.key.startsWith(prefix)) return;
      yield item;
    }
  }

  probeCapabilities(options?: RequestOptions): Promise<StoreCapabilities> {
    return probeCapabilities(this, options);
  }

  async clear(options: RequestOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    let names: string[];
    try {
      names = await readdir(this.#root);
    } catch (err) {
      if (isMissing(err)) return;
      throw storageError(err, '');
    }
    await Promise.all(
      names.filter((name) => name.endsWith(OBJECT_SUFFIX) || name.endsWith(DIR_SUFFIX)).map((name) => rm(join(this.#root, name), { recursive: true, force: true })),
    );
  }

  async close(): Promise<void> {}
}

function toHead(header: FileObjectHeader, size: number): ObjectHead {
  return {
    metadata: { ...header.metadata },
    etag: header.etag,
    contentType: header.contentType,
    size,
    lastModified: new Date(header.lastModified),
  };
}

function storageError(err: unknown, key: string): StorageError {
  const errno = (err as NodeJS.ErrnoException).code;
  // EMFILE/EAGAIN/EBUSY pass; EACCES/ENOSPC need someone to act.
  const retryable = errno === 'EMFILE' || errno === 'ENFILE' || errno === 'EAGAIN' || errno === 'EBUSY';
  return new StorageError(`file:// operation on ${JSON.stringify(key)} failed: ${(err as Error).message}`, {
    cause: err,
    retryable,
    details: { errno },
  });
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeSynced(path: string, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
