/**
 * The half of Resource's public face that is not reading or writing
 * documents: partition upkeep (stats, recovery, verify and rebuild),
 * incremental ids and sequences, binary content and history, the extension
 * seams (middleware, hooks, document indexes, event mode) and introspection
 * (config, attributes, mapping, plugin attributes). Resource (resource.ts)
 * extends it with the document methods.
 */
import { EventEmitter } from 'node:events';
import { NotFoundError } from '../core/errors.js';
import { checkOptions, invalidOption } from '../core/options.js';
import type { AttributeMapping } from './attribute-mapping.js';
import type { Behavior } from './behaviors.js';
import type { Content } from './document-content.js';
import type { Document } from './document-codec.js';
import { DocumentKeys } from './document-keys.js';
import type { FieldCipher } from './field-cipher.js';
import type { BatchStatus } from './ids/id-source.js';
import type { SequenceInfo } from './ids/sequence-store.js';
import type { PartitionFailure, PartitionStats } from './partitions/partition-queue.js';
import type { RebuildResult, RepairOptions, VerifyResult } from './partitions/partition-repair.js';
import { runChecked } from './resource-calls.js';
import type { ResolvedConfig } from './resource-config.js';
import type { HistoryEntry } from './resource-history.js';
import type { ResourceBehaviourOptions } from './resource-options.js';
import { assembleParts, type ResourceParts, type ResourceRuntime } from './resource-parts.js';
import type { CallOptions, DocumentIndex, Hook, HookName, ResourceMiddleware, StoredDefinition } from './resource-types.js';
import type { ResourceVersion } from './resource-version.js';
import type { Resource } from './resource.js';
import type { AttributeDefinition, FieldSpec } from './schema.js';
import { sealSecrets } from './sealed-output.js';

/** A resource's secret fields and the cipher sealing them, for plugins that keep documents outside storage (the cache). */
export interface ResourceSecrets {
  /** Every secret field of the current and of older schema versions (old documents still carry those). */
  readonly fields: readonly FieldSpec[];
  readonly cipher: FieldCipher;
}

export abstract class ResourceBase extends EventEmitter {
  readonly name: string;
  readonly version: string;
  readonly definition: StoredDefinition;
  readonly behavior: Behavior;
  readonly keys: DocumentKeys;
  /** Undefined when the resource has no secret field. */
  readonly secrets: ResourceSecrets | undefined;
  /** @internal The parts the methods delegate to (resource-parts.ts). */
  protected readonly parts: ResourceParts;

  constructor(runtime: ResourceRuntime, config: ResolvedConfig, version: ResourceVersion) {
    super();
    this.name = config.name;
    this.version = version.version;
    this.definition = config.definition;
    this.behavior = config.definition.behavior;
    this.keys = new DocumentKeys(config.name);
    // Only a Resource is ever built: this class is its upper half.
    this.parts = assembleParts(this as unknown as Resource, this.keys, runtime, config, version);
    // Plugin attributes are never secret: the secret fields are the definition's and older versions'.
    const secretFields = [...this.parts.live.schema.fields, ...version.legacyFields.values()].filter((f) => f.secret);
    this.secrets = secretFields.length > 0 && runtime.cipher ? { fields: secretFields, cipher: runtime.cipher } : undefined;
  }

  // ---- partition upkeep ----------------------------------------------------------------------

  /** Resolves when no partition reference work is queued, running or waiting to retry; returns the stats then. */
  flushPartitions(): Promise<PartitionStats> {
    return this.parts.partitions.flush();
  }

  /** The partition reference queue, read-only: `stats()`, `failures()`, `flush()`. */
  get partitionQueue(): { stats(): PartitionStats; failures(): PartitionFailure[]; flush(): Promise<PartitionStats> } {
    const partitions = this.parts.partitions;
    return { stats: () => partitions.stats(), failures: () => partitions.queue.failures(), flush: () => partitions.flush() };
  }

  /**
   * `{ pending, failed, retried }` of the partition reference queue, and of
   * crash recovery: `intents` (left in storage by a writer that stopped
   * between a document write and its references, not settled yet) and
   * `recovered` (their documents brought in line).
   */
  partitionStats(): PartitionStats {
    return this.parts.partitions.stats();
  }

  /**
   * Looks for intents that stopped writers left in storage (one LIST per
   * 1000) and repairs the documents of those older than
   * `partitionQueue.recoveryGrace`; resolves with the stats once done. The
   * resource does this by itself when it opens: call it to pick up writers
   * that died since.
   */
  async recoverPartitions(): Promise<PartitionStats> {
    await this.parts.partitions.recovery.scan();
    return this.parts.partitions.flush();
  }

  /** @internal The database waits for this at open: the intents in storage are known. */
  partitionsOpened(): Promise<void> {
    return this.parts.partitions.recovery.ready();
  }

  /** @internal The database is closing: no more recovery timers. */
  closePartitions(): void {
    this.parts.partitions.recovery.stop();
  }

  /** Documents whose reference work failed every attempt, until repaired (by a write, a rebuild or retryPartitions()). */
  partitionFailures(): PartitionFailure[] {
    return this.parts.partitions.queue.failures();
  }

  /** Queues every recorded failure again; resolves when the queue is empty. */
  async retryPartitions(): Promise<PartitionStats> {
    this.parts.partitions.queue.retryFailed().catch(() => undefined);
    return this.parts.partitions.flush();
  }

  /**
   * Compares every document with the references (streaming, bounded memory):
   * `{ checked, references, missing, stale }`. Changes nothing.
   */
  verifyPartitions(options: RepairOptions = {}): Promise<VerifyResult> {
    return runChecked('verifyPartitions', [options], () => this.parts.partitions.repair.verify(options));
  }

  /**
   * Restores every missing reference and deletes every stale one (of one
   * partition or all), emitting `partitionRebuildProgress` events.
   */
  rebuildPartitions(options: RepairOptions = {}): Promise<RebuildResult> {
    return this.parts.calls.run('rebuildPartitions', [options], () => this.parts.partitions.repair.rebuild(options));
  }

  // ---- ids and sequences (incremental ids) ---------------------------------------------------

  /** The next value of a sequence, without taking it; null unless ids are incremental. */
  getSequenceValue(field = 'id', options: CallOptions = {}): Promise<number | null> {
    return runChecked('getSequenceValue', [field, options], async () => (this.parts.ids.incremental ? this.parts.ids.peek(field, options) : null));
  }

  /** Sets the next value of a sequence; false unless ids are incremental. */
  resetSequence(field: string, value: number, options: CallOptions = {}): Promise<boolean> {
    return runChecked('resetSequence', [field, value, options], async () => {
      if (!this.parts.ids.incremental) return false;
      await this.parts.ids.reset(field, value, options);
      return true;
    });
  }

  /** Every sequence of the resource, `{ name, value, createdAt, updatedAt }`; null unless ids are incremental. */
  listSequences(options: CallOptions = {}): Promise<SequenceInfo[] | null> {
    return runChecked('listSequences', [options], async () => (this.parts.ids.incremental ? this.parts.ids.list(options) : null));
  }

  /** Reserves `count` ids for this process (one conditional write): `{ start, end, current, remaining }`; null unless ids are incremental. */
  reserveIdBatch(count = 100, options: CallOptions = {}): Promise<BatchStatus | null> {
    return runChecked('reserveIdBatch', [count, options], async () => {
      if (!Number.isInteger(count) || count < 1) throw invalidOption('count', 'a positive integer', count);
      return this.parts.ids.incremental ? this.parts.ids.reserve('id', count, options) : null;
    });
  }

  /** This process's reserved batch of a sequence `{ start, end, current, remaining }`, or null. */
  getBatchStatus(field = 'id'): BatchStatus | null {
    return this.parts.ids.batchStatus(field);
  }

  /** Drops this process's reserved batch; its unused values are skipped, never handed out twice. */
  releaseBatch(field = 'id'): void {
    this.parts.ids.releaseBatch(field);
  }

  // ---- binary content and history (s3db.js) --------------------------------------------------

  /** Stores binary content for an existing document (NotFoundError otherwise); replaces earlier content. */
  setContent(input: { id: string; buffer: Buffer | Uint8Array | string; contentType?: string }, options: CallOptions = {}): Promise<{ id: string; contentType: string; size: number }> {
    return this.parts.calls.run('setContent', [input, options], async () => {
      checkOptions('setContent input', input, ['id', 'buffer', 'contentType']);
      if (!(await this.parts.reads.exists(input.id, options))) throw new NotFoundError(`${this.name}/${input.id} does not exist: insert it before setting its content`, { details: { resource: this.name, id: input.id } });
      await this.parts.content.set(input.id, input.buffer, input.contentType, options);
      const size = typeof input.buffer === 'string' ? Buffer.byteLength(input.buffer) : input.buffer.byteLength;
      return { id: input.id, contentType: input.contentType ?? 'application/octet-stream', size };
    });
  }

  /** `{ buffer, contentType }` of a document's content, both null when it has none. */
  content(id: string, options: CallOptions = {}): Promise<Content> {
    return runChecked('content', [id, options], () => this.parts.content.get(id, options));
  }

  /** Whether the document has binary content (one HEAD). */
  hasContent(id: string, options: CallOptions = {}): Promise<boolean> {
    return runChecked('hasContent', [id, options], () => this.parts.content.has(id, options));
  }

  /** Removes a document's content; the document itself stays. */
  deleteContent(id: string, options: CallOptions = {}): Promise<void> {
    return this.parts.calls.run('deleteContent', [id, options], () => this.parts.content.delete(id, options));
  }

  /**
   * With `versioningEnabled`: every version of `id` that a write replaced or
   * deleted, oldest first, each `{ version, replacedAt, replacedBy, data }`.
   */
  getHistory(id: string, options: CallOptions = {}): Promise<HistoryEntry[]> {
    return runChecked('getHistory', [id, options], async () => {
      const entries = await this.parts.history.list(id, options);
      return this.parts.config.options.autoDecrypt ? entries : entries.map((e) => ({ ...e, data: sealSecrets(this.name, this.parts.live.schema, this.parts.runtime.cipher, e.data) as Document }));
    });
  }

  // ---- extension seams -----------------------------------------------------------------------

  /** Wraps every public method (see {@link ResourceMiddleware}); the last added runs outermost. */
  use(middleware: ResourceMiddleware): this {
    this.parts.calls.use(middleware);
    return this;
  }

  /**
   * s3db.js's per-method middleware: `fn(ctx, next)` wraps calls of one
   * method (`insert`, `get`, …; also s3db.js's `inserted`, `updated`,
   * `deleted`, `fetched`). Same chain as {@link use}.
   */
  useMiddleware(method: string, fn: ResourceMiddleware): this {
    this.parts.calls.useFor(method, fn);
    return this;
  }

  /** Adds a {@link DocumentIndex} fed with every write (the partitions module registers here). */
  addIndex(index: DocumentIndex): this {
    if (!index || typeof index.onWrite !== 'function') throw invalidOption('index', 'an object with onWrite(change, options)', index);
    this.parts.indexes.push(index);
    return this;
  }

  /** The document indexes fed with every write, in the order added. */
  get indexes(): readonly DocumentIndex[] {
    return this.parts.indexes;
  }

  /** Adds a hook (`beforeInsert`, `afterGet`, …); hooks run in the order added. */
  addHook(name: HookName, hook: Hook): this {
    const list = this.parts.config.hooks[name];
    if (!list) throw invalidOption('hook name', `one of ${Object.keys(this.parts.config.hooks).join(', ')}`, name);
    if (typeof hook !== 'function') throw invalidOption(`hooks.${name}`, 'a function', hook);
    list.push(hook);
    return this;
  }

  /** Switches event delivery: true runs listeners without awaiting them, false awaits them in the call. */
  setAsyncMode(asyncEvents: boolean): this {
    if (typeof asyncEvents !== 'boolean') throw invalidOption('asyncEvents', 'a boolean', asyncEvents);
    this.parts.events.asyncEvents = asyncEvents;
    return this;
  }

  // ---- introspection and plugin attributes (s3db.js) -----------------------------------------

  /** The resolved configuration, as s3db.js exposes it (read-only). */
  get config(): Readonly<ResourceBehaviourOptions & { name: string; behavior: string; timestamps: boolean; partitions: StoredDefinition['partitions']; asyncPartitions: boolean; idSize: number; version: string | undefined; attributes: StoredDefinition['attributes'] }> {
    const { definition, options } = this.parts.config;
    return Object.freeze({ ...options, version: options.versionLabel, name: this.name, behavior: definition.behavior, timestamps: definition.timestamps, partitions: definition.partitions, asyncPartitions: definition.asyncPartitions, idSize: definition.idSize, attributes: definition.attributes });
  }

  /** The attribute definition (with `createdAt`/`updatedAt` when `timestamps` is on) and the plugin attributes. */
  get attributes(): StoredDefinition['attributes'] {
    return this.parts.live.attributes;
  }

  /** Attribute path → metadata key (stable across versions). */
  get mapping(): AttributeMapping {
    return this.parts.live.mapping;
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
    return this.parts.live.addPluginAttribute(name, rule, pluginName);
  }

  /**
   * Takes a plugin attribute out of the schema (ConfigurationError if it
   * belongs to another plugin than `pluginName`); resolves to false when there
   * is no such plugin attribute. Documents written with it stay readable.
   */
  removePluginAttribute(name: string, pluginName: string | null = null): Promise<boolean> {
    return this.parts.live.removePluginAttribute(name, pluginName);
  }

  /** The plugin attributes in the schema: name → { rule, plugin }. */
  get pluginAttributes(): Record<string, { rule: AttributeDefinition; plugin: string }> {
    return this.parts.live.pluginAttributes;
  }

  /**
   * @internal createResource with an unchanged definition returns this same
   * resource and takes the options that are not stored in the catalogue.
   */
  adoptRuntimeOptions(config: ResolvedConfig): void {
    if (config.idGenerator) this.parts.config.idGenerator = config.idGenerator;
    if (config.options.idPlan) this.parts.ids.plan = config.options.idPlan;
    this.parts.config.updateAttempts = config.updateAttempts;
    this.parts.config.partitionQueue = config.partitionQueue;
    this.parts.partitions.options = config.partitionQueue;
    this.parts.config.options = config.options;
    this.parts.events.asyncEvents = config.options.asyncEvents;
    for (const [name, listeners] of Object.entries(config.options.events)) {
      for (const fn of listeners) if (!this.listeners(name).includes(fn)) this.on(name, fn);
    }
    for (const [name, hooks] of Object.entries(config.hooks) as [HookName, Hook[]][]) {
      const list = this.parts.config.hooks[name];
      for (const hook of hooks) if (!list.includes(hook)) list.push(hook);
    }
  }
}
