/** driver: 'filesystem' (documented on the class). */
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOptions } from '../../../core/options.js';
import { parseEntry, serializeEntry, type CacheDriver, type CacheEntry, type DriverContext, type DriverRead, type VersionWrite } from './cache-driver.js';
import { decodeRecord, encodeRecord, hashKey, readVersionsAndEntry } from './cache-record.js';

/** Options of `new FilesystemDriver()`; an unknown one throws ValidationError. */
export interface FilesystemDriverOptions {
  /** Where the files go (a sub-directory per database). @default <os tmpdir>/s3lite-cache */
  directory?: string;
  /** Size the directory is kept under. @default 104857600 (100 MiB) */
  maxBytes?: number;
}

const TEMP_SUFFIX = '.tmp';
/** A sweep brings the directory down to this share of `maxBytes`, so sweeps stay rare. */
const SWEEP_TARGET = 0.8;
let tempCounter = 0;

/**
 * Cache driver `filesystem`: one file per entry or version token in a
 * directory (shared by processes on one machine), under
 * `<directory>/<database namespace>/`.
 *
 * Writes are atomic (a temp file renamed into place; a missing version is
 * created with link(), which fails if another process got there first).
 * Expired files are removed when read, and a sweep keeps the directory under
 * `maxBytes`, removing expired files first and then the least recently
 * written. A damaged file is removed and counted as an error.
 *
 * @example
 * new CachePlugin({ drivers: [new FilesystemDriver({ directory: '/var/cache/my-app', maxBytes: 500 * 1024 * 1024 })] });
 */
export class FilesystemDriver implements CacheDriver {
  readonly kind = 'filesystem';
  readonly shared = true;
  readonly #root: string;
  readonly #maxBytes: number;
  #dir = '';
  /** Bytes written since the last sweep measured the directory (an estimate between sweeps). */
  #bytes = 0;
  #evictions = 0;
  #sweeping: Promise<void> | undefined;

  constructor(options: FilesystemDriverOptions = {}) {
    checkOptions('FilesystemDriver', options, ['directory', 'maxBytes']);
    this.#root = options.directory ?? join(tmpdir(), 's3lite-cache');
    this.#maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
  }

  /** The directory holding this database's files (after open). */
  get directory(): string {
    return this.#dir;
  }

  async open(context: DriverContext): Promise<void> {
    this.#dir = join(this.#root, context.namespace);
    await mkdir(this.#dir, { recursive: true });
    await this.sweep();
  }

  read(versionKeys: readonly string[], entryKey: string | undefined): Promise<DriverRead> {
    return readVersionsAndEntry(versionKeys, entryKey, (key) => this.#readPayload(key), parseEntry, (key) => rm(this.#file(key), { force: true }));
  }

  async ensure(versions: readonly VersionWrite[]): Promise<string[]> {
    return Promise.all(
      versions.map(async ({ key, token, ttl }) => {
        const file = this.#file(key);
        const temp = await this.#writeTemp(file, encodeRecord(token, ttl));
        try {
          await link(temp, file);
          return token;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          // Present (or present but expired: then replace it with ours).
          const current = await this.#readPayload(key);
          if (current !== undefined) return current;
          await rename(temp, file);
          return token;
        } finally {
          await rm(temp, { force: true });
        }
      }),
    );
  }

  async invalidate(versions: readonly VersionWrite[], staleEntries: readonly string[]): Promise<void> {
    await Promise.all([
      ...versions.map(({ key, token, ttl }) => this.#writeAtomic(this.#file(key), encodeRecord(token, ttl))),
      ...staleEntries.map((key) => rm(this.#file(key), { force: true })),
    ]);
  }

  async write(entryKey: string, entry: CacheEntry, ttl: number): Promise<void> {
    await this.#writeAtomic(this.#file(entryKey), encodeRecord(serializeEntry(entry), ttl));
  }

  evictions(): number {
    return this.#evictions;
  }

  /**
   * Removes expired files (and temp files left by crashed writers), then the
   * oldest files until the directory is under `maxBytes` × 0.8 if it was over
   * `maxBytes`. Runs at open and whenever writes may have crossed the bound.
   */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async close(): Promise<void> {
    await this.#sweeping?.catch(() => undefined);
  }

  // ---- internals -----------------------------------------------------------------------------

  #file(key: string): string {
    return join(this.#dir, hashKey(key));
  }

  async #readPayload(key: string): Promise<string | undefined> {
    const file = this.#file(key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let record: ReturnType<typeof decodeRecord>;
    try {
      record = decodeRecord(text);
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
    if (record === 'expired') {
      this.#evictions++;
      await rm(file, { force: true });
      return undefined;
    }
    return record.payload;
  }

  async #writeTemp(file: string, text: string): Promise<string> {
    const temp = `${file}.${process.pid}.${++tempCounter}${TEMP_SUFFIX}`;
    await writeFile(temp, text);
    this.#bytes += Buffer.byteLength(text);
    if (this.#bytes > this.#maxBytes) void this.sweep().catch(() => undefined);
    return temp;
  }

  async #writeAtomic(file: string, text: string): Promise<void> {
    const temp = await this.#writeTemp(file, text);
    try {
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async #sweep(): Promise<void> {
    const now = Date.now();
    const files: { path: string; size: number; mtime: number }[] = [];
    let total = 0;
    for (const name of await readdir(this.#dir)) {
      const path = join(this.#dir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info) continue;
      if (name.endsWith(TEMP_SUFFIX)) {
        if (now - info.mtimeMs > 60_000) await unlink(path).catch(() => undefined);
        continue;
      }
      const expired = await readFile(path, 'utf8').then(
        (text) => {
          try {
            return decodeRecord(text, now) === 'expired';
          } catch {
            return true;
          }
        },
        () => false,
      );
      if (expired) {
        if (await unlink(path).then(() => true, () => false)) this.#evictions++;
        continue;
      }
      files.push({ path, size: info.size, mtime: info.mtimeMs });
      total += info.size;
    }
    if (total > this.#maxBytes) {
      files.sort((a, b) => a.mtime - b.mtime);
      for (const file of files) {
        if (total <= this.#maxBytes * SWEEP_TARGET) break;
        if (await unlink(file.path).then(() => true, () => false)) this.#evictions++;
        total -= file.size;
      }
    }
    this.#bytes = total;
  }
}
