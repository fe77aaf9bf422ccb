/**
 * The Resource class: the public face of a collection of documents. Each
 * concept lives in its own file and the class delegates to it: the call
 * pipeline (resource-calls.ts), reads (resource-reads.ts), writes
 * (resource-mutations.ts over resource-writer.ts), partitions
 * (resource-partitions.ts), ids and sequences (ids/), binary content
 * (document-content.ts), history (resource-history.ts) and the live schema
 * (resource-schema.ts).
 */
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { NotFoundError } from '../core/errors.js';
import { checkOptions, invalidOption } from '../core/options.js';
import type { ExecutorPool } from '../core/executor-pool.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { AttributeMapping } from './attribute-mapping.js';
import type { Behavior } from './behaviors.js';
import { isPlainObject } from './codec.js';
import { Catalogue, type CatalogueResource } from './catalogue.js';
import type { Document } from './document-codec.js';
import { DocumentContent, type Content } from './document-content.js';
import { DocumentKeys } from './document-keys.js';
import type { DeepPartial, DocumentShape, StoredDocument, WriteInput } from './document-types.js';
import type { FieldCipher } from './field-cipher.js';
import { compileIdRule } from './id-rule.js';
import { IdSource, type BatchStatus } from './ids/id-source.js';
import { SequenceStore, type SequenceInfo } from './ids/sequence-store.js';
import type { GetFromPartitionInput } from './partitions/partition-reader.js';
import type { PartitionFailure, PartitionStats } from './partitions/partition-queue.js';
import type { RebuildResult, RepairOptions, VerifyResult } from './partitions/partition-repair.js';
import { PasswordFields } from './password-fields.js';
import type { QueryFilter } from './query-filter.js';
import { checkMethodOptions } from './resource-call-options.js';
import { ResourceCalls } from './resource-calls.js';
import type { ResolvedConfig } from './resource-config.js';
import { EventDelivery } from './resource-events.js';
import { DocumentHistory, type HistoryEntry } from './resource-history.js';
import { ResourceMutations, type ConditionalResult } from './resource-mutations.js';
import type { ResourceBehaviourOptions } from './resource-options.js';
import { partitionHost, ResourcePartitions } from './resource-partitions.js';
import { ResourceReads } from './resource-reads.js';
import { ResourceSchema, type EntryChange } from './resource-schema.js';
import { documentReadable, documentWritable, type ReadableOptions, type WritableOptions } from './resource-streams.js';
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
  PartitionOptions,
  ResourceMethod,
  ResourceMiddleware,
  StoredDefinition,
  StreamOptions,
} from './resource-types.js';
import type { ResourceVersion } from './resource-version.js';
import { DocumentWriter } from './resource-writer.js';
import type { AttributeDefinition, FieldSpec } from './schema.js';
import { openSecrets, sealSecrets } from './sealed-output.js';
import { nullIfMissing } from './write-arguments.js';

/** What a resource needs from its database. */
export interface ResourceRuntime {
  readonly store: ObjectStore;
  readonly pool: ExecutorPool;
  readonly cipher: FieldCipher | undefined;
  /** The database's `versioningEnabled`: the default of resources that do not set it. */
  readonly versioningEnabled: boolean;
  /** bcrypt cost of `password` attributes (the database's `bcryptRounds`). */
  readonly bcryptRounds: number;
  /** No cipher: leave secret values out of reads and refuse writes (S3db's `withholdSecrets`). */
  readonly withholdSecrets?: boolean;
  /** The resource's catalogue entry (read, or changed conditionally): where plugin attributes are recorded. */
  readonly catalogueEntry?: (name: string, change?: EntryChange) => Promise<CatalogueResource | undefined>;
}

/** A resource's secret fields and the cipher sealing them, for plugins that keep documents outside storage (the cache). */
export interface ResourceSecrets {
  /** Every secret field of the current and of older schema versions (old documents still carry those). */
  readonly fields: readonly FieldSpec[];
  readonly cipher: FieldCipher;
}

export type { ConditionalResult, ResourceVersion };

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
export class Resource<T extends DocumentShape = Record<string, unknown>, In extends DocumentShape = T> extends EventEmitter {
  readonly name: string;
  readonly version: string;
  readonly definition: StoredDefinition;
  readonly behavior: Behavior;
  readonly keys: DocumentKeys;
  /** Undefined when the resource has no secret field. */
  readonly secrets: ResourceSecrets | undefined;
  readonly #runtime: ResourceRuntime;
  readonly #config: ResolvedConfig;
  readonly #live: ResourceSchema;
  readonly #indexes: DocumentIndex[] = [];
  readonly #calls: ResourceCalls;
  readonly #reads: ResourceReads;
  readonly #writes: ResourceMutations;
  readonly #partitions: ResourcePartitions;
  readonly #events: EventDelivery;
  readonly #history: DocumentHistory;
  readonly #ids: IdSource;
  readonly #content: DocumentContent;

  constructor(runtime: ResourceRuntime, config: ResolvedConfig, version: ResourceVersion) {
    super();
    this.name = config.name;
    this.version = version.version;
    this.definition = config.definition;
    this.behavior = config.definition.behavior;
    this.keys = new DocumentKeys(config.name);
    this.#runtime = runtime;
    this.#config = config;
    const { store, pool, cipher } = runtime;
    const entry = runtime.catalogueEntry;
    const live = new ResourceSchema({ resource: config.name, definition: config.definition, cipher, withholdSecrets: runtime.withholdSecrets, version, entry: entry && ((change) => entry(config.name, change)) });
    this.#live = live;
    // Plugin attributes are never secret: the secret fields are the definition's and older versions'.
    const secretFields = [...live.schema.fields, ...version.legacyFields.values()].filter((f) => f.secret);
    this.secrets = secretFields.length > 0 && cipher ? { fields: secretFields, cipher } : undefined;
    this.#events = new EventDelivery(this, config.options.asyncEvents, config.options.events);
    this.#calls = new ResourceCalls({ resource: this, config, events: this.#events, live, cipher });
    this.#reads = new ResourceReads({
      name: config.name,
      keys: this.keys,
      store,
      pool,
      parallelism: () => this.#config.options.parallelism,
      decode: (id, object) => live.decode(id, object),
      indexes: this.#indexes,
      partitions: () => this.#partitions,
    });
    const reads = this.#reads;
    const run = reads.run.bind(reads);
    this.#ids = new IdSource(
      config.options.idPlan ?? { kind: 'random', size: config.definition.idSize, alphabet: undefined },
      new SequenceStore({ resource: config.name, store, run }),
    );
    const writer = new DocumentWriter({
      resource: this,
      config,
      // Read at every call: plugin attributes change them.
      get schema() {
        return live.schema;
      },
      get codec() {
        return live.codec;
      },
      keys: this.keys,
      store,
      indexes: this.#indexes,
      run,
      read: (id, options) => reads.read(id, options),
      emit: (event, ...args) => this.#events.emit(event, args),
    });
    const passwords = new PasswordFields(config.name, config.definition.attributes, runtime.bcryptRounds);
    this.#writes = new ResourceMutations({ name: config.name, config, store, writer, reads, ids: this.#ids, passwords, idCheck: compileIdRule(config.name, config.definition.attributes) });
    const host = partitionHost({
      name: config.name,
      store,
      reads,
      catalogue: async () => (await new Catalogue(store, pool).load()).data,
      call: (method, args, fn) => this.#call(method, args as [unknown, ...unknown[]], () => fn()),
      emit: (event, payload) => this.emit(event, payload),
    });
    this.#partitions = new ResourcePartitions(host, config.definition, config.partitionQueue);
    if (this.#partitions.index) this.addIndex(this.#partitions.index);
    this.#history = new DocumentHistory({
      resource: this.name,
      store,
      enabled: () => this.#config.options.versioningEnabled ?? runtime.versioningEnabled,
      run,
      seal: (doc) => sealSecrets(this.name, live.schema, cipher, doc) as Document,
      open: (doc) => openSecrets(this.name, live.schema, cipher, doc) as Document,
    });
    this.addIndex(this.#history);
    this.#content = new DocumentContent({ resource: this.name, store, run });
    this.addIndex(this.#content);
  }

  #call<R, A = unknown>(method: ResourceMethod, args: readonly [A, ...unknown[]], impl: (first: A) => Promise<unknown>): Promise<R> {
    return this.#calls.run<unknown, A, R>(method, args, impl);
  }

  /** A method outside the call pipeline (no hooks, middleware or event): its options are checked all the same. */
  #checked<R>(method: string, args: readonly unknown[], fn: () => Promise<R>): Promise<R> {
    try {
      checkMethodOptions(method, args);
      return fn();
    } catch (err) {
      return Promise.reject(err);
    }
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
    return this.#call('insert', [data, options], () => this.#writes.insert(data as Record<string, unknown>, options));
  }

  /** Inserts every item, a bounded number at a time; one result per item, in order, failures included. */
  insertMany(items: readonly WriteInput<In>[], options: CallOptions = {}): Promise<BulkResult<StoredDocument<T>>[]> {
    return this.#call('insertMany', [items, options], (list) => this.#writes.insertMany(list as readonly Record<string, unknown>[], options));
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
    return this.#call('update', [id, changes, options], () => this.#writes.update(id, changes as Record<string, unknown>, options));
  }

  /** Sets top-level fields (no deep merge), conditionally like update. */
  patch(id: string, fields: Partial<In>, options: CallOptions & PartitionOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('patch', [id, fields, options], () => this.#writes.patch(id, fields as Record<string, unknown>, options));
  }

  /**
   * Replaces the whole document, conditionally on the ETag read; a missing
   * document is created (If-None-Match, so a concurrent insert is never
   * overwritten: the replace then applies to it).
   */
  replace(id: string, data: In, options: CallOptions & PartitionOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('replace', [id, data, options], () => this.#writes.replace(id, data as Record<string, unknown>, options));
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
    return this.#call('upsert', [first, options], () => this.#writes.upsert(first as Record<string, unknown>, options));
  }

  /**
   * Updates only if the document's ETag is still `ifMatch` (from a previous
   * updateConditional or getEtag): `{ success: true, data, etag }`, or
   * `{ success: false, error }` when it changed or does not exist.
   */
  updateConditional(id: string, changes: Record<string, unknown>, options: CallOptions & { ifMatch: string }): Promise<ConditionalResult> {
    return this.#call('updateConditional', [id, changes, options], () => this.#writes.updateConditional(id, changes, options));
  }

  /** Deletes a document (NotFoundError if missing); returns what was deleted. */
  delete(id: string, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('delete', [id, options], () => this.#writes.delete(id, options));
  }

  /** Deletes every id, a bounded number at a time; one result per id, in order, failures included. */
  deleteMany(ids: readonly string[], options: CallOptions = {}): Promise<BulkResult<StoredDocument<T>>[]> {
    return this.#call('deleteMany', [ids, options], (list) => this.#writes.deleteMany(list, options));
  }

  /**
   * Deletes every document (hooks, references and events as for delete).
   * Refused while the resource is `paranoid` (the default).
   */
  deleteAll(options: CallOptions = {}): Promise<{ deletedCount: number }> {
    return this.#call('deleteAll', [options], () => this.#writes.deleteAll(options));
  }

  /**
   * Removes every object of the resource (documents, partition references,
   * sequences, history, content) without per-document hooks or events.
   * Refused while the resource is `paranoid` (the default).
   */
  deleteAllData(options: CallOptions = {}): Promise<{ deletedCount: number }> {
    return this.#call('deleteAllData', [options], () => this.#writes.deleteAllData(options));
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
    return this.#call('get', [id, options], async (first) => (await this.#reads.read(first, options)).doc);
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
    return this.#call('getMany', [ids, options], (first) => this.#reads.getMany(first, options));
  }

  /** Every document (s3db.js's getAll): list() without paging. */
  getAll(options: CallOptions = {}): Promise<Document[]> {
    return this.#call('getAll', [options], (opts) => this.#reads.list(opts));
  }

  /** Whether the document exists: one HEAD request. */
  exists(id: string, options: CallOptions = {}): Promise<boolean> {
    return this.#call('exists', [id, options], (first) => this.#reads.exists(first, options));
  }

  /** The document's current ETag (one HEAD), or null when it does not exist. */
  getEtag(id: string, options: CallOptions = {}): Promise<string | null> {
    return this.#checked('getEtag', [id, options], () => this.#reads.etag(id, options));
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
    return this.#call('list', [options], (opts) => this.#reads.list(opts));
  }

  /** The ids of list(), without reading the documents. */
  listIds(options: ListOptions = {}): Promise<string[]> {
    return this.#call('listIds', [options], (opts) => this.#reads.listIds(opts));
  }

  /** s3db.js's listPartition: the documents of one partition (`partition` is required). */
  listPartition(options: ListOptions & { partition: string }): Promise<Document[]> {
    return this.#checked('listPartition', [options], () => {
      if (typeof options?.partition !== 'string') throw invalidOption('partition', 'the name of a partition', options?.partition);
      return this.list(options);
    });
  }

  /** Number of documents; with `partition`, of that partition (each reference re-checked, so one GET per document). */
  count(options: CountOptions = {}): Promise<number> {
    return this.#call('count', [options], (opts) => this.#reads.count(opts));
  }

  /**
   * By cursor (one LIST per page): `{ items, nextCursor, pageSize, hasMore }`.
   * Numbered, as s3db.js: `page({ size, page })` or `page({ size, offset })` →
   * `{ items, totalItems, page, pageSize, totalPages, hasMore }` (see offset-page.ts).
   */
  page(options: PageOptions = {}): Promise<Page<StoredDocument<T>>> {
    return this.#call('page', [options], (opts) => this.#reads.page(opts));
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
    return this.#call('query', [filter, options], (where) => this.#reads.query(where, options));
  }

  /** Every document in id order, fetched `readAhead` at a time: memory stays bounded. */
  stream(options: StreamOptions = {}): AsyncIterable<StoredDocument<T>> {
    checkMethodOptions('stream', [options]);
    return this.#reads.scanner.documents(options, undefined) as AsyncIterable<StoredDocument<T>>;
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
    return this.#checked('verifyPartitions', [options], () => this.#partitions.repair.verify(options));
  }

  /**
   * Restores every missing reference and deletes every stale one (of one
   * partition or all), emitting `partitionRebuildProgress` events.
   */
  rebuildPartitions(options: RepairOptions = {}): Promise<RebuildResult> {
    return this.#call('rebuildPartitions', [options], () => this.#partitions.repair.rebuild(options));
  }

  // ---- ids and sequences (incremental ids) ---------------------------------------------------

  /** The next value of a sequence, without taking it; null unless ids are incremental. */
  getSequenceValue(field = 'id', options: CallOptions = {}): Promise<number | null> {
    return this.#checked('getSequenceValue', [field, options], async () => (this.#ids.incremental ? this.#ids.peek(field, options) : null));
  }

  /** Sets the next value of a sequence; false unless ids are incremental. */
  resetSequence(field: string, value: number, options: CallOptions = {}): Promise<boolean> {
    return this.#checked('resetSequence', [field, value, options], async () => {
      if (!this.#ids.incremental) return false;
      await this.#ids.reset(field, value, options);
      return true;
    });
  }

  /** Every sequence of the resource, `{ name, value, createdAt, updatedAt }`; null unless ids are incremental. */
  listSequences(options: CallOptions = {}): Promise<SequenceInfo[] | null> {
    return this.#checked('listSequences', [options], async () => (this.#ids.incremental ? this.#ids.list(options) : null));
  }

  /** Reserves `count` ids for this process (one conditional write): `{ start, end, current, remaining }`; null unless ids are incremental. */
  reserveIdBatch(count = 100, options: CallOptions = {}): Promise<BatchStatus | null> {
    return this.#checked('reserveIdBatch', [count, options], async () => {
      if (!Number.isInteger(count) || count < 1) throw invalidOption('count', 'a positive integer', count);
      return this.#ids.incremental ? this.#ids.reserve('id', count, options) : null;
    });
  }

  /** This process's reserved batch of a sequence `{ start, end, current, remaining }`, or null. */
  getBatchStatus(field = 'id'): BatchStatus | null {
    return this.#ids.batchStatus(field);
  }

  /** Drops this process's reserved batch; its unused values are skipped, never handed out twice. */
  releaseBatch(field = 'id'): void {
    this.#ids.releaseBatch(field);
  }

  // ---- binary content and history (s3db.js) --------------------------------------------------

  /** Stores binary content for an existing document (NotFoundError otherwise); replaces earlier content. */
  setContent(input: { id: string; buffer: Buffer | Uint8Array | string; contentType?: string }, options: CallOptions = {}): Promise<{ id: string; contentType: string; size: number }> {
    return this.#call('setContent', [input, options], async () => {
      checkOptions('setContent input', input, ['id', 'buffer', 'contentType']);
      if (!(await this.#reads.exists(input.id, options))) throw new NotFoundError(`${this.name}/${input.id} does not exist: insert it before setting its content`, { details: { resource: this.name, id: input.id } });
      await this.#content.set(input.id, input.buffer, input.contentType, options);
      const size = typeof input.buffer === 'string' ? Buffer.byteLength(input.buffer) : input.buffer.byteLength;
      return { id: input.id, contentType: input.contentType ?? 'application/octet-stream', size };
    });
  }

  /** `{ buffer, contentType }` of a document's content, both null when it has none. */
  content(id: string, options: CallOptions = {}): Promise<Content> {
    return this.#checked('content', [id, options], () => this.#content.get(id, options));
  }

  /** Whether the document has binary content (one HEAD). */
  hasContent(id: string, options: CallOptions = {}): Promise<boolean> {
    return this.#checked('hasContent', [id, options], () => this.#content.has(id, options));
  }

  /** Removes a document's content; the document itself stays. */
  deleteContent(id: string, options: CallOptions = {}): Promise<void> {
    return this.#call('deleteContent', [id, options], () => this.#content.delete(id, options));
  }

  /**
   * With `versioningEnabled`: every version of `id` that a write replaced or
   * deleted, oldest first, each `{ version, replacedAt, replacedBy, data }`.
   */
  getHistory(id: string, options: CallOptions = {}): Promise<HistoryEntry[]> {
    return this.#checked('getHistory', [id, options], async () => {
      const entries = await this.#history.list(id, options);
      return this.#config.options.autoDecrypt ? entries : entries.map((e) => ({ ...e, data: sealSecrets(this.name, this.#live.schema, this.#runtime.cipher, e.data) as Document }));
    });
  }

  // ---- extension seams -----------------------------------------------------------------------

  /** Wraps every public method (see {@link ResourceMiddleware}); the last added runs outermost. */
  use(middleware: ResourceMiddleware): this {
    this.#calls.use(middleware);
    return this;
  }

  /**
   * s3db.js's per-method middleware: `fn(ctx, next)` wraps calls of one
   * method (`insert`, `get`, …; also s3db.js's `inserted`, `updated`,
   * `deleted`, `fetched`). Same chain as {@link use}.
   */
  useMiddleware(method: string, fn: ResourceMiddleware): this {
    this.#calls.useFor(method, fn);
    return this;
  }

  /** Adds a {@link DocumentIndex} fed with every write (the partitions module registers here). */
  addIndex(index: DocumentIndex): this {
    if (!index || typeof index.onWrite !== 'function') throw invalidOption('index', 'an object with onWrite(change, options)', index);
    this.#indexes.push(index);
    return this;
  }

  /** The document indexes fed with every write, in the order added. */
  get indexes(): readonly DocumentIndex[] {
    return this.#indexes;
  }

  /** Adds a hook (`beforeInsert`, `afterGet`, …); hooks run in the order added. */
  addHook(name: HookName, hook: Hook): this {
    const list = this.#config.hooks[name];
    if (!list) throw invalidOption('hook name', `one of ${Object.keys(this.#config.hooks).join(', ')}`, name);
    if (typeof hook !== 'function') throw invalidOption(`hooks.${name}`, 'a function', hook);
    list.push(hook);
    return this;
  }

  /** Switches event delivery: true runs listeners without awaiting them, false awaits them in the call. */
  setAsyncMode(asyncEvents: boolean): this {
    if (typeof asyncEvents !== 'boolean') throw invalidOption('asyncEvents', 'a boolean', asyncEvents);
    this.#events.asyncEvents = asyncEvents;
    return this;
  }

  // ---- introspection and plugin attributes (s3db.js) -----------------------------------------

  /** The resolved configuration, as s3db.js exposes it (read-only). */
  get config(): Readonly<ResourceBehaviourOptions & { name: string; behavior: string; timestamps: boolean; partitions: StoredDefinition['partitions']; asyncPartitions: boolean; idSize: number; version: string | undefined; attributes: StoredDefinition['attributes'] }> {
    const { definition, options } = this.#config;
    return Object.freeze({ ...options, version: options.versionLabel, name: this.name, behavior: definition.behavior, timestamps: definition.timestamps, partitions: definition.partitions, asyncPartitions: definition.asyncPartitions, idSize: definition.idSize, attributes: definition.attributes });
  }

  /** The attribute definition (with `createdAt`/`updatedAt` when `timestamps` is on) and the plugin attributes. */
  get attributes(): StoredDefinition['attributes'] {
    return this.#live.attributes;
  }

  /** Attribute path → metadata key (stable across versions). */
  get mapping(): AttributeMapping {
    return this.#live.mapping;
  }

  /**
   * s3db.js's plugin field: adds `name` (a rule, as in `attributes`) to this
   * resource's schema on behalf of `pluginName`. It is recorded in the
   * catalogue, so every process reads and validates the field from its next
   * read on, whether or not it installed the plugin; the definition's hash and
   * schema version do not change. Calls of this resource wait for it; await
   * it to hear of a failure.
   *
   * @example
   * await resource.addPluginAttribute('_hasEmbedding', 'boolean|optional', 'VectorPlugin');
   */
  addPluginAttribute(name: string, rule: AttributeDefinition, pluginName: string): Promise<void> {
    return this.#live.addPluginAttribute(name, rule, pluginName);
  }

  /**
   * Takes a plugin attribute out of the schema (ConfigurationError if it
   * belongs to another plugin than `pluginName`); resolves to false when there
   * is no such plugin attribute. Documents written with it stay readable.
   */
  removePluginAttribute(name: string, pluginName: string | null = null): Promise<boolean> {
    return this.#live.removePluginAttribute(name, pluginName);
  }

  /** The plugin attributes in the schema: name → { rule, plugin }. */
  get pluginAttributes(): Record<string, { rule: AttributeDefinition; plugin: string }> {
    return this.#live.pluginAttributes;
  }

  /**
   * @internal createResource with an unchanged definition returns this same
   * resource and takes the options that are not stored in the catalogue.
   */
  adoptRuntimeOptions(config: ResolvedConfig): void {
    if (config.idGenerator) this.#config.idGenerator = config.idGenerator;
    if (config.options.idPlan) this.#ids.plan = config.options.idPlan;
    this.#config.updateAttempts = config.updateAttempts;
    this.#config.partitionQueue = config.partitionQueue;
    this.#partitions.options = config.partitionQueue;
    this.#config.options = config.options;
    this.#events.asyncEvents = config.options.asyncEvents;
    for (const [name, listeners] of Object.entries(config.options.events)) {
      for (const fn of listeners) if (!this.listeners(name).includes(fn)) this.on(name, fn);
    }
    for (const [name, hooks] of Object.entries(config.hooks) as [HookName, Hook[]][]) {
      const list = this.#config.hooks[name];
      for (const hook of hooks) if (!list.includes(hook)) list.push(hook);
    }
  }
}
