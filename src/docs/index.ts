// Public API of the docs layer; src/index.ts re-exports this file.
export { S3db, Database, type S3dbOptions, type ResourceSummary } from './database.js';
export { Resource, type ResourceRuntime, type ResourceVersion } from './resource.js';
export type {
  BulkResult,
  CallOptions,
  CountOptions,
  DocumentIndex,
  Hook,
  HookContext,
  HookName,
  IdGeneratorConfig,
  ListOptions,
  Page,
  PageOptions,
  PartitionDefinition,
  PartitionOptions,
  PartitionQueueConfig,
  ResourceCall,
  ResourceConfig,
  ResourceMethod,
  ResourceMiddleware,
  StoredDefinition,
  StreamOptions,
  WriteChange,
} from './resource-types.js';
export { WRITE_METHODS } from './resource-types.js';
export { MAX_NESTING_DEPTH } from './input-guard.js';
export type { S3dbPlugin } from './plugin.js';
export { Plugin, type PluginOptions, type MethodWrapper, type MethodMiddleware } from './plugin-class.js';
export { PluginStorage } from './plugin-storage.js';
export {
  escapeSegment as escapePartitionSegment,
  type PartitionStats,
  type PartitionFailure,
  type GetFromPartitionInput,
  type VerifyResult,
  type RebuildResult,
  type RebuildProgress,
  type RepairOptions,
  type PartitionProblem,
} from './partitions/index.js';
export type { Document } from './document-codec.js';
export type { AttributesDefinition, AttributeDefinition } from './schema.js';
export type { DeepPartial, DocumentShape, InferDocument, InferInput, RuleValue, StoredDocument, TimestampFields, WriteInput } from './document-types.js';
export { BEHAVIORS, type Behavior } from './behaviors.js';
export type { AttributeMapping } from './attribute-mapping.js';
export { assertValidId, MAX_ID_BYTES } from './document-keys.js';
export { generateId } from './ids/generate-id.js';
export type { BatchStatus } from './ids/id-source.js';
export type { SequenceInfo } from './ids/sequence-store.js';
export type { HistoryEntry } from './resource-history.js';
// s3db.js's names for the same helpers.
export { generateId as idGenerator } from './document-keys.js';
export { encrypt, decrypt } from './secret-text.js';
export { CATALOGUE_KEY } from './catalogue.js';
export { LOG_LEVELS, type LogLevel, type Logger } from './logger.js';
export * from './plugins/cache/index.js';
