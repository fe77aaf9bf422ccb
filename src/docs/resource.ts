/**
 * The Resource class: the public face of a collection of documents. It
 * delegates each concept to its own file: reads (resource-reads.ts), writes
 * (resource-mutations.ts over resource-writer.ts), the call pipeline every
 * method runs through (resource-calls.ts) and its option checks
 * (resource-call-options.ts). Partition upkeep, ids, content, history,
 * extension seams and introspection come from {@link ResourceBase}
 * (resource-base.ts); resource-parts.ts wires the parts together.
 */
import type { Readable, Writable } from 'node:stream';
import { invalidOption } from '../core/options.js';
import { isPlainObject } from './codec.js';
import type { Document } from './document-codec.js';
import type { DeepPartial, DocumentShape, StoredDocument, WriteInput } from './document-types.js';
import type { GetFromPartitionInput } from './partitions/partition-reader.js';
import type { QueryFilter } from './query-filter.js';
import { ResourceBase } from './resource-base.js';
import { checkMethodOptions } from './resource-call-options.js';
import { runChecked } from './resource-calls.js';
import type { ConditionalResult } from './resource-mutations.js';
import { documentReadable, documentWritable, type ReadableOptions, type WritableOptions } from './resource-streams.js';
import type { BulkResult, CallOptions, CountOptions, ListOptions, Page, PageOptions, PartitionOptions, ResourceMethod, StreamOptions } from './resource-types.js';
import { nullIfMissing } from './write-arguments.js';

export type { ResourceSecrets } from './resource-base.js';
export type { ResourceRuntime } from './resource-parts.js';
export type { ResourceVersion } from './resource-version.js';
export type { ConditionalResult };

/**
 * A resource: a named collection of schema-checked documents, one object per
 * document at `resource=<name>/data/id=<id>`. `T` is what reads return
 * (without `id`), `In` what writes accept; `db.createResource()` infers both
 * from the attribute rules, a plain `Resource` is untyped.
 *
 * Every method takes `{ priority, signal }` in its options (its last
 * argument), runs its storage calls through the database's ExecutorPool with
 * them, and rejects a misspelt option name or a bad value with a
 * ValidationError before doing anything. Every write is conditional (insert
 * with If-None-Match, update/patch/replace with If-Match on the ETag read),
 * so concurrent writers never lose each other's updates.
 *
 * @example
 * const orders = await db.createResource({ name: 'orders', attributes: { status: 'string', amount: 'number' } });
 * const order = await orders.insert({ status: 'new', amount: 30 });
 * await orders.update(order.id, { status: 'paid' }); // conditional: re-read and re-applied on conflict
 * const paid = await orders.query({ status: 'paid' });
 */
export class Resource<T extends DocumentShape = Record<string, unknown>, In extends DocumentShape = T> extends ResourceBase {
  /** Runs a method through the pipeline; R is its declared return type (documents are typed by the schema, not by the codec). */
  #call<R, A = unknown>(method: ResourceMethod, args: readonly [A, ...unknown[]], impl: (first: A) => Promise<unknown>): Promise<R> {
    return this.parts.calls.run<unknown, A, R>(method, args, impl);
  }

  // ---- writes --------------------------------------------------------------------------------

  /**
   * Validates and stores a new document: one conditional PUT (If-None-Match),
   * so an existing id fails with ConflictError and is never overwritten.
   * Without `id`, one is generated (`idGenerator`, `idSize`).
   *
   * @example
   * const order = await orders.insert({ status: 'new', amount: 30 });
   * await orders.insert({ id: 'o-1', status: 'new', amount: 12 }, { priority: 10 });
   */
  insert(data: WriteInput<In>, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('insert', [data, options], () => this.parts.writes.insert(data as Record<string, unknown>, options));
  }

  /** Inserts every item, a bounded number at a time; one result per item, in order, failures included. */
  insertMany(items: readonly WriteInput<In>[], options: CallOptions = {}): Promise<BulkResult<StoredDocument<T>>[]> {
    return this.#call('insertMany', [items, options], (list) => this.parts.writes.insertMany(list as readonly Record<string, unknown>[], options));
  }

  /**
   * Deep-merges `changes` into the stored document: GET, then a PUT
   * conditional on the ETag read, re-read and re-applied on conflict (up to
   * `updateAttempts`). NotFoundError when it does not exist.
   *
   * @example
   * const paid = await orders.update(order.id, { status: 'paid', shipping: { carrier: 'ups' } });
   */
  update(id: string, changes: DeepPartial<In>, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('update', [id, changes, options], () => this.parts.writes.update(id, changes as Record<string, unknown>, options));
  }

  /** Sets top-level fields (no deep merge), conditionally like update. */
  patch(id: string, fields: Partial<In>, options: CallOptions & PartitionOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('patch', [id, fields, options], () => this.parts.writes.patch(id, fields as Record<string, unknown>, options));
  }

  /**
   * Replaces the whole document, conditionally on the ETag read; a missing
   * document is created (If-None-Match, so a concurrent insert is never
   * overwritten: the replace then applies to it).
   */
  replace(id: string, data: In, options: CallOptions & PartitionOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('replace', [id, data, options], () => this.parts.writes.replace(id, data as Record<string, unknown>, options));
  }

  /** Inserts, or deep-merges into the existing document with the same id. */
  upsert(data: WriteInput<In>, options?: CallOptions): Promise<StoredDocument<T>>;
  /** s3db.js's guide form: `upsert(id, data)`. */
  upsert(id: string, data: DeepPartial<In>, options?: CallOptions): Promise<StoredDocument<T>>;
  upsert(first: WriteInput<In> | string, second?: DeepPartial<In> | CallOptions, third?: CallOptions): Promise<StoredDocument<T>> {
    if (typeof first === 'string') {
      if (!isPlainObject(second)) return Promise.reject(invalidOption('data', 'a document object', second));
      return this.upsert({ ...second, id: first } as WriteInput<In>, third);
    }
    const options = (second ?? {}) as CallOptions;
    return this.#call('upsert', [first, options], () => this.parts.writes.upsert(first as Record<string, unknown>, options));
  }

  /**
   * Updates only if the document's ETag is still `ifMatch` (from a previous
   * updateConditional or getEtag): `{ success: true, data, etag }`, or
   * `{ success: false, error }` when it changed or does not exist.
   */
  updateConditional(id: string, changes: Record<string, unknown>, options: CallOptions & { ifMatch: string }): Promise<ConditionalResult> {
    return this.#call('updateConditional', [id, changes, options], () => this.parts.writes.updateConditional(id, changes, options));
  }

  /** Deletes a document (NotFoundError if missing); returns what was deleted. */
  delete(id: string, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('delete', [id, options], () => this.parts.writes.delete(id, options));
  }

  /** Deletes every id, a bounded number at a time; one result per id, in order, failures included. */
  deleteMany(ids: readonly string[], options: CallOptions = {}): Promise<BulkResult<StoredDocument<T>>[]> {
    return this.#call('deleteMany', [ids, options], (list) => this.parts.writes.deleteMany(list, options));
  }

  /**
   * Deletes every document (hooks, references and events as for delete).
   * Refused while the resource is `paranoid` (the default).
   */
  deleteAll(options: CallOptions = {}): Promise<{ deletedCount: number }> {
    return this.#call('deleteAll', [options], () => this.parts.writes.deleteAll(options));
  }

  /**
   * Removes every object of the resource (documents, partition references,
   * sequences, history, content) without per-document hooks or events.
   * Refused while the resource is `paranoid` (the default).
   */
  deleteAllData(options: CallOptions = {}): Promise<{ deletedCount: number }> {
    return this.#call('deleteAllData', [options], () => this.parts.writes.deleteAllData(options));
  }

  // ---- reads ---------------------------------------------------------------------------------

  /**
   * Reads one document: exactly one request, also when it does not exist
   * (NotFoundError).
   *
   * @example
   * const order = await orders.get('o-1');
   * const missing = await orders.getOrNull('nope'); // null
   */
  get(id: string, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('get', [id, options], async (first) => (await this.parts.reads.read(first, options)).doc);
  }

  /** The document, or null when it does not exist. */
  getOrNull(id: string, options: CallOptions = {}): Promise<Document | null> {
    return this.get(id, options).catch(nullIfMissing);
  }

  /** The document; NotFoundError when it does not exist (same as get). */
  getOrThrow(id: string, options: CallOptions = {}): Promise<Document> {
    return this.get(id, options);
  }

  /** Reads many documents; the result is aligned with `ids`, `null` where a document does not exist. */
  getMany(ids: readonly string[], options: CallOptions = {}): Promise<(StoredDocument<T> | null)[]> {
    return this.#call('getMany', [ids, options], (first) => this.parts.reads.getMany(first, options));
  }

  /** Every document (s3db.js's getAll): list() without paging. */
  getAll(options: CallOptions = {}): Promise<Document[]> {
    return this.#call('getAll', [options], (opts) => this.parts.reads.list(opts));
  }

  /** Whether the document exists: one HEAD request. */
  exists(id: string, options: CallOptions = {}): Promise<boolean> {
    return this.#call('exists', [id, options], (first) => this.parts.reads.exists(first, options));
  }

  /** The document's current ETag (one HEAD), or null when it does not exist. */
  getEtag(id: string, options: CallOptions = {}): Promise<string | null> {
    return runChecked('getEtag', [id, options], () => this.parts.reads.etag(id, options));
  }

  /**
   * Every document (no silent cap), or `limit` of them after `offset`, in id
   * order. With `partition`, only that partition's documents, at a cost that
   * grows with the partition, not with the resource.
   *
   * @example
   * const first10 = await orders.list({ limit: 10 });
   * const pending = await orders.list({ partition: 'byStatus', partitionValues: { status: 'pending' } });
   */
  list(options: ListOptions = {}): Promise<StoredDocument<T>[]> {
    return this.#call('list', [options], (opts) => this.parts.reads.list(opts));
  }

  /** The ids of list(), without reading the documents. */
  listIds(options: ListOptions = {}): Promise<string[]> {
    return this.#call('listIds', [options], (opts) => this.parts.reads.listIds(opts));
  }

  /** s3db.js's listPartition: the documents of one partition (`partition` is required). */
  listPartition(options: ListOptions & { partition: string }): Promise<Document[]> {
    return runChecked('listPartition', [options], () => {
      if (typeof options?.partition !== 'string') throw invalidOption('partition', 'the name of a partition', options?.partition);
      return this.list(options);
    });
  }

  /** Number of documents; with `partition`, of that partition (each reference re-checked, so one GET per document). */
  count(options: CountOptions = {}): Promise<number> {
    return this.#call('count', [options], (opts) => this.parts.reads.count(opts));
  }

  /**
   * By cursor (one LIST per page): `{ items, nextCursor, pageSize, hasMore }`.
   * Numbered, as s3db.js: `page({ size, page })` or `page({ size, offset })` →
   * `{ items, totalItems, page, pageSize, totalPages, hasMore }` (see offset-page.ts).
   */
  page(options: PageOptions = {}): Promise<Page<StoredDocument<T>>> {
    return this.#call('page', [options], (opts) => this.parts.reads.page(opts));
  }

  /**
   * Documents whose fields equal the filter's values (`'a.b'` paths reach
   * nested fields), in id order, `limit`/`offset` applied to the matches.
   * Candidates come from the named partition, else from the partition the
   * filter covers best, else from a scan; each is re-read and re-checked.
   *
   * @example
   * const paid = await orders.query({ status: 'paid' }, { limit: 20 });
   * const local = await orders.query({ 'address.city': 'Lisbon' });
   */
  query(filter: QueryFilter = {}, options: ListOptions = {}): Promise<StoredDocument<T>[]> {
    return this.#call('query', [filter, options], (where) => this.parts.reads.query(where, options));
  }

  /** Every document in id order, fetched `readAhead` at a time: memory stays bounded. */
  stream(options: StreamOptions = {}): AsyncIterable<StoredDocument<T>> {
    checkMethodOptions('stream', [options]);
    return this.parts.reads.scanner.documents(options, undefined) as AsyncIterable<StoredDocument<T>>;
  }

  /** A Node Readable (object mode) of every document in id order, as s3db.js's readable(). */
  readable(options: ReadableOptions & CallOptions = {}): Readable {
    checkMethodOptions('readable', [options]);
    const { batchSize: _batchSize, concurrency: _concurrency, ...call } = options;
    return documentReadable((readAhead) => this.stream({ ...call, readAhead }), options);
  }

  /** A Node Writable (object mode) that inserts what is written to it; errors with the first failed insert. */
  writable(options: WritableOptions & CallOptions = {}): Writable {
    checkMethodOptions('writable', [options]);
    const { batchSize: _batchSize, concurrency: _concurrency, ...call } = options;
    return documentWritable((doc) => this.insert(doc as WriteInput<In>, call), options);
  }

  // ---- partition reads -----------------------------------------------------------------------

  /**
   * One GET: the document if it is in the partition under these values
   * (checked against the document itself), else NotFoundError.
   *
   * @example
   * const order = await orders.getFromPartition({ id: 'o1', partitionName: 'byStatus', partitionValues: { status: 'pending' } });
   */
  getFromPartition(input: GetFromPartitionInput, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('getFromPartition', [input, options], () => this.parts.partitions.reader.get(input, options));
  }
}
