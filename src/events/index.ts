// Public API of the events engine; src/index.ts re-exports this file.
export { initQueue, EventQueue } from './init-queue.js';
export type { QueueSettings, CacheStatsReport, StoreContext } from './init-queue.js';
export { INDEX_NAMES, PROFILES } from './options.js';
export type { QueueOptions, QueueCacheOptions, IndexName, IndexOptions, Durability, QueueProfile } from './options.js';
export type { EventRow, RawEventRow } from './event-row.js';
export type { EventInput } from './event-input.js';
export { EventRejectedError, EventConstraintError, isEventRejection } from './event-errors.js';
export { newCorrelationId } from './correlation-id.js';
export { hashPassword } from './password-hash.js';
export type { HashOptions, HashAlgorithm } from './password-hash.js';
export { modelSetup } from './model-setup.js';
export type { ModelSetupOptions } from './model-setup.js';
export type { Model, Callbacks, EventMeta, EventErrorReport, Migrations, ModelMethod } from './model-types.js';
export { upcast } from './model-dispatch.js';
export { eventCallbacks } from './callbacks.js';
// BulkResult, Page, PageOptions and StreamOptions clash with the docs engine; src/index.ts re-exports them with an `Event` prefix.
export type { BulkResult } from './store.js';
export type { Page, PageOptions } from './pagination.js';
export type { StreamOptions } from './stream.js';
export type { ReplayRange, ReplaySummary } from './replay.js';
export type { EventLineage } from './reads.js';
export { SnapshotManager, initSnapshots } from './snapshots.js';
export type { PendingEventInput, StoreWhenResult } from './pending-events.js';
export type { WaitFor, WaitCondition, PendingEventRow, ConditionRow } from './wait-conditions.js';
export type { ModelState } from './model-state.js';
export type { SnapshotManagerOptions, SnapshotInfo, RestoreResult } from './snapshots.js';
export type { CompatDatabase } from './connection.js';
export * from './operations/index.js';
export { openQueue, parseConnectionString as parseQueueConnectionString } from './backends/open-queue.js';
export { openJobQueue, type OpenJobQueueOptions } from './backends/open-job-queue.js';
export { PgJobQueue } from './backends/postgres/pg-job-queue.js';
export { migrateToPostgres } from './backends/migrate.js';
export type { MigrateOptions, MigrateResult } from './backends/migrate.js';
export type { OpenQueueOptions } from './backends/open-queue.js';
export type {
  EventStore,
  BackendName,
  AsyncModel,
  AsyncModelOptions,
  AsyncModelMethod,
  AsyncStatement,
  AsyncCallbacks,
  ModelDb,
  StatementParams,
  StoredEvent,
  StoredHook,
} from './backends/event-store.js';
export { LeaseLostError } from './backends/consumer.js';
export { listConsumers, type ConsumerInfo } from './backends/consumer-list.js';
export type { Consumer, ConsumerContext, ConsumerFrom, ConsumerHandler, ConsumerStats, SubscribeOptions } from './backends/consumer.js';
