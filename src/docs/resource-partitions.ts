/**
 * A resource's partitions: the compiled definitions, the reference queue,
 * reads, the write-path index and the repair tools, wired to one host.
 */
import { PartitionCompleteness } from './partitions/partition-completeness.js';
import { PartitionIndex } from './partitions/partition-index.js';
import type { PartitionHost } from './partitions/partition-host.js';
import { PartitionSet } from './partitions/partition-keys.js';
import { PartitionQueue, type PartitionQueueOptions } from './partitions/partition-queue.js';
import { PartitionReader } from './partitions/partition-reader.js';
import { PartitionRepair } from './partitions/partition-repair.js';
import type { StoredDefinition } from './resource-types.js';

export class ResourcePartitions {
  readonly set: PartitionSet;
  readonly queue: PartitionQueue;
  readonly reader: PartitionReader;
  readonly repair: PartitionRepair;
  /** Undefined when the resource has no partitions (writes then cost nothing extra). */
  readonly index: PartitionIndex | undefined;

  constructor(host: PartitionHost, definition: StoredDefinition, queueOptions: PartitionQueueOptions) {
    this.set = new PartitionSet(host.resourceName, definition.partitions);
    this.queue = new PartitionQueue(host, this.set, queueOptions);
    this.reader = new PartitionReader(host, this.set, this.queue);
    const completeness = new PartitionCompleteness(host, this.set, (options) => host.catalogue(options));
    this.repair = new PartitionRepair(host, this.set, this.queue, completeness);
    this.index = this.set.size > 0 ? new PartitionIndex(host, this.set, this.queue, this.reader, completeness, definition.asyncPartitions) : undefined;
  }
}
