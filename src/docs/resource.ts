/**
 * A resource: a named collection of schema-checked documents, one object per
 * document at `resource=<name>/data/id=<id>`.
 *
 * Every storage call goes through the database's ExecutorPool with the
 * caller's `{ priority, signal }`. Every write is conditional (insert with
 * If-None-Match, update/patch/replace with If-Match on the ETag read), so
 * concurrent writers never lose each other's updates on stores that enforce
 * conditions.
 */
import { EventEmitter } from 'node:events';
import { ConflictError, NotFoundError, invalidOption } from '../core/errors.js';
import type { ExecutorPool } from '../core/executor-pool.js';
import type { ObjectStore, StoredObject } from '../storage/object-store.js';
import type { AttributeMapping } from './attribute-mapping.js';
import type { Behavior } from './behaviors.js';
import { mapBounded } from './bounded-map.js';
import { isPlainObject } from './codec.js';
import { deepMerge } from './deep-merge.js';
import { DocumentCodec, type Document } from './document-codec.js';
import { assertValidId, DocumentKeys } from './document-keys.js';
import type { FieldCipher } from './field-cipher.js';
import type { QueryFilter } from './query-filter.js';
import type { ResolvedConfig } from './resource-config.js';
import { ResourceScanner } from './resource-scan.js';
import { callThrough } from './resource-middleware.js';
import { runQuery } from './resource-query.js';
import { Catalogue } from './catalogue.js';
import { ResourcePartitions } from './resource-partitions.js';
import { DocumentWriter } from './resource-writer.js';
import type { PartitionHost } from './partitions/partition-host.js';
import type { GetFromPartitionInput } from './partitions/partition-reader.js';
import type { DeepPartial, DocumentShape, StoredDocument, WriteInput } from './schema-types.js';
import type { PartitionFailure, PartitionStats } from './partitions/partition-queue.js';
import type { RebuildResult, RepairOptions, VerifyResult } from './partitions/partition-repair.js';
import { checkChanges, nullIfMissing, withoutId, withoutUndefined } from './write-arguments.js';
import type {
  BulkResult,
  CallOptions,
  CountOptions,
  DocumentIndex,
  Hook,
  HookName,
  ListOptions,
  Page,
  PageOptions,
  ResourceMethod,
  ResourceMiddleware,
  StoredDefinition,
  StreamOptions,
} from './resource-types.js';
import { compileSchema, type CompiledSchema, type FieldSpec } from './schema.js';

/** What a resource needs from its database. */
export interface ResourceRuntime {
  readonly store: ObjectStore;
  readonly pool: ExecutorPool;
  readonly cipher: FieldCipher | undefined;
}

/** A resource's secret fields and the cipher sealing them, for plugins that keep documents outside storage (the cache). */
export interface ResourceSecrets {
  /** Every secret field of the current and of older schema versions (old documents still carry those). */
  readonly fields: readonly FieldSpec[];
  readonly cipher: FieldCipher;
}

export interface ResourceVersion {
  /** Schema version of new writes (base 36). */
  version: string;
  mapping: AttributeMapping;
  /** Fields of older versions that left the schema, by metadata key, so old documents stay readable. */
  legacyFields: ReadonlyMap<string, FieldSpec>;
}

interface ReadResult {
  doc: Document;
  etag: string;
}

/**
 * A resource typed by its documents: `T` is what reads return (without `id`),
 * `In` what writes accept. `db.createResource()` infers both from the
 * attribute rules; a plain `Resource` is untyped. Every method takes
 * `{ priority, signal }` as its last argument.
 *
 * @example
 * const orders = await db.createResource({ name: 'orders', attributes: { status: 'string', amount: 'number' } });
 * const order = await orders.insert({ status: 'new', amount: 30 });
 * await orders.update(order.id, { status: 'paid' }); // conditional: re-read and re-applied on conflict
 * const paid = await orders.query({ status: 'paid' });
 */
export class Resource<T extends DocumentShape = Record<string, unknown>, In extends DocumentShape = T> extends EventEmitter {
  readonly name: string;
  readonly version: string;
  readonly definition: StoredDefinition;
  readonly behavior: Behavior;
  /** Attribute path → metadata key (stable across versions). */
  readonly mapping: AttributeMapping;
  readonly keys: DocumentKeys;
  /** Undefined when the resource has no secret field. */
  readonly secrets: ResourceSecrets | undefined;
  readonly #runtime: ResourceRuntime;
  readonly #config: ResolvedConfig;
  readonly #schema: CompiledSchema;
  readonly #codec: DocumentCodec;
  readonly #scanner: ResourceScanner;
  readonly #middleware: ResourceMiddleware[] = [];
  readonly #indexes: DocumentIndex[] = [];
  readonly #partitions: ResourcePartitions;
  readonly #writer: DocumentWriter;

  constructor(runtime: ResourceRuntime, config: ResolvedConfig, version: ResourceVersion) {
    super();
    this.name = config.name;
    this.version = version.version;
    this.definition = config.definition;
    this.behavior = config.definition.behavior;
    this.mapping = version.mapping;
    this.keys = new DocumentKeys(config.name);
    this.#runtime = runtime;
    this.#config = config;
    this.#schema = compileSchema(config.definition.attributes, version.mapping);
    const secretFields = [...this.#schema.fields, ...version.legacyFields.values()].filter((f) => f.secret);
    this.secrets = secretFields.length > 0 && runtime.cipher ? { fields: secretFields, cipher: runtime.cipher } : undefined;
    this.#codec = new DocumentCodec({
      resource: config.name,
      version: version.version,
      behavior: config.definition.behavior,
      schema: this.#schema,
      legacyFields: version.legacyFields,
      cipher: runtime.cipher,
    });
    this.#scanner = new ResourceScanner(runtime.pool, runtime.store, this.keys, (id, options) => this.#read(id, options).then((r) => r.doc, nullIfMissing));
    this.#writer = new DocumentWriter({
      resource: this,
      config,
      schema: this.#schema,
      codec: this.#codec,
      keys: this.keys,
      store: runtime.store,
      indexes: this.#indexes,
      run: (fn, options) => this.#run(fn, options),
      read: (id, options) => this.#read(id, options),
      emit: (event, ...args) => this.emit(event, ...args),
    });
    this.#partitions = new ResourcePartitions(this.#partitionHost(), config.definition, config.partitionQueue);
    if (this.#partitions.index) this.addIndex(this.#partitions.index);
  }

  // ---- extension seams -------------------------------------------------------------------

  /** Wraps every public method (see {@link ResourceMiddleware}); the last added runs outermost. */
  use(middleware: ResourceMiddleware): this {
    if (typeof middleware !== 'function') throw invalidOption('middleware', 'a function (call, next) => Promise', middleware);
    this.#middleware.push(middleware);
    return this;
  }

  /** Adds a {@link DocumentIndex} fed with every write (the partitions module registers here). */
  addIndex(index: DocumentIndex): this {
    if (!index || typeof index.onWrite !== 'function') throw invalidOption('index', 'an object with onWrite(change, options)', index);
    this.#indexes.push(index);
    return this;
  }

  get indexes(): readonly DocumentIndex[] {
    return this.#indexes;
  }

  addHook(name: HookName, hook: Hook): this {
    const list = this.#config.hooks[name];
    if (!list) throw invalidOption('hook name', `one of ${Object.keys(this.#config.hooks).join(', ')}`, name);
    if (typeof hook !== 'function') throw invalidOption(`hooks.${name}`, 'a function', hook);
    list.push(hook);
    return this;
  }

  /**
   * @internal createResource with an unchanged definition returns this same
   * resource and takes the options that are not stored in the catalogue.
   */
  adoptRuntimeOptions(config: ResolvedConfig): void {
    if (config.idGenerator) this.#config.idGenerator = config.idGenerator;
    this.#config.updateAttempts = config.updateAttempts;
    this.#config.partitionQueue = config.partitionQueue;
    this.#partitions.options = config.partitionQueue;
    for (const [name, hooks] of Object.entries(config.hooks) as [HookName, Hook[]][]) {
      const list = this.#config.hooks[name];
      for (const hook of hooks) if (!list.includes(hook)) list.push(hook);
    }
  }

  // R comes from the calling method's declared return type: the documents are typed by the schema, not by the codec.
  #call<R>(method: ResourceMethod, args: unknown[], impl: () => Promise<unknown>): Promise<R> {
    return callThrough(this.#middleware, { resource: this as Resource, method, args }, impl) as Promise<R>;
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** Reads one document: exactly one request, also when it does not exist (NotFoundError). */
  get(id: string, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('get', [id, options], async () => (await this.#read(id, options)).doc);
  }

  /** Reads many documents; the result is aligned with `ids`, `null` where a document does not exist. */
  getMany(ids: readonly string[], options: CallOptions = {}): Promise<(StoredDocument<T> | null)[]> {
    return this.#call('getMany', [ids, options], async () => {
      if (!Array.isArray(ids)) throw invalidOption('ids', 'an array of ids', ids);
      return mapBounded(ids, this.#window(), (id) => this.#read(id, options).then((r) => r.doc, nullIfMissing));
    });
  }

  /** One HEAD request. */
  exists(id: string, options: CallOptions = {}): Promise<boolean> {
    return this.#call('exists', [id, options], async () => {
      assertValidId(id);
      const key = this.keys.key(id);
      try {
        await this.#run((signal) => this.#runtime.store.headObject({ key, signal }), options);
        return true;
      } catch (err) {
        if (err instanceof NotFoundError) return false;
        throw err;
      }
    });
  }

  /**
   * Every document (no silent cap), or `limit` of them after `offset`, in id order.
   * With `partition`, only that partition's documents (see {@link PartitionOptions}).
   *
   * @example
   * const pending = await orders.list({ partition: 'byStatus', partitionValues: { status: 'pending' } });
   */
  list(options: ListOptions = {}): Promise<StoredDocument<T>[]> {
    return this.#call('list', [options], async () => {
      if (isPartitionLookup(options)) return this.#partitions.reader.list(options);
      const ids = await this.#scanner.ids(options);
      const docs = await mapBounded(ids, this.#window(), (id) => this.#read(id, options).then((r) => r.doc, nullIfMissing));
      return docs.filter((d): d is Document => d !== null);
    });
  }

  listIds(options: ListOptions = {}): Promise<string[]> {
    return this.#call('listIds', [options], () => (isPartitionLookup(options) ? this.#partitions.reader.listIds(options) : this.#scanner.ids(options)));
  }

  /** Number of documents; with `partition`, of that partition (each reference re-checked, so one GET per document). */
  count(options: CountOptions = {}): Promise<number> {
    return this.#call('count', [options], () => (isPartitionLookup(options) ? this.#partitions.reader.count(options) : this.#scanner.count(options)));
  }

  /** One LIST per page; `nextCursor` is opaque and null after the last page. */
  page(options: PageOptions = {}): Promise<Page<StoredDocument<T>>> {
    return this.#call('page', [options], async () => {
      if (isPartitionLookup(options)) return this.#partitions.reader.page(options);
      const { ids, nextCursor } = await this.#scanner.page(options);
      const docs = await mapBounded(ids, this.#window(), (id) => this.#read(id, options).then((r) => r.doc, nullIfMissing));
      return { items: docs.filter((d): d is Document => d !== null), nextCursor };
    });
  }

  /**
   * Documents whose fields equal the filter's values. Uses a {@link DocumentIndex}
   * that can narrow the candidates when one is registered, else scans.
   */
  query(filter: QueryFilter = {}, options: ListOptions = {}): Promise<StoredDocument<T>[]> {
    return this.#call('query', [filter, options], async () => {
      const lookup = isPartitionLookup(options) ? this.#partitions.reader.lookup(options) : undefined;
      return runQuery(filter, options, { indexes: this.#indexes, lookup, scanner: this.#scanner, readAhead: Math.max(16, Math.min(this.#window(), 256)) });
    });
  }

  /** Every document in id order, fetched `readAhead` at a time: memory stays bounded. */
  stream(options: StreamOptions = {}): AsyncIterable<StoredDocument<T>> {
    return this.#scanner.documents(options, undefined) as AsyncIterable<StoredDocument<T>>;
  }

  // ---- partitions ----------------------------------------------------------------------------

  /**
   * One GET: the document if it is in the partition under these values
   * (checked against the document itself), else NotFoundError.
   *
   * @example
   * const order = await orders.getFromPartition({ id: 'o1', partitionName: 'byStatus', partitionValues: { status: 'pending' } });
   */
  getFromPartition(input: GetFromPartitionInput, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('getFromPartition', [input, options], () => this.#partitions.reader.get(input, options));
  }

  /** Resolves when no partition reference work is queued, running or waiting to retry; returns the stats then. */
  flushPartitions(): Promise<PartitionStats> {
    return this.#partitions.flush();
  }

  /** The partition reference queue, read-only: `stats()`, `failures()`, `flush()`. */
  get partitionQueue(): { stats(): PartitionStats; failures(): PartitionFailure[]; flush(): Promise<PartitionStats> } {
    const partitions = this.#partitions;
    return { stats: () => partitions.stats(), failures: () => partitions.queue.failures(), flush: () => partitions.flush() };
  }

  /**
   * `{ pending, failed, retried }` of the partition reference queue, and of
   * crash recovery: `intents` (left in storage by a writer that stopped
   * between a document write and its references, not settled yet) and
   * `recovered` (their documents brought in line).
   */
  partitionStats(): PartitionStats {
    return this.#partitions.stats();
  }

  /**
   * Looks for intents that stopped writers left in storage (one LIST per
   * 1000) and repairs the documents of those older than
   * `partitionQueue.recoveryGrace`; resolves with the stats once done. The
   * resource does this by itself when it opens: call it to pick up writers
   * that died since.
   */
  async recoverPartitions(): Promise<PartitionStats> {
    await this.#partitions.recovery.scan();
    return this.#partitions.flush();
  }

  /** @internal The database waits for this at open: the intents in storage are known. */
  partitionsOpened(): Promise<void> {
    return this.#partitions.recovery.ready();
  }

  /** @internal The database is closing: no more recovery timers. */
  closePartitions(): void {
    this.#partitions.recovery.stop();
  }

  /** Documents whose reference work failed every attempt, until repaired (by a write, a rebuild or retryPartitions()). */
  partitionFailures(): PartitionFailure[] {
    return this.#partitions.queue.failures();
  }

  /** Queues every recorded failure again; resolves when the queue is empty. */
  async retryPartitions(): Promise<PartitionStats> {
    this.#partitions.queue.retryFailed().catch(() => undefined);
    return this.#partitions.flush();
  }

  /**
   * Compares every document with the references (streaming, bounded memory):
   * `{ checked, references, missing, stale }`. Changes nothing.
   */
  verifyPartitions(options: RepairOptions = {}): Promise<VerifyResult> {
    return this.#partitions.repair.verify(options);
  }

  /**
   * Restores every missing reference and deletes every stale one (of one
   * partition or all), emitting `partitionRebuildProgress` events.
   */
  rebuildPartitions(options: RepairOptions = {}): Promise<RebuildResult> {
    return this.#call('rebuildPartitions', [options], () => this.#partitions.repair.rebuild(options));
  }

  #partitionHost(): PartitionHost {
    return {
      resourceName: this.name,
      store: this.#runtime.store,
      run: (fn, options) => this.#run(fn, options),
      read: (id, options) => this.#read(id, options).then((r) => r, nullIfMissing),
      etag: (id, options) =>
        this.#run((signal) => this.#runtime.store.headObject({ key: this.keys.key(id), signal }), options).then((head) => head.etag, nullIfMissing),
      documents: (options) => this.#scanner.documents({ ...options, readAhead: Math.max(16, Math.min(this.#window(), 256)) }, undefined),
      ids: (options) => allIds(this.#scanner, options),
      catalogue: async () => (await new Catalogue(this.#runtime.store, this.#runtime.pool).load()).data,
      call: (method, args, fn) => this.#call(method, args, fn),
      emit: (event, payload) => this.emit(event, payload),
      window: () => this.#window(),
    };
  }

  // ---- writes --------------------------------------------------------------------------------

  /** Validates and stores a new document: one conditional PUT (fails with ConflictError if the id exists). */
  insert(data: WriteInput<In>, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('insert', [data, options], () => this.#writer.insert(data, options));
  }

  /** Inserts every item; the result has one entry per item, in order, failures included. */
  insertMany(items: readonly WriteInput<In>[], options: CallOptions = {}): Promise<BulkResult<StoredDocument<T>>[]> {
    return this.#call('insertMany', [items, options], async () => {
      if (!Array.isArray(items)) throw invalidOption('items', 'an array of documents', items);
      return mapBounded(items, this.#window(), (item, index) =>
        this.#writer.insert(item, options).then(
          (doc): BulkResult<Document> => ({ index, ok: true, id: doc.id, value: doc }),
          (error: Error): BulkResult<Document> => ({ index, ok: false, id: isPlainObject(item) && typeof item.id === 'string' ? item.id : undefined, error }),
        ),
      );
    });
  }

  /** Deep-merges `changes` into the stored document (GET + conditional PUT, retried on conflict). */
  update(id: string, changes: DeepPartial<In>, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('update', [id, changes, options], () => {
      checkChanges(id, changes);
      return this.#writer.modify(id, (before) => deepMerge(before, withoutId(changes)), options);
    });
  }

  /** Sets top-level fields (no deep merge), conditionally like update. */
  patch(id: string, fields: Partial<In>, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('patch', [id, fields, options], () => {
      checkChanges(id, fields);
      return this.#writer.modify(id, (before) => ({ ...before, ...withoutUndefined(fields) }), options);
    });
  }

  /** Replaces the whole document (it must exist), conditionally on the ETag read. */
  replace(id: string, data: In, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('replace', [id, data, options], () => {
      checkChanges(id, data);
      return this.#writer.modify(id, (before) => this.#writer.keepCreatedAt(before, withoutId(data)), options);
    });
  }

  /** Inserts, or deep-merges into the existing document with the same id. */
  upsert(data: WriteInput<In>, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('upsert', [data, options], async () => {
      if (!isPlainObject(data)) throw invalidOption('data', 'a document object', data);
      if (data.id === undefined) return this.#writer.insert(data, options);
      const id = data.id as string;
      assertValidId(id);
      for (let attempt = 0; attempt < this.#config.updateAttempts; attempt++) {
        try {
          return await this.#writer.modify(id, (before) => deepMerge(before, withoutId(data)), options);
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
        try {
          return await this.#writer.insert(data, options);
        } catch (err) {
          // Someone inserted it between our read and our write: merge into theirs.
          if (!(err instanceof ConflictError)) throw err;
        }
      }
      throw new ConflictError(`upsert of ${this.name}/${id} kept racing with concurrent inserts and deletes; try again`);
    });
  }

  /** Deletes a document (NotFoundError if missing); returns what was deleted. */
  delete(id: string, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('delete', [id, options], () => this.#writer.delete(id, options));
  }

  /** Deletes every id; one result per id, in order, failures included. */
  deleteMany(ids: readonly string[], options: CallOptions = {}): Promise<BulkResult<StoredDocument<T>>[]> {
    return this.#call('deleteMany', [ids, options], async () => {
      if (!Array.isArray(ids)) throw invalidOption('ids', 'an array of ids', ids);
      return mapBounded(ids, this.#window(), (id, index) =>
        this.#writer.delete(id, options).then(
          (doc): BulkResult<Document> => ({ index, ok: true, id, value: doc }),
          (error: Error): BulkResult<Document> => ({ index, ok: false, id, error }),
        ),
      );
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  #run<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T> {
    const runOptions: { priority?: number; signal?: AbortSignal } = {};
    if (options.priority !== undefined) runOptions.priority = options.priority;
    if (options.signal !== undefined) runOptions.signal = options.signal;
    return this.#runtime.pool.run(fn, runOptions);
  }

  /** Bulk operations keep about two pool-fulls in flight: the pool stays busy, memory stays bounded. */
  #window(): number {
    return Math.max(8, this.#runtime.pool.concurrency * 2);
  }

  async #read(id: string, options: CallOptions): Promise<ReadResult> {
    assertValidId(id);
    const key = this.keys.key(id);
    const object = await this.#run((signal) => this.#runtime.store.getObject({ key, signal }), options).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw new NotFoundError(`${this.name}/${id} does not exist`, { cause: err, details: { resource: this.name, id } });
      throw err;
    });
    return { doc: this.#decode(id, object), etag: object.etag };
  }

  #decode(id: string, object: StoredObject): Document {
    return this.#codec.decode(id, object.metadata, object.body);
  }

}

async function* allIds(scanner: ResourceScanner, options: CallOptions): AsyncGenerator<string> {
  for await (const page of scanner.idPages(options)) yield* page;
}

function isPartitionLookup(options: { partition?: unknown; partitionValues?: unknown }): boolean {
  if (options.partition !== undefined) return true;
  if (options.partitionValues !== undefined) throw invalidOption('partition', 'the name of a partition when `partitionValues` is given', options.partition);
  return false;
}
