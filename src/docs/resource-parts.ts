/**
 * How a resource's parts are wired together: the live schema, the call
 * pipeline, reads, the writer and the write methods, ids, partitions,
 * history and content, each given what it needs of the others.
 */
import type { ExecutorPool } from '../core/executor-pool.js';
import type { ObjectStore } from '../storage/object-store.js';
import { Catalogue, type CatalogueResource } from './catalogue.js';
import type { Document } from './document-codec.js';
import { DocumentContent } from './document-content.js';
import type { DocumentKeys } from './document-keys.js';
import type { FieldCipher } from './field-cipher.js';
import { compileIdRule } from './id-rule.js';
import { IdSource } from './ids/id-source.js';
import { SequenceStore } from './ids/sequence-store.js';
import { PasswordFields } from './password-fields.js';
import { ResourceCalls } from './resource-calls.js';
import type { ResolvedConfig } from './resource-config.js';
import { EventDelivery } from './resource-events.js';
import { DocumentHistory } from './resource-history.js';
import { ResourceMutations } from './resource-mutations.js';
import { partitionHost, ResourcePartitions } from './resource-partitions.js';
import { ResourceReads } from './resource-reads.js';
import { ResourceSchema, type EntryChange } from './resource-schema.js';
import type { DocumentIndex } from './resource-types.js';
import type { ResourceVersion } from './resource-version.js';
import { DocumentWriter } from './resource-writer.js';
import type { Resource } from './resource.js';
import { openSecrets, sealSecrets } from './sealed-output.js';

/** What a resource needs from its database. */
export interface ResourceRuntime {
  /** Where the resource's objects live (memory://, file:// or S3). */
  readonly store: ObjectStore;
  /** The database's executor pool: every request of the resource runs through it. */
  readonly pool: ExecutorPool;
  /** Encrypts `secret` fields; undefined when the database has no passphrase. */
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

export interface ResourceParts {
  readonly runtime: ResourceRuntime;
  /** Mutated in place by adoptRuntimeOptions: every part reads it at call time. */
  readonly config: ResolvedConfig;
  readonly live: ResourceSchema;
  /** Fed with every write, in order: partition references, history, content. */
  readonly indexes: DocumentIndex[];
  readonly events: EventDelivery;
  readonly calls: ResourceCalls;
  readonly reads: ResourceReads;
  readonly writes: ResourceMutations;
  readonly ids: IdSource;
  readonly partitions: ResourcePartitions;
  readonly history: DocumentHistory;
  readonly content: DocumentContent;
}

export function assembleParts(resource: Resource, keys: DocumentKeys, runtime: ResourceRuntime, config: ResolvedConfig, version: ResourceVersion): ResourceParts {
  const { store, pool, cipher } = runtime;
  const name = config.name;
  const entry = runtime.catalogueEntry;
  const live = new ResourceSchema({ resource: name, definition: config.definition, cipher, withholdSecrets: runtime.withholdSecrets, version, entry: entry && ((change) => entry(name, change)) });
  const indexes: DocumentIndex[] = [];
  const events = new EventDelivery(resource, config.options.asyncEvents, config.options.events);
  const calls = new ResourceCalls({ resource, config, events, live, cipher });
  // eslint-disable-next-line prefer-const -- the reads reach the partitions, which are built on the reads
  let partitions: ResourcePartitions;
  const reads = new ResourceReads({
    name,
    keys,
    store,
    pool,
    parallelism: () => config.options.parallelism,
    decode: (id, object) => live.decode(id, object),
    indexes,
    partitions: () => partitions,
  });
  const run = reads.run.bind(reads);
  const ids = new IdSource(config.options.idPlan ?? { kind: 'random', size: config.definition.idSize, alphabet: undefined }, new SequenceStore({ resource: name, store, run }));
  const writer = new DocumentWriter({
    resource,
    config,
    // Read at every call: plugin attributes change them.
    get schema() {
      return live.schema;
    },
    get codec() {
      return live.codec;
    },
    keys,
    store,
    indexes,
    run,
    read: (id, options) => reads.read(id, options),
    emit: (event, ...args) => events.emit(event, args),
  });
  const passwords = new PasswordFields(name, config.definition.attributes, runtime.bcryptRounds);
  const writes = new ResourceMutations({ name, config, store, writer, reads, ids, passwords, idCheck: compileIdRule(name, config.definition.attributes) });
  const host = partitionHost({
    name,
    store,
    reads,
    catalogue: async () => (await new Catalogue(store, pool).load()).data,
    call: (method, args, fn) => calls.run(method, args as [unknown, ...unknown[]], () => fn()),
    emit: (event, payload) => resource.emit(event, payload),
  });
  partitions = new ResourcePartitions(host, config.definition, config.partitionQueue);
  if (partitions.index) indexes.push(partitions.index);
  const history = new DocumentHistory({
    resource: name,
    store,
    enabled: () => config.options.versioningEnabled ?? runtime.versioningEnabled,
    run,
    seal: (doc) => sealSecrets(name, live.schema, cipher, doc) as Document,
    open: (doc) => openSecrets(name, live.schema, cipher, doc) as Document,
  });
  const content = new DocumentContent({ resource: name, store, run });
  indexes.push(history, content);
  return { runtime, config, live, indexes, events, calls, reads, writes, ids, partitions, history, content };
}
