/**
 * Walks a file:// tree in S3 key order. Within a directory, an object sorts
 * by its key and a subdirectory by its prefix (`seg/`): every key under that
 * prefix is contiguous in S3 order, so a depth-first walk of entries sorted
 * this way yields all keys in order and whole subtrees can be skipped.
 */
import { readdir, readFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSegment, DIR_SUFFIX, isHashedName, OBJECT_SUFFIX, SEGMENT_FILE } from './file-key-codec.js';
import { decodeHeader, PREAMBLE_BYTES, headerLength } from './file-object-format.js';
import { compareKeys } from './key-order.js';
import type { ListPosition, SortedKeySource } from './list-page.js';
import type { ListedObject } from './object-store.js';

interface Entry {
  dir: boolean;
  /** Full key of an object; prefix ending with `/` of a directory. */
  sortKey: string;
  path: string;
  listed?: Promise<ListedObject | undefined>;
}

interface Frame {
  entries: Entry[];
  index: number;
}

const LOOKAHEAD = 32;

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Reads only the header of an object file: what a LIST or HEAD needs. */
export async function readObjectHead(path: string): Promise<{ header: ReturnType<typeof decodeHeader>['header']; size: number }> {
  const handle = await open(path, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    let buffer = Buffer.alloc(Math.min(fileSize, 16 * 1024));
    await handle.read(buffer, 0, buffer.length, 0);
    const needed = PREAMBLE_BYTES + headerLength(buffer, path);
    if (needed > buffer.length) {
      buffer = Buffer.alloc(needed);
      await handle.read(buffer, 0, needed, 0);
    }
    const { header, bodyOffset } = decodeHeader(buffer, path);
    return { header, size: fileSize - bodyOffset };
  } finally {
    await handle.close();
  }
}

export class FileKeySource implements SortedKeySource {
  readonly #root: string;
  readonly #stack: Frame[] = [];
  #from = '';
  #position: ListPosition | undefined;
  #skip: string | undefined;

  constructor(root: string) {
    this.#root = root;
  }

  async seek(from: string, position: ListPosition | undefined): Promise<void> {
    this.#from = from;
    this.#position = position;
    await this.#push(this.#root, '');
  }

  skipPrefix(prefix: string): void {
    this.#skip = prefix;
  }

  async next(): Promise<ListedObject | undefined> {
    for (;;) {
      const frame = this.#stack[this.#stack.length - 1];
      if (frame === undefined) return undefined;
      const entry = frame.entries[frame.index];
      if (entry === undefined) {
        this.#stack.pop();
        continue;
      }
      frame.index++;
      if (entry.dir) {
        if (!this.#skipsDir(entry.sortKey)) await this.#push(entry.path, entry.sortKey);
        continue;
      }
      if (this.#skipsKey(entry.sortKey)) continue;
      this.#prefetch(frame);
      const listed = await entry.listed!;
      if (listed !== undefined) return listed; // undefined: deleted since readdir
    }
  }

  #skipsKey(key: string): boolean {
    if (compareKeys(key, this.#from) < 0) return true;
    const position = this.#position;
    if (position !== undefined) {
      if (compareKeys(key, position.key) <= 0) return true;
      if (position.pastPrefix && key.startsWith(position.key)) return true;
    }
    return this.#skip !== undefined && key.startsWith(this.#skip);
  }

  /** True when every key under `dirPrefix` is skipped. */
  #skipsDir(dirPrefix: string): boolean {
    const before = (bound: string) => compareKeys(dirPrefix, bound) < 0 && !bound.startsWith(dirPrefix);
    if (before(this.#from)) return true;
    const position = this.#position;
    if (position !== undefined && (before(position.key) || (position.pastPrefix && dirPrefix.startsWith(position.key)))) return true;
    return this.#skip !== undefined && dirPrefix.startsWith(this.#skip);
  }

  /** Starts reading the headers of the next few objects in parallel (a sliding window, not the whole directory). */
  #prefetch(frame: Frame): void {
    const end = Math.min(frame.entries.length, frame.index - 1 + LOOKAHEAD);
    for (let i = frame.index - 1; i < end; i++) {
      const entry = frame.entries[i]!;
      if (entry.dir || entry.listed !== undefined || this.#skipsKey(entry.sortKey)) continue;
      entry.listed = readObjectHead(entry.path).then(
        ({ header, size }) => ({ key: entry.sortKey, size, etag: header.etag, lastModified: new Date(header.lastModified) }),
        (err: unknown) => {
          if (isMissing(err)) return undefined;
          throw err;
        },
      );
      entry.listed.catch(() => undefined); // awaited later; avoid an unhandled rejection if never reached
    }
  }

  async #push(dirPath: string, dirPrefix: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dirPath);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    const entries: Entry[] = [];
    for (const name of names) {
      const dir = name.endsWith(DIR_SUFFIX);
      if (!dir && !name.endsWith(OBJECT_SUFFIX)) continue; // temp files, .segment
      const stem = name.slice(0, -2);
      const path = join(dirPath, name);
      let segment: string | undefined;
      if (!isHashedName(stem)) segment = decodeSegment(stem);
      else segment = await hashedSegment(path, dir, dirPrefix);
      if (segment === undefined) continue;
      entries.push({ dir, sortKey: dir ? `${dirPrefix}${segment}/` : `${dirPrefix}${segment}`, path });
    }
    entries.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    this.#stack.push({ entries, index: 0 });
  }
}

/** The real segment behind a `~<sha256>` name (rare: only very long segments). */
async function hashedSegment(path: string, dir: boolean, dirPrefix: string): Promise<string | undefined> {
  try {
    if (dir) return await readFile(join(path, SEGMENT_FILE), 'utf8');
    const { header } = await readObjectHead(path);
    return header.key.slice(dirPrefix.length);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}
