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
import { assertValidId, DocumentKeys, generateId } from './document-keys.js';
import type { FieldCipher } from './field-cipher.js';
import { compileFilter, type QueryFilter } from './query-filter.js';
import type { ResolvedConfig } from './resource-config.js';
import { checkLimitOffset, ResourceScanner } from './resource-scan.js';
import { ResourcePartitions } from './resource-partitions.js';
import type { PartitionHost } from './partitions/partition-host.js';
import type { GetFromPartitionInput } from './partitions/partition-reader.js';
import type { PartitionFailure, PartitionStats } from './partitions/partition-queue.js';
import type { RebuildResult, RepairOptions, VerifyResult } from './partitions/partition-repair.js';
import { backoff, checkChanges, nullIfMissing, withoutId, withoutUndefined } from './write-arguments.js';
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
  ResourceCall,
  ResourceMethod,
  ResourceMiddleware,
  StoredDefinition,
  StreamOptions,
  WriteChange,
} from './resource-types.js';
import { compileSchema, validationFailed, type CompiledSchema, type FieldSpec } from './schema.js';

/** What a resource needs from its database. */
export interface ResourceRuntime {
  readonly store: ObjectStore;
  readonly pool: ExecutorPool;
  readonly cipher: FieldCipher | undefined;
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

const TIMESTAMP_FIELDS = ['createdAt', 'updatedAt'] as const;

export class Resource extends EventEmitter {
  readonly name: string;
  readonly version: string;
  readonly definition: StoredDefinition;
  readonly behavior: Behavior;
  /** Attribute path → metadata key (stable across versions). */
  readonly mapping: AttributeMapping;
  readonly keys: DocumentKeys;
  readonly #runtime: ResourceRuntime;
  readonly #config: ResolvedConfig;
  readonly #schema: CompiledSchema;
  readonly #codec: DocumentCodec;
  readonly #scanner: ResourceScanner;
  readonly #middleware: ResourceMiddleware[] = [];
  readonly #indexes: DocumentIndex[] = [];
  readonly #partitions: ResourcePartitions;

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
    this.#codec = new DocumentCodec({
      resource: config.name,
      version: version.version,
      behavior: config.definition.behavior,
      schema: this.#schema,
      legacyFields: version.legacyFields,
      cipher: runtime.cipher,
    });
    this.#scanner = new ResourceScanner(runtime.pool, runtime.store, this.keys, (id, options) => this.#read(id, options).then((r) => r.doc, nullIfMissing));
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
    this.#partitions.queue.options = config.partitionQueue;
    for (const [name, hooks] of Object.entries(config.hooks) as [HookName, Hook[]][]) {
      const list = this.#config.hooks[name];
      for (const hook of hooks) if (!list.includes(hook)) list.push(hook);
    }
  }

  #call<T>(method: ResourceMethod, args: unknown[], impl: () => Promise<T>): Promise<T> {
    const chain = this.#middleware;
    // Argument errors thrown synchronously still surface as rejections.
    if (chain.length === 0) {
      try {
        return impl();
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const call: ResourceCall = { resource: this, method, args };
    let next = impl as () => Promise<unknown>;
    for (const middleware of chain) {
      const inner = next;
      next = () => middleware(call, inner);
    }
    return Promise.resolve().then(next) as Promise<T>;
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** Reads one document: exactly one request, also when it does not exist (NotFoundError). */
  get(id: string, options: CallOptions = {}): Promise<Document> {
    return this.#call('get', [id, options], async () => (await this.#read(id, options)).doc);
  }

  /** Reads many documents; the result is aligned with `ids`, `null` where a document does not exist. */
  getMany(ids: readonly string[], options: CallOptions = {}): Promise<(Document | null)[]> {
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
  list(options: ListOptions = {}): Promise<Document[]> {
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
  page(options: PageOptions = {}): Promise<Page> {
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
  query(filter: QueryFilter = {}, options: ListOptions = {}): Promise<Document[]> {
    return this.#call('query', [filter, options], async () => {
      const filterMatches = compileFilter(filter);
      const { limit = Number.POSITIVE_INFINITY, offset = 0 } = options;
      checkLimitOffset(options);
      let candidates: AsyncIterable<string> | undefined;
      let matches = filterMatches;
      if (isPartitionLookup(options)) {
        const lookup = this.#partitions.reader.lookup(options);
        candidates = lookup.ids;
        matches = (doc) => lookup.contains(doc) && filterMatches(doc);
      } else {
        for (const index of this.#indexes) {
          candidates = index.candidates?.(filter, options);
          if (candidates) break;
        }
      }
      const out: Document[] = [];
      if (limit === 0) return out;
      let skipped = 0;
      const readAhead = Math.max(16, Math.min(this.#window(), 256));
      for await (const doc of this.#scanner.documents({ ...options, readAhead }, candidates)) {
        if (!matches(doc)) continue;
        if (skipped < offset) {
          skipped++;
          continue;
        }
        out.push(doc);
        if (out.length >= limit) break;
      }
      return out;
    });
  }

  /** Every document in id order, fetched `readAhead` at a time: memory stays bounded. */
  stream(options: StreamOptions = {}): AsyncIterable<Document> {
    return this.#scanner.documents(options, undefined);
  }

  // ---- partitions ----------------------------------------------------------------------------

  /**
   * One GET: the document if it is in the partition under these values
   * (checked against the document itself), else NotFoundError.
   *
   * @example
   * const order = await orders.getFromPartition({ id: 'o1', partitionName: 'byStatus', partitionValues: { status: 'pending' } });
   */
  getFromPartition(input: GetFromPartitionInput, options: CallOptions = {}): Promise<Document> {
    return this.#call('getFromPartition', [input, options], () => this.#partitions.reader.get(input, options));
  }

  /** Resolves when no partition reference work is queued, running or waiting to retry; returns the stats then. */
  flushPartitions(): Promise<PartitionStats> {
    return this.#partitions.queue.flush();
  }

  /** `{ pending, failed, retried }` of the partition reference queue. */
  partitionStats(): PartitionStats {
    return this.#partitions.queue.stats();
  }

  /** Documents whose reference work failed every attempt, until repaired (by a write, a rebuild or retryPartitions()). */
  partitionFailures(): PartitionFailure[] {
    return this.#partitions.queue.failures();
  }

  /** Queues every recorded failure again; resolves when the queue is empty. */
  async retryPartitions(): Promise<PartitionStats> {
    this.#partitions.queue.retryFailed().catch(() => undefined);
    return this.#partitions.queue.flush();
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
      call: (method, args, fn) => this.#call(method, args, fn),
      emit: (event, payload) => this.emit(event, payload),
      window: () => this.#window(),
    };
  }

  // ---- writes --------------------------------------------------------------------------------

  /** Validates and stores a new document: one conditional PUT (fails with ConflictError if the id exists). */
  insert(data: Record<string, unknown>, options: CallOptions = {}): Promise<Document> {
    return this.#call('insert', [data, options], () => this.#insert(data, options));
  }

  /** Inserts every item; the result has one entry per item, in order, failures included. */
  insertMany(items: readonly Record<string, unknown>[], options: CallOptions = {}): Promise<BulkResult<Document>[]> {
    return this.#call('insertMany', [items, options], async () => {
      if (!Array.isArray(items)) throw invalidOption('items', 'an array of documents', items);
      return mapBounded(items, this.#window(), (item, index) =>
        this.#insert(item, options).then(
          (doc): BulkResult<Document> => ({ index, ok: true, id: doc.id, value: doc }),
          (error: Error): BulkResult<Document> => ({ index, ok: false, id: isPlainObject(item) && typeof item.id === 'string' ? item.id : undefined, error }),
        ),
      );
    });
  }

  /** Deep-merges `changes` into the stored document (GET + conditional PUT, retried on conflict). */
  update(id: string, changes: Record<string, unknown>, options: CallOptions = {}): Promise<Document> {
    return this.#call('update', [id, changes, options], () => {
      checkChanges(id, changes);
      return this.#modify(id, (before) => deepMerge(before, withoutId(changes)), options);
    });
  }

  /** Sets top-level fields (no deep merge), conditionally like update. */
  patch(id: string, fields: Record<string, unknown>, options: CallOptions = {}): Promise<Document> {
    return this.#call('patch', [id, fields, options], () => {
      checkChanges(id, fields);
      return this.#modify(id, (before) => ({ ...before, ...withoutUndefined(fields) }), options);
    });
  }

  /** Replaces the whole document (it must exist), conditionally on the ETag read. */
  replace(id: string, data: Record<string, unknown>, options: CallOptions = {}): Promise<Document> {
    return this.#call('replace', [id, data, options], () => {
      checkChanges(id, data);
      return this.#modify(id, (before) => this.#keepCreatedAt(before, withoutId(data)), options);
    });
  }

  /** Inserts, or deep-merges into the existing document with the same id. */
  upsert(data: Record<string, unknown>, options: CallOptions = {}): Promise<Document> {
    return this.#call('upsert', [data, options], async () => {
      if (!isPlainObject(data)) throw invalidOption('data', 'a document object', data);
      if (data.id === undefined) return this.#insert(data, options);
      const id = data.id as string;
      assertValidId(id);
      for (let attempt = 0; attempt < this.#config.updateAttempts; attempt++) {
        try {
          return await this.#modify(id, (before) => deepMerge(before, withoutId(data)), options);
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
        try {
          return await this.#insert(data, options);
        } catch (err) {
          // Someone inserted it between our read and our write: merge into theirs.
          if (!(err instanceof ConflictError)) throw err;
        }
      }
      throw new ConflictError(`upsert of ${this.name}/${id} kept racing with concurrent inserts and deletes; try again`);
    });
  }

  /** Deletes a document (NotFoundError if missing); returns what was deleted. */
  delete(id: string, options: CallOptions = {}): Promise<Document> {
    return this.#call('delete', [id, options], () => this.#delete(id, options));
  }

  /** Deletes every id; one result per id, in order, failures included. */
  deleteMany(ids: readonly string[], options: CallOptions = {}): Promise<BulkResult<Document>[]> {
    return this.#call('deleteMany', [ids, options], async () => {
      if (!Array.isArray(ids)) throw invalidOption('ids', 'an array of ids', ids);
      return mapBounded(ids, this.#window(), (id, index) =>
        this.#delete(id, options).then(
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

  /** Validation on a copy: the caller's objects are never mutated. Returns the data without id. */
  #validate(data: Record<string, unknown>): Record<string, unknown> {
    const copy = this.#schema.cloneInput(data);
    const result = this.#schema.check(copy);
    if (result !== true) throw validationFailed(this.name, result);
    return copy;
  }

  async #insert(input: Record<string, unknown>, options: CallOptions): Promise<Document> {
    if (!isPlainObject(input)) throw invalidOption('data', 'a document object', input);
    const id = input.id !== undefined ? input.id : this.#config.idGenerator ? this.#config.idGenerator() : generateId(this.definition.idSize);
    assertValidId(id);
    let data = withoutId(input);
    if (this.definition.timestamps) {
      const now = new Date().toISOString();
      data.createdAt ??= now;
      data.updatedAt ??= now;
    }
    data = await this.#runBeforeHooks('beforeInsert', data, { resource: this, id });
    const valid = this.#validate(data);
    const { doc: after, etag } = await this.#put(id, valid, { ifNoneMatch: '*' }, options);
    await this.#afterWrite({ kind: 'insert', id, before: null, after, beforeEtag: null, afterEtag: etag }, options, 'afterInsert', 'inserted');
    return after;
  }

  /** Read, transform, validate, conditional write; re-reads and re-applies on ConflictError. */
  async #modify(id: string, transform: (before: Record<string, unknown>) => Record<string, unknown>, options: CallOptions): Promise<Document> {
    assertValidId(id);
    const attempts = this.#config.updateAttempts;
    for (let attempt = 1; ; attempt++) {
      const { doc: before, etag } = await this.#read(id, options);
      let data = transform(this.#currentFields(before));
      if (this.definition.timestamps) data.updatedAt = new Date().toISOString();
      data = await this.#runBeforeHooks('beforeUpdate', data, { resource: this, id, before });
      const valid = this.#validate(data);
      try {
        const written = await this.#put(id, valid, { ifMatch: etag }, options);
        const change: WriteChange = { kind: 'update', id, before, after: written.doc, beforeEtag: etag, afterEtag: written.etag, contended: attempt > 1 };
        await this.#afterWrite(change, options, 'afterUpdate', 'updated');
        return written.doc;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        if (attempt >= attempts) {
          throw new ConflictError(`${this.name}/${id} changed under ${attempts} consecutive attempts to update it; try again later`, {
            cause: err,
            details: { resource: this.name, id, attempts },
          });
        }
        await backoff(attempt, options.signal);
      }
    }
  }

  async #delete(id: string, options: CallOptions): Promise<Document> {
    const { doc: before, etag } = await this.#read(id, options);
    await this.#runBeforeHooks('beforeDelete', { ...before }, { resource: this, id, before });
    const key = this.keys.key(id);
    // No If-Match on deletes (the store has none): the reference work is told the ETag is unknown afterwards.
    await this.#run((signal) => this.#runtime.store.deleteObject({ key, signal }), options);
    await this.#afterWrite({ kind: 'delete', id, before, after: null, beforeEtag: etag, afterEtag: null }, options, 'afterDelete', 'deleted');
    return before;
  }

  async #put(id: string, data: Record<string, unknown>, condition: { ifMatch?: string; ifNoneMatch?: '*' }, options: CallOptions): Promise<{ doc: Document; etag: string }> {
    const encoded = this.#codec.encode(id, data, (size, limit) => this.emit('exceedsLimit', { id, size, limit, behavior: this.behavior }));
    const key = this.keys.key(id);
    const { etag } = await this.#run(
      (signal) =>
        this.#runtime.store.putObject({ key, body: encoded.body, metadata: encoded.metadata, contentType: encoded.contentType, ...condition, signal }),
      options,
    ).catch((err: unknown) => {
      if (err instanceof ConflictError && condition.ifNoneMatch) {
        throw new ConflictError(`${this.name}/${id} already exists: use update, replace or upsert to change it`, { cause: err, details: { resource: this.name, id } });
      }
      if (err instanceof NotFoundError && condition.ifMatch) {
        // Deleted between our read and our write: report it as the conflict it is.
        throw new ConflictError(`${this.name}/${id} was deleted while being updated`, { cause: err, details: { resource: this.name, id } });
      }
      throw err;
    });
    if (encoded.storedFields) {
      const doc = this.#codec.decodeFields(id, Object.entries(encoded.storedFields));
      doc.$truncated = true;
      return { doc, etag };
    }
    return { doc: { id, ...data } as Document, etag };
  }

  async #afterWrite(change: WriteChange, options: CallOptions, hook: HookName, event: string): Promise<void> {
    for (const index of this.#indexes) await index.onWrite(change, options);
    const doc = (change.after ?? change.before) as Document;
    for (const fn of this.#config.hooks[hook]) await fn(doc, { resource: this, id: change.id, ...(change.before ? { before: change.before } : {}) });
    this.emit(event, doc, change.before);
  }

  async #runBeforeHooks(name: HookName, data: Record<string, unknown>, context: Parameters<Hook>[1]): Promise<Record<string, unknown>> {
    let current = data;
    for (const hook of this.#config.hooks[name]) {
      const replaced = await hook(current, context);
      if (replaced !== undefined) {
        if (!isPlainObject(replaced)) throw invalidOption(`${name} hook result`, 'a document object or undefined', replaced);
        current = replaced;
      }
    }
    return current;
  }

  /** The stored document without id/markers and without fields that left the schema (writes migrate to the current version). */
  #currentFields(doc: Document): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of this.#schema.fields) {
      if (field.segments.length !== 1) continue;
      const name = field.path;
      if (doc[name] !== undefined) out[name] = doc[name];
    }
    return out;
  }

  #keepCreatedAt(before: Record<string, unknown>, data: Record<string, unknown>): Record<string, unknown> {
    if (this.definition.timestamps && data.createdAt === undefined && before.createdAt !== undefined) {
      return { ...data, [TIMESTAMP_FIELDS[0]]: before.createdAt };
    }
    return data;
  }
}

function isPartitionLookup(options: { partition?: unknown; partitionValues?: unknown }): boolean {
  if (options.partition !== undefined) return true;
  if (options.partitionValues !== undefined) throw invalidOption('partition', 'the name of a partition when `partitionValues` is given', options.partition);
  return false;
}
