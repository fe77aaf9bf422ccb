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
import { ConflictError, NotFoundError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import type { ExecutorPool } from '../core/executor-pool.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { AttributeMapping } from './attribute-mapping.js';
import type { Behavior } from './behaviors.js';
import { mapBounded } from './bounded-map.js';
import { isPlainObject } from './codec.js';
import { deepMerge } from './deep-merge.js';
import type { Document } from './document-codec.js';
import { assertValidId, DocumentKeys } from './document-keys.js';
import type { FieldCipher } from './field-cipher.js';
import type { QueryFilter } from './query-filter.js';
import type { ResolvedConfig } from './resource-config.js';
import { ResourceScanner } from './resource-scan.js';
import { callThrough } from './resource-middleware.js';
import { runQuery } from './resource-query.js';
import { isNumberedPage, numberedPage } from './offset-page.js';
import { Catalogue } from './catalogue.js';
import { ResourcePartitions } from './resource-partitions.js';
import { DocumentWriter } from './resource-writer.js';
import type { PartitionHost } from './partitions/partition-host.js';
import type { GetFromPartitionInput } from './partitions/partition-reader.js';
import type { DeepPartial, DocumentShape, StoredDocument, WriteInput } from './document-types.js';
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
import type { AttributeDefinition, FieldSpec } from './schema.js';
import type { CatalogueResource } from './catalogue.js';
import { ResourceSchema, type EntryChange } from './resource-schema.js';
import type { ResourceVersion } from './resource-version.js';
import { compileIdRule, type IdCheck } from './id-rule.js';
import { PasswordFields } from './password-fields.js';
import { DocumentContent, type Content } from './document-content.js';
import type { Readable, Writable } from 'node:stream';
import { documentReadable, documentWritable, type ReadableOptions, type WritableOptions } from './resource-streams.js';
import { EventDelivery } from './resource-events.js';
import { hookPair, methodEvent, runAfterHooks, runBeforeHooks, WRITER_HOOKED } from './resource-hooks.js';
import { assertNotParanoid, wipePrefix } from './resource-wipe.js';
import { openSecrets, sealSecrets } from './sealed-output.js';
import { DocumentHistory, type HistoryEntry } from './resource-history.js';
import { IdSource, type BatchStatus } from './ids/id-source.js';
import { SequenceStore, type SequenceInfo } from './ids/sequence-store.js';
import type { ResourceBehaviourOptions } from './resource-options.js';

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

export type { ResourceVersion };

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
  readonly keys: DocumentKeys;
  /** Undefined when the resource has no secret field. */
  readonly secrets: ResourceSecrets | undefined;
  readonly #runtime: ResourceRuntime;
  readonly #config: ResolvedConfig;
  readonly #live: ResourceSchema;
  readonly #scanner: ResourceScanner;
  readonly #middleware: ResourceMiddleware[] = [];
  readonly #indexes: DocumentIndex[] = [];
  readonly #partitions: ResourcePartitions;
  readonly #writer: DocumentWriter;
  readonly #idCheck: IdCheck | undefined;
  readonly #events: EventDelivery;
  readonly #history: DocumentHistory;
  readonly #ids: IdSource;
  readonly #passwords: PasswordFields;
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
    const entry = runtime.catalogueEntry;
    this.#live = new ResourceSchema({ resource: config.name, definition: config.definition, cipher: runtime.cipher, withholdSecrets: runtime.withholdSecrets, version, entry: entry && ((change) => entry(config.name, change)) });
    // Plugin attributes are never secret: the secret fields are the definition's and older versions'.
    const secretFields = [...this.#live.schema.fields, ...version.legacyFields.values()].filter((f) => f.secret);
    this.secrets = secretFields.length > 0 && runtime.cipher ? { fields: secretFields, cipher: runtime.cipher } : undefined;
    this.#idCheck = compileIdRule(config.name, config.definition.attributes);
    this.#passwords = new PasswordFields(config.name, config.definition.attributes, runtime.bcryptRounds);
    this.#ids = new IdSource(
      config.options.idPlan ?? { kind: 'random', size: config.definition.idSize, alphabet: undefined },
      new SequenceStore({ resource: config.name, store: runtime.store, run: (fn, options) => this.#run(fn, options) }),
    );
    this.#events = new EventDelivery(this, config.options.asyncEvents, config.options.events);
    this.#scanner = new ResourceScanner(runtime.pool, runtime.store, this.keys, (id, options) => this.#read(id, options).then((r) => r.doc, nullIfMissing));
    const live = this.#live;
    this.#writer = new DocumentWriter({
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
      store: runtime.store,
      indexes: this.#indexes,
      run: (fn, options) => this.#run(fn, options),
      read: (id, options) => this.#read(id, options),
      emit: (event, ...args) => this.#events.emit(event, args),
    });
    this.#partitions = new ResourcePartitions(this.#partitionHost(), config.definition, config.partitionQueue);
    if (this.#partitions.index) this.addIndex(this.#partitions.index);
    this.#history = new DocumentHistory({
      resource: this.name,
      store: runtime.store,
      enabled: () => this.#config.options.versioningEnabled ?? runtime.versioningEnabled,
      run: (fn, options) => this.#run(fn, options),
      seal: (doc) => sealSecrets(this.name, this.#live.schema, runtime.cipher, doc) as Document,
      open: (doc) => openSecrets(this.name, this.#live.schema, runtime.cipher, doc) as Document,
    });
    this.addIndex(this.#history);
    this.#content = new DocumentContent({ resource: this.name, store: runtime.store, run: (fn, options) => this.#run(fn, options) });
    this.addIndex(this.#content);
  }

  // ---- binary content (s3db.js) ---------------------------------------------------------------

  /** Stores binary content for an existing document (NotFoundError otherwise); replaces earlier content. */
  setContent(input: { id: string; buffer: Buffer | Uint8Array | string; contentType?: string }, options: CallOptions = {}): Promise<{ id: string; contentType: string; size: number }> {
    return this.#call('setContent', [input, options], async () => {
      if (!input || typeof input !== 'object') throw invalidOption('setContent input', 'an object { id, buffer, contentType }', input);
      if (!(await this.exists(input.id, options))) throw new NotFoundError(`${this.name}/${input.id} does not exist: insert it before setting its content`, { details: { resource: this.name, id: input.id } });
      await this.#content.set(input.id, input.buffer, input.contentType, options);
      const size = typeof input.buffer === 'string' ? Buffer.byteLength(input.buffer) : input.buffer.byteLength;
      return { id: input.id, contentType: input.contentType ?? 'application/octet-stream', size };
    });
  }

  /** `{ buffer, contentType }` of a document's content, both null when it has none. */
  content(id: string, options: CallOptions = {}): Promise<Content> {
    return this.#content.get(id, options);
  }

  hasContent(id: string, options: CallOptions = {}): Promise<boolean> {
    return this.#content.has(id, options);
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
    return this.#history.list(id, options).then((entries) => (this.#config.options.autoDecrypt ? entries : entries.map((e) => ({ ...e, data: sealSecrets(this.name, this.#live.schema, this.#runtime.cipher, e.data) as Document }))));
  }

  // ---- extension seams -------------------------------------------------------------------

  /** Wraps every public method (see {@link ResourceMiddleware}); the last added runs outermost. */
  use(middleware: ResourceMiddleware): this {
    if (typeof middleware !== 'function') throw invalidOption('middleware', 'a function (call, next) => Promise', middleware);
    this.#middleware.push(middleware);
    return this;
  }

  /**
   * s3db.js's per-method middleware: `fn(ctx, next)` wraps calls of one
   * method (`insert`, `get`, …; also s3db.js's `inserted`, `updated`,
   * `deleted`, `fetched`). Same chain as {@link use}.
   */
  useMiddleware(method: string, fn: ResourceMiddleware): this {
    const target = MIDDLEWARE_ALIASES[method] ?? method;
    if (!MIDDLEWARE_METHODS.has(target)) throw invalidOption('method', `one of ${[...MIDDLEWARE_METHODS, ...Object.keys(MIDDLEWARE_ALIASES)].join(', ')}`, method);
    if (typeof fn !== 'function') throw invalidOption('middleware', 'a function (ctx, next) => Promise', fn);
    return this.use((call, next) => (call.method === target ? fn(call, next) : next()));
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

  /**
   * Runs a public method: middleware around `before<Method>` hooks (which may
   * replace the first argument, passed to `impl`), the method, `after<Method>`
   * hooks (which may replace the result), then the method's event.
   */
  // R is the calling method's declared return type (inferred from it): documents are typed by the schema, not by the codec.
  #call<T, A = unknown, R = T>(method: ResourceMethod, args: readonly [A, ...unknown[]], impl: (first: A) => Promise<T>): Promise<R> {
    const events = this.#events;
    const options = this.#config.options;
    const hooks = this.#config.hooks;
    const [beforeName, afterName] = hookPair(method);
    const hooked = !WRITER_HOOKED.has(method) && ((hooks[beforeName]?.length ?? 0) > 0 || (hooks[afterName]?.length ?? 0) > 0);
    const run = async (): Promise<T> => {
      // A plugin attribute being recorded is part of the schema this call validates and writes with.
      // Only when one is pending: an extra tick would let later calls overtake earlier ones.
      const pending = this.#live.settled();
      if (pending) await pending;
      let result = hooked ? await impl(await runBeforeHooks(hooks[beforeName], this, args[0])) : await impl(args[0]);
      if (hooked) result = await runAfterHooks(hooks[afterName], this, result);
      const event = methodEvent(method, args, result);
      if (event) events.emit(event[0], [event[1]]);
      if (!events.asyncEvents) await events.settle();
      return result;
    };
    const called = callThrough(this.#middleware, { resource: this as Resource, method, args: args as unknown as unknown[] }, run);
    if (options.autoDecrypt || !SEALED_OUTPUT.has(method)) return called as Promise<unknown> as Promise<R>;
    return called.then((result) => sealSecrets(this.name, this.#live.schema, this.#runtime.cipher, result) as R);
  }

  // ---- s3db.js options and introspection -------------------------------------------------------

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

  /** Switches event delivery: true runs listeners without awaiting them, false awaits them in the call. */
  setAsyncMode(asyncEvents: boolean): this {
    if (typeof asyncEvents !== 'boolean') throw invalidOption('asyncEvents', 'a boolean', asyncEvents);
    this.#events.asyncEvents = asyncEvents;
    return this;
  }

  /**
   * Deletes every document (hooks, references and events as for delete).
   * Refused while the resource is `paranoid` (the default).
   */
  deleteAll(options: CallOptions = {}): Promise<{ deletedCount: number }> {
    return this.#call('deleteAll', [options], async () => {
      assertNotParanoid(this.name, this.#config.options.paranoid, 'deleteAll');
      let deletedCount = 0;
      for await (const ids of this.#scanner.idPages(options)) {
        const results = await mapBounded(ids, this.#window(), (id) => this.#writer.delete(id, options).then(() => 1, (err: unknown) => nullIfMissing(err) ?? 0));
        deletedCount += results.reduce((a: number, b) => a + b, 0);
      }
      return { deletedCount };
    });
  }

  /**
   * Removes every object of the resource (documents, partition references,
   * sequences, history, content) without per-document hooks or events.
   * Refused while the resource is `paranoid` (the default).
   */
  deleteAllData(options: CallOptions = {}): Promise<{ deletedCount: number }> {
    return this.#call('deleteAllData', [options], async () => {
      assertNotParanoid(this.name, this.#config.options.paranoid, 'deleteAllData');
      const deletedCount = await wipePrefix({ store: this.#runtime.store, run: (fn, o) => this.#run(fn, o) }, `resource=${this.name}/`, options);
      return { deletedCount };
    });
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** Reads one document: exactly one request, also when it does not exist (NotFoundError). */
  get(id: string, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('get', [id, options], async (first) => (await this.#read(first, options)).doc);
  }

  /** Reads many documents; the result is aligned with `ids`, `null` where a document does not exist. */
  getMany(ids: readonly string[], options: CallOptions = {}): Promise<(StoredDocument<T> | null)[]> {
    return this.#call('getMany', [ids, options], async (first) => {
      if (!Array.isArray(first)) throw invalidOption('ids', 'an array of ids', first);
      return mapBounded(first, this.#window(), (id) => this.#read(id, options).then((r) => r.doc, nullIfMissing));
    });
  }

  /** One HEAD request. */
  exists(id: string, options: CallOptions = {}): Promise<boolean> {
    return this.#call('exists', [id, options], async (first) => {
      assertValidId(first);
      const key = this.keys.key(first);
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
    return this.#call('list', [options], (opts) => this.#list(opts));
  }

  async #list(options: ListOptions): Promise<Document[]> {
    if (isPartitionLookup(options)) return this.#partitions.reader.list(options);
    const ids = await this.#scanner.ids(options);
    const docs = await mapBounded(ids, this.#window(), (id) => this.#read(id, options).then((r) => r.doc, nullIfMissing));
    return docs.filter((d): d is Document => d !== null);
  }

  listIds(options: ListOptions = {}): Promise<string[]> {
    return this.#call('listIds', [options], (opts) => (isPartitionLookup(opts) ? this.#partitions.reader.listIds(opts) : this.#scanner.ids(opts)));
  }

  /** Number of documents; with `partition`, of that partition (each reference re-checked, so one GET per document). */
  count(options: CountOptions = {}): Promise<number> {
    return this.#call('count', [options], (opts) => (isPartitionLookup(opts) ? this.#partitions.reader.count(opts) : this.#scanner.count(opts)));
  }

  /** One LIST per page; `nextCursor` is opaque and null after the last page. */
  /**
   * By cursor (one LIST per page): `{ items, nextCursor, pageSize, hasMore }`.
   * Numbered, as s3db.js: `page({ size, page })` or `page({ size, offset })` →
   * `{ items, totalItems, page, pageSize, totalPages, hasMore }` (see offset-page.ts).
   */
  page(options: PageOptions = {}): Promise<Page<StoredDocument<T>>> {
    return this.#call('page', [options], async (opts) => {
      if (isNumberedPage(opts)) return numberedPage(opts, { list: (o) => this.#list(o), count: (o) => (isPartitionLookup(o) ? this.#partitions.reader.count(o) : this.#scanner.count(o)) });
      const size = opts.size ?? 100;
      if (isPartitionLookup(opts)) {
        const page = await this.#partitions.reader.page(opts);
        return { ...page, pageSize: size, hasMore: page.nextCursor !== null };
      }
      const { ids, nextCursor } = await this.#scanner.page(opts);
      const docs = await mapBounded(ids, this.#window(), (id) => this.#read(id, opts).then((r) => r.doc, nullIfMissing));
      return { items: docs.filter((d): d is Document => d !== null), nextCursor, pageSize: size, hasMore: nextCursor !== null };
    });
  }

  /** Every document (s3db.js's getAll): list() without paging. */
  getAll(options: CallOptions = {}): Promise<Document[]> {
    return this.#call('getAll', [options], (opts) => this.#list(opts));
  }

  /** The document, or null when it does not exist. */
  getOrNull(id: string, options: CallOptions = {}): Promise<Document | null> {
    return this.get(id, options).catch(nullIfMissing);
  }

  /** The document; NotFoundError when it does not exist (same as get). */
  getOrThrow(id: string, options: CallOptions = {}): Promise<Document> {
    return this.get(id, options);
  }

  /** s3db.js's listPartition: the documents of one partition. */
  listPartition(options: { partition: string; partitionValues?: Record<string, unknown>; limit?: number; offset?: number } & CallOptions): Promise<Document[]> {
    if (!options || typeof options.partition !== 'string') throw invalidOption('partition', 'the name of a partition', options?.partition);
    return this.list(options);
  }

  /**
   * Updates only if the document's ETag is still `ifMatch` (from a previous
   * updateConditional or getEtag): `{ success: true, data, etag }`, or
   * `{ success: false, error }` when it changed or does not exist.
   */
  updateConditional(id: string, changes: Record<string, unknown>, options: CallOptions & { ifMatch: string }): Promise<ConditionalResult> {
    return this.#call('updateConditional', [id, changes, options], async () => {
      if (!options || typeof options.ifMatch !== 'string' || options.ifMatch === '') throw invalidOption('ifMatch', 'the ETag the document must still have', options?.ifMatch);
      checkChanges(id, changes);
      const hashed = await this.#passwords.hash(changes);
      try {
        const data = await this.#writer.modify(id, (before) => deepMerge(before, withoutId(hashed)), { ...options, [EXPECTED_ETAG]: options.ifMatch } as CallOptions);
        return { success: true, data, etag: (await this.getEtag(id, options)) ?? undefined };
      } catch (err) {
        if (err instanceof ConflictError || err instanceof NotFoundError) return { success: false, error: err.message };
        throw err;
      }
    });
  }

  /** The document's current ETag (one HEAD), or null when it does not exist. */
  getEtag(id: string, options: CallOptions = {}): Promise<string | null> {
    assertValidId(id);
    return this.#run((signal) => this.#runtime.store.headObject({ key: this.keys.key(id), signal }), options).then((head) => head.etag, nullIfMissing);
  }

  /**
   * Documents whose fields equal the filter's values. Uses a {@link DocumentIndex}
   * that can narrow the candidates when one is registered, else scans.
   */
  query(filter: QueryFilter = {}, options: ListOptions = {}): Promise<StoredDocument<T>[]> {
    return this.#call('query', [filter, options], async (where) => {
      const lookup = isPartitionLookup(options) ? this.#partitions.reader.lookup(options) : undefined;
      return runQuery(where, options, { indexes: this.#indexes, lookup, scanner: this.#scanner, readAhead: Math.max(16, Math.min(this.#window(), 256)) });
    });
  }

  /** Every document in id order, fetched `readAhead` at a time: memory stays bounded. */
  stream(options: StreamOptions = {}): AsyncIterable<StoredDocument<T>> {
    return this.#scanner.documents(options, undefined) as AsyncIterable<StoredDocument<T>>;
  }

  /** A Node Readable (object mode) of every document in id order, as s3db.js's readable(). */
  readable(options: ReadableOptions & CallOptions = {}): Readable {
    return documentReadable((readAhead) => this.stream({ ...options, readAhead }), options);
  }

  /** A Node Writable (object mode) that inserts what is written to it; errors with the first failed insert. */
  writable(options: WritableOptions & CallOptions = {}): Writable {
    return documentWritable((doc) => this.insert(doc as WriteInput<In>, options), options);
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
      call: (method, args, fn) => this.#call(method, args as [unknown, ...unknown[]], () => fn()),
      emit: (event, payload) => this.emit(event, payload),
      window: () => this.#window(),
    };
  }

  // ---- writes --------------------------------------------------------------------------------

  /** Validates and stores a new document: one conditional PUT (fails with ConflictError if the id exists). */
  insert(data: WriteInput<In>, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('insert', [data, options], async () => this.#writer.insert(await this.#withId(data as Record<string, unknown>, options), options));
  }

  /** The data with its id: the given one or a generated one, checked against an `id` attribute rule. */
  async #withId(input: Record<string, unknown>, options: CallOptions): Promise<Record<string, unknown>> {
    if (!isPlainObject(input)) throw invalidOption('data', 'a document object', input);
    const data = await this.#passwords.hash(input);
    const withId = data.id === undefined ? { ...data, id: await this.#ids.next(options) } : data;
    assertValidId(withId.id);
    this.#idCheck?.(withId.id);
    return withId;
  }

  // ---- sequences (incremental ids) -----------------------------------------------------------

  /** The next value of a sequence, without taking it; null unless ids are incremental. */
  async getSequenceValue(field = 'id', options: CallOptions = {}): Promise<number | null> {
    return this.#ids.incremental ? this.#ids.peek(field, options) : null;
  }

  /** Sets the next value of a sequence; false unless ids are incremental. */
  async resetSequence(field: string, value: number, options: CallOptions = {}): Promise<boolean> {
    if (!this.#ids.incremental) return false;
    await this.#ids.reset(field, value, options);
    return true;
  }

  /** Every sequence of the resource, `{ name, value, createdAt, updatedAt }`; null unless ids are incremental. */
  async listSequences(options: CallOptions = {}): Promise<SequenceInfo[] | null> {
    return this.#ids.incremental ? this.#ids.list(options) : null;
  }

  /** Reserves `count` ids for this process (one conditional write): `{ start, end, current, remaining }`. */
  async reserveIdBatch(count = 100, options: CallOptions = {}): Promise<BatchStatus | null> {
    if (!Number.isInteger(count) || count < 1) throw invalidOption('count', 'a positive integer', count);
    return this.#ids.incremental ? this.#ids.reserve('id', count, options) : null;
  }

  getBatchStatus(field = 'id'): BatchStatus | null {
    return this.#ids.batchStatus(field);
  }

  /** Drops this process's reserved batch; its unused values are skipped, never handed out twice. */
  releaseBatch(field = 'id'): void {
    this.#ids.releaseBatch(field);
  }

  /** Inserts every item; the result has one entry per item, in order, failures included. */
  insertMany(items: readonly WriteInput<In>[], options: CallOptions = {}): Promise<BulkResult<StoredDocument<T>>[]> {
    return this.#call('insertMany', [items, options], async (list) => {
      if (!Array.isArray(list)) throw invalidOption('items', 'an array of documents', list);
      return mapBounded(list, this.#window(), (item, index) =>
        this.#withId(item, options).then((withId) => this.#writer.insert(withId, options)).then(
          (doc): BulkResult<Document> => ({ index, ok: true, id: doc.id, value: doc }),
          (error: Error): BulkResult<Document> => ({ index, ok: false, id: isPlainObject(item) && typeof item.id === 'string' ? item.id : undefined, error }),
        ),
      );
    });
  }

  /** Deep-merges `changes` into the stored document (GET + conditional PUT, retried on conflict). */
  update(id: string, changes: DeepPartial<In>, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('update', [id, changes, options], async () => {
      checkChanges(id, changes);
      const hashed = await this.#passwords.hash(changes);
      return this.#writer.modify(id, (before) => deepMerge(before, withoutId(hashed)), options);
    });
  }

  /** Sets top-level fields (no deep merge), conditionally like update. */
  patch(id: string, fields: Partial<In>, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('patch', [id, fields, options], async () => {
      checkChanges(id, fields);
      const hashed = await this.#passwords.hash(fields);
      return this.#writer.modify(id, (before) => ({ ...before, ...withoutUndefined(hashed) }), options);
    });
  }

  /**
   * Replaces the whole document, conditionally on the ETag read; a missing
   * document is created (If-None-Match, so a concurrent insert is never
   * overwritten: the replace then applies to it).
   */
  replace(id: string, data: In, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('replace', [id, data, options], async () => {
      checkChanges(id, data);
      this.#idCheck?.(id);
      const hashed = await this.#passwords.hash(data);
      return this.#modifyOrInsert('replace', id, (before) => this.#writer.keepCreatedAt(before, withoutId(hashed)), hashed, options);
    });
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
    const data = first;
    const options = (second ?? {}) as CallOptions;
    return this.#call('upsert', [data, options], async () => {
      if (!isPlainObject(data)) throw invalidOption('data', 'a document object', data);
      if (data.id === undefined) return this.#writer.insert(await this.#withId(data, options), options);
      const id = data.id as string;
      assertValidId(id);
      this.#idCheck?.(id);
      const hashed = await this.#passwords.hash(data);
      return this.#modifyOrInsert('upsert', id, (before) => deepMerge(before, withoutId(hashed)), hashed, options);
    });
  }

  /** Modifies the document, or inserts `data` (If-None-Match) when it does not exist; a lost race re-applies to the winner's. */
  async #modifyOrInsert(method: string, id: string, transform: (before: Record<string, unknown>) => Record<string, unknown>, data: Record<string, unknown>, options: CallOptions): Promise<Document> {
    for (let attempt = 0; attempt < this.#config.updateAttempts; attempt++) {
      try {
        return await this.#writer.modify(id, transform, options);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      try {
        return await this.#writer.insert({ ...data, id }, options);
      } catch (err) {
        // Someone inserted it between our read and our write: apply to theirs.
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    throw new ConflictError(`${method} of ${this.name}/${id} kept racing with concurrent inserts and deletes; try again`);
  }

  /** Deletes a document (NotFoundError if missing); returns what was deleted. */
  delete(id: string, options: CallOptions = {}): Promise<StoredDocument<T>> {
    return this.#call('delete', [id, options], () => this.#writer.delete(id, options));
  }

  /** Deletes every id; one result per id, in order, failures included. */
  deleteMany(ids: readonly string[], options: CallOptions = {}): Promise<BulkResult<StoredDocument<T>>[]> {
    return this.#call('deleteMany', [ids, options], async (list) => {
      if (!Array.isArray(list)) throw invalidOption('ids', 'an array of ids', list);
      return mapBounded(list, this.#window(), (id, index) =>
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
    return this.#config.options.parallelism ?? Math.max(8, this.#runtime.pool.concurrency * 2);
  }

  async #read(id: string, options: CallOptions): Promise<ReadResult> {
    assertValidId(id);
    const key = this.keys.key(id);
    const object = await this.#run((signal) => this.#runtime.store.getObject({ key, signal }), options).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw new NotFoundError(`${this.name}/${id} does not exist`, { cause: err, details: { resource: this.name, id } });
      throw err;
    });
    // updateConditional: the write goes ahead only from the version the caller saw.
    const expected = (options as { [EXPECTED_ETAG]?: string })[EXPECTED_ETAG];
    if (expected !== undefined && object.etag !== expected) {
      throw new ConflictError(`${this.name}/${id} changed: its ETag is no longer ${expected}`, { details: { resource: this.name, id, ifMatch: expected, etag: object.etag } });
    }
    return { doc: await this.#live.decode(id, object), etag: object.etag };
  }

}

async function* allIds(scanner: ResourceScanner, options: CallOptions): AsyncGenerator<string> {
  for await (const page of scanner.idPages(options)) yield* page;
}

const MIDDLEWARE_ALIASES: Record<string, string> = { inserted: 'insert', updated: 'update', deleted: 'delete', fetched: 'get' };
const MIDDLEWARE_METHODS: ReadonlySet<string> = new Set([
  'insert', 'insertMany', 'get', 'getMany', 'getAll', 'exists', 'update', 'patch', 'replace', 'upsert', 'delete', 'deleteMany', 'deleteAll', 'deleteAllData',
  'list', 'listIds', 'count', 'page', 'query', 'getFromPartition', 'updateConditional', 'setContent', 'deleteContent',
]);

const EXPECTED_ETAG = Symbol('expected ETag');

/** What updateConditional resolves to, as s3db.js shapes it. */
export type ConditionalResult = { success: true; data: Document; etag: string | undefined } | { success: false; error: string };

/** Methods whose results carry documents (sealed again under `autoDecrypt: false`). */
const SEALED_OUTPUT: ReadonlySet<ResourceMethod> = new Set(['get', 'getMany', 'getAll', 'list', 'page', 'query', 'getFromPartition', 'insert', 'update', 'patch', 'replace', 'upsert', 'delete']);

function isPartitionLookup(options: { partition?: unknown; partitionValues?: unknown }): boolean {
  if (options.partition !== undefined) return true;
  if (options.partitionValues !== undefined) throw invalidOption('partition', 'the name of a partition when `partitionValues` is given', options.partition);
  return false;
}
