/**
 * Listing a resource: ids page by page (one LIST call per 1000 keys, each
 * through the pool), counts, cursor pages, and a read-ahead document stream.
 * Nothing is capped silently and offsets never restart the listing.
 */
import { invalidOption } from '../core/options.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Document } from './document-codec.js';
import { assertValidId, type DocumentKeys } from './document-keys.js';
import { checkLimitOffset, checkReadAhead } from './resource-call-options.js';
import type { CallOptions, ListOptions, PageOptions, StreamOptions } from './resource-types.js';

const LIST_PAGE = 1000;
const CURSOR_PREFIX = 'c1.';

export type ReadDocument = (id: string, options: CallOptions) => Promise<Document | null>;

/** Runs one storage call through the database's pool with the caller's priority and signal. */
export type RunStorageCall = <T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions) => Promise<T>;

export class ResourceScanner {
  readonly #run: RunStorageCall;
  readonly #store: ObjectStore;
  readonly #keys: DocumentKeys;
  readonly #read: ReadDocument;

  constructor(run: RunStorageCall, store: ObjectStore, keys: DocumentKeys, read: ReadDocument) {
    this.#run = run;
    this.#store = store;
    this.#keys = keys;
    this.#read = read;
  }

  #list(options: CallOptions, input: { maxKeys: number; continuationToken?: string; startAfter?: string }) {
    const prefix = this.#keys.idPrefix;
    return this.#run((signal) => this.#store.listObjects({ prefix, ...input, signal }), options);
  }

  /** Ids page by page, in key order. */
  async *idPages(options: CallOptions, startAfter?: string): AsyncGenerator<string[]> {
    let continuationToken: string | undefined;
    let first = true;
    while (first || continuationToken !== undefined) {
      const input: { maxKeys: number; continuationToken?: string; startAfter?: string } = { maxKeys: LIST_PAGE };
      if (continuationToken !== undefined) input.continuationToken = continuationToken;
      else if (startAfter !== undefined) input.startAfter = startAfter;
      const page = await this.#list(options, input);
      first = false;
      const ids: string[] = [];
      for (const object of page.objects) {
        const id = this.#keys.idOf(object.key);
        if (id !== undefined) ids.push(id);
      }
      yield ids;
      continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
    }
  }

  async ids(options: ListOptions): Promise<string[]> {
    checkLimitOffset(options);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    let skip = options.offset ?? 0;
    const out: string[] = [];
    if (limit === 0) return out;
    for await (const page of this.idPages(options)) {
      let start = 0;
      if (skip > 0) {
        start = Math.min(skip, page.length);
        skip -= start;
      }
      for (let i = start; i < page.length && out.length < limit; i++) out.push(page[i] as string);
      if (out.length >= limit) break;
    }
    return out;
  }

  async count(options: CallOptions): Promise<number> {
    let n = 0;
    for await (const page of this.idPages(options)) n += page.length;
    return n;
  }

  /** One LIST call: up to `size` ids after the cursor, and the cursor of the next page. */
  async page(options: PageOptions): Promise<{ ids: string[]; nextCursor: string | null }> {
    const size = options.size ?? 100;
    if (!Number.isInteger(size) || size < 1 || size > LIST_PAGE) throw invalidOption('size', `an integer from 1 to ${LIST_PAGE}`, size);
    const input: { maxKeys: number; startAfter?: string } = { maxKeys: size };
    if (options.cursor !== undefined && options.cursor !== null) input.startAfter = this.#keys.key(decodeCursor(options.cursor));
    const page = await this.#list(options, input);
    const ids: string[] = [];
    for (const object of page.objects) {
      const id = this.#keys.idOf(object.key);
      if (id !== undefined) ids.push(id);
    }
    const last = ids[ids.length - 1];
    return { ids, nextCursor: page.isTruncated && last !== undefined ? encodeCursor(last) : null };
  }

  /**
   * Documents of `source` (default: every id, in key order), `readAhead`
   * fetched ahead of the consumer. Ids whose document vanished meanwhile are skipped.
   */
  async *documents(options: StreamOptions, source: AsyncIterable<string> | undefined): AsyncGenerator<Document> {
    const readAhead = options.readAhead ?? 64;
    checkReadAhead(readAhead);
    const pending: Promise<Document | null>[] = [];
    try {
      for await (const id of source ?? this.#allIds(options)) {
        const read = this.#read(id, options);
        // Marked handled now; awaiting it later still throws. Avoids an unhandled rejection while it waits its turn.
        read.catch(() => undefined);
        pending.push(read);
        if (pending.length >= readAhead) {
          const doc = await pending.shift();
          if (doc) yield doc;
        }
      }
      while (pending.length > 0) {
        const doc = await pending.shift();
        if (doc) yield doc;
      }
    } finally {
      pending.length = 0;
    }
  }

  async *#allIds(options: CallOptions): AsyncGenerator<string> {
    for await (const page of this.idPages(options)) yield* page;
  }
}

function encodeCursor(lastId: string): string {
  return CURSOR_PREFIX + Buffer.from(lastId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: unknown): string {
  if (typeof cursor === 'string' && cursor.startsWith(CURSOR_PREFIX)) {
    const id = Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8');
    try {
      assertValidId(id);
      return id;
    } catch {
      // reported below
    }
  }
  throw invalidOption('cursor', 'a nextCursor returned by page()', cursor);
}
