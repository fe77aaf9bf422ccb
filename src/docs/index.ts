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
export type { DeepPartial, DocumentShape, InferDocument, InferInput, RuleValue, StoredDocument, TimestampFields, WriteInput } from './schema-types.js';
export { BEHAVIORS, type Behavior } from './behaviors.js';
export { SYSTEM_KEYS, type AttributeMapping } from './attribute-mapping.js';
export { encodeValue, decodeValue } from './codec.js';
export { generateId, assertValidId, MAX_ID_BYTES, DocumentKeys } from './document-keys.js';
export { CATALOGUE_KEY } from './catalogue.js';
export { LOG_LEVELS, type LogLevel, type Logger } from './logger.js';
export * from './plugins/cache/index.js';
