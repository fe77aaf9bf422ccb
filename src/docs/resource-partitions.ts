/**
 * A resource's partitions: the compiled definitions, the reference queue,
 * the intent log and crash recovery, reads, the write-path index and the
 * repair tools, wired to one host (built by {@link partitionHost} on the
 * resource's reads).
 */
import { PartitionCompleteness } from './partitions/partition-completeness.js';
import { PartitionIndex } from './partitions/partition-index.js';
import type { PartitionHost } from './partitions/partition-host.js';
import { IntentLog } from './partitions/partition-intents.js';
import { PartitionSet } from './partitions/partition-keys.js';
import { PartitionQueue, type PartitionQueueOptions, type PartitionStats } from './partitions/partition-queue.js';
import { PartitionReader } from './partitions/partition-reader.js';
import { PartitionRecovery } from './partitions/partition-recovery.js';
import { PartitionRepair } from './partitions/partition-repair.js';
import { nullIfMissing } from './write-arguments.js';
import type { ResourceReads } from './resource-reads.js';
import type { ResourceMethod, StoredDefinition } from './resource-types.js';
import type { CatalogueData } from './catalogue.js';
import type { ObjectStore } from '../storage/object-store.js';

/** What a resource gives its partitions to build their {@link PartitionHost} on. */
export interface PartitionHostDeps {
  readonly name: string;
  readonly store: ObjectStore;
  readonly reads: ResourceReads;
  catalogue(): Promise<CatalogueData>;
  /** Runs `fn` as the resource method `method`, through the resource's middleware. */
  call<T>(method: ResourceMethod, args: unknown[], fn: () => Promise<T>): Promise<T>;
  emit(event: string, payload: unknown): void;
}

export function partitionHost(d: PartitionHostDeps): PartitionHost {
  const { reads } = d;
  return {
    resourceName: d.name,
    store: d.store,
    run: (fn, options) => reads.run(fn, options),
    read: (id, options) => reads.read(id, options).then((r) => r, nullIfMissing),
    etag: (id, options) => reads.etag(id, options),
    documents: (options) => reads.scanner.documents({ ...options, readAhead: reads.readAhead() }, undefined),
    ids: (options) => reads.ids(options),
    catalogue: () => d.catalogue(),
    call: (method, args, fn) => d.call(method, args, fn),
    emit: (event, payload) => d.emit(event, payload),
    window: () => reads.window(),
  };
}

export class ResourcePartitions {
  readonly set: PartitionSet;
  readonly queue: PartitionQueue;
  readonly recovery: PartitionRecovery;
  readonly reader: PartitionReader;
  readonly repair: PartitionRepair;
  /** Undefined when the resource has no partitions (writes then cost nothing extra). */
  readonly index: PartitionIndex | undefined;

  constructor(host: PartitionHost, definition: StoredDefinition, queueOptions: PartitionQueueOptions) {
    this.set = new PartitionSet(host.resourceName, definition.partitions);
    const intents = new IntentLog(host);
    this.queue = new PartitionQueue(host, this.set, intents, queueOptions);
    this.recovery = new PartitionRecovery(host, this.set, this.queue, intents, queueOptions.recoveryGrace);
    this.reader = new PartitionReader(host, this.set, this.queue, this.recovery);
    const completeness = new PartitionCompleteness(host, this.set, (options) => host.catalogue(options));
    this.repair = new PartitionRepair(host, this.set, this.queue, completeness);
    this.index =
      this.set.size > 0 ? new PartitionIndex(host, this.set, this.queue, this.reader, completeness, definition.asyncPartitions, intents, this.recovery) : undefined;
    // Intents left by a crashed writer are looked for as soon as the resource opens (the database waits for the listing).
    if (this.index) this.recovery.scan().catch(() => undefined);
  }

  set options(options: PartitionQueueOptions) {
    this.queue.options = options;
    this.recovery.grace = options.recoveryGrace;
  }

  stats(): PartitionStats {
    return { ...this.queue.stats(), ...this.recovery.stats() };
  }

  /** Resolves when recovery has started its work and the queue is empty. */
  async flush(): Promise<PartitionStats> {
    await this.recovery.flush();
    await this.queue.flush();
    return this.stats();
  }
}
