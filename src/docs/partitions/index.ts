// Partitions of the docs engine; re-exported by src/docs/index.ts.
export { Partition, PartitionSet, escapeSegment, idOfKey } from './partition-keys.js';
export { parseRule, formatValue, type PartitionRule } from './partition-rules.js';
export { PartitionQueue, DEFAULT_QUEUE_OPTIONS, type PartitionQueueOptions, type PartitionStats, type PartitionFailure } from './partition-queue.js';
export { PartitionReader, type PartitionLookup, type GetFromPartitionInput } from './partition-reader.js';
export { PartitionIndex } from './partition-index.js';
export { PartitionRepair, type VerifyResult, type RebuildResult, type RebuildProgress, type RepairOptions, type PartitionProblem } from './partition-repair.js';
export type { PartitionHost, VersionedDocument } from './partition-host.js';
