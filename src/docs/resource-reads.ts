/**
 * The read side of a resource: one document (one GET, or one HEAD for
 * `exists`/ETags), many documents in a bounded window, listings, counts,
 * pages and queries, by scan or by partition lookup. Every storage call goes
 * through the database's ExecutorPool with the caller's `{ priority, signal }`.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import type { ExecutorPool } from '../core/executor-pool.js';
import type { ObjectStore, StoredObject } from '../storage/object-store.js';
import { mapBounded } from './bounded-map.js';
import type { Document } from './document-codec.js';
import { assertValidId, type DocumentKeys } from './document-keys.js';
import { isNumberedPage, numberedPage } from './offset-page.js';
import type { QueryFilter } from './query-filter.js';
import type { ResourcePartitions } from './resource-partitions.js';
import { runQuery } from './resource-query.js';
import { ResourceScanner } from './resource-scan.js';
import type { CallOptions, CountOptions, DocumentIndex, ListOptions, Page, PageOptions } from './resource-types.js';
import { nullIfMissing } from './write-arguments.js';

/**
 * Set on the options of a write by updateConditional: the read before the
 * write fails with ConflictError unless the document still has this ETag.
 */
export const EXPECTED_ETAG = Symbol('expected ETag');

export interface ReadResult {
  doc: Document;
  etag: string;
}

export interface ReadDeps {
  readonly name: string;
  readonly keys: DocumentKeys;
  readonly store: ObjectStore;
  readonly pool: ExecutorPool;
  /** The resource's `parallelism`, read at every call (it can change). */
  parallelism(): number | undefined;
  decode(id: string, object: StoredObject): Promise<Document>;
  /** Indexes that may narrow a query. */
  readonly indexes: readonly DocumentIndex[];
  /** The partitions, built after the reads they read through. */
  partitions(): ResourcePartitions;
}

export class ResourceReads {
  readonly scanner: ResourceScanner;
  readonly #d: ReadDeps;

  constructor(deps: ReadDeps) {
    this.#d = deps;
    this.scanner = new ResourceScanner((fn, options) => this.run(fn, options), deps.store, deps.keys, (id, options) => this.readOrNull(id, options));
  }

  /** Runs one storage call through the pool with the caller's priority and signal. */
  run<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T> {
    const runOptions: { priority?: number; signal?: AbortSignal } = {};
    if (options.priority !== undefined) runOptions.priority = options.priority;
    if (options.signal !== undefined) runOptions.signal = options.signal;
    return this.#d.pool.run(fn, runOptions);
  }

  /** Bulk operations keep about two pool-fulls in flight: the pool stays busy, memory stays bounded. */
  window(): number {
    return this.#d.parallelism() ?? Math.max(8, this.#d.pool.concurrency * 2);
  }

  /** Read-ahead of scans that feed on documents (queries, partition repairs). */
  readAhead(): number {
    return Math.max(16, Math.min(this.window(), 256));
  }

  /** The document and its ETag (one GET); NotFoundError naming the resource and id. */
  async read(id: string, options: CallOptions): Promise<ReadResult> {
    assertValidId(id);
    const { name, keys, store } = this.#d;
    const key = keys.key(id);
    const object = await this.run((signal) => store.getObject({ key, signal }), options).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw new NotFoundError(`${name}/${id} does not exist`, { cause: err, details: { resource: name, id } });
      throw err;
    });
    // updateConditional: the write goes ahead only from the version the caller saw.
    const expected = (options as { [EXPECTED_ETAG]?: string })[EXPECTED_ETAG];
    if (expected !== undefined && object.etag !== expected) {
      throw new ConflictError(`${name}/${id} changed: its ETag is no longer ${expected}`, { details: { resource: name, id, ifMatch: expected, etag: object.etag } });
    }
    return { doc: await this.#d.decode(id, object), etag: object.etag };
  }

  readOrNull(id: string, options: CallOptions): Promise<Document | null> {
    return this.read(id, options).then((r) => r.doc, nullIfMissing);
  }

  getMany(ids: readonly string[], options: CallOptions): Promise<(Document | null)[]> {
    if (!Array.isArray(ids)) throw invalidOption('ids', 'an array of ids', ids);
    return mapBounded(ids, this.window(), (id) => this.readOrNull(id, options));
  }

  /** One HEAD request. */
  async exists(id: string, options: CallOptions): Promise<boolean> {
    return (await this.etag(id, options)) !== null;
  }

  /** The document's current ETag (one HEAD), or null when it does not exist. */
  etag(id: string, options: CallOptions): Promise<string | null> {
    assertValidId(id);
    const key = this.#d.keys.key(id);
    return this.run((signal) => this.#d.store.headObject({ key, signal }), options).then((head) => head.etag, nullIfMissing);
  }

  async list(options: ListOptions): Promise<Document[]> {
    if (isPartitionLookup(options)) return this.#d.partitions().reader.list(options);
    const ids = await this.scanner.ids(options);
    const docs = await mapBounded(ids, this.window(), (id) => this.readOrNull(id, options));
    return docs.filter((d): d is Document => d !== null);
  }

  listIds(options: ListOptions): Promise<string[]> {
    return isPartitionLookup(options) ? this.#d.partitions().reader.listIds(options) : this.scanner.ids(options);
  }

  count(options: CountOptions): Promise<number> {
    return isPartitionLookup(options) ? this.#d.partitions().reader.count(options) : this.scanner.count(options);
  }

  async page(options: PageOptions): Promise<Page> {
    if (isNumberedPage(options)) return numberedPage(options, { list: (o) => this.list(o), count: (o) => this.count(o) });
    const size = options.size ?? 100;
    if (isPartitionLookup(options)) {
      const page = await this.#d.partitions().reader.page(options);
      return { ...page, pageSize: size, hasMore: page.nextCursor !== null };
    }
    const { ids, nextCursor } = await this.scanner.page(options);
    const docs = await mapBounded(ids, this.window(), (id) => this.readOrNull(id, options));
    return { items: docs.filter((d): d is Document => d !== null), nextCursor, pageSize: size, hasMore: nextCursor !== null };
  }

  query(filter: QueryFilter, options: ListOptions): Promise<Document[]> {
    const lookup = isPartitionLookup(options) ? this.#d.partitions().reader.lookup(options) : undefined;
    return runQuery(filter, options, { indexes: this.#d.indexes, lookup, scanner: this.scanner, readAhead: this.readAhead() });
  }

  /** Every id, in key order (one LIST per 1000). */
  async *ids(options: CallOptions): AsyncGenerator<string> {
    for await (const page of this.scanner.idPages(options)) yield* page;
  }
}

/** True when the options name a partition; `partitionValues` without one is an error, never a silent full listing. */
export function isPartitionLookup(options: { partition?: unknown; partitionValues?: unknown }): boolean {
  if (options.partition !== undefined) return true;
  if (options.partitionValues !== undefined) throw invalidOption('partition', 'the name of a partition when `partitionValues` is given', options.partition);
  return false;
}
