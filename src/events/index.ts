// Public API of the events engine; src/index.ts re-exports this file.
export { initQueue, EventQueue } from './init-queue.js';
export type { QueueSettings, CacheStatsReport, StoreContext } from './init-queue.js';
export { INDEX_NAMES, PROFILES } from './options.js';
export type { QueueOptions, QueueCacheOptions, IndexName, IndexOptions, Durability, QueueProfile } from './options.js';
export { rowToEvent, eventToRow, EVENT_COLUMNS } from './event-row.js';
export type { EventRow, RawEventRow } from './event-row.js';
export type { EventInput } from './event-input.js';
export { EventRejectedError } from './event-errors.js';
export { newCorrelationId } from './correlation-id.js';
export { modelSetup } from './model-setup.js';
export type { ModelSetupOptions } from './model-setup.js';
export type { Model, Callbacks, EventMeta, EventErrorReport, Migrations, ModelMethod } from './model-types.js';
export { upcast, upcastRow } from './model-dispatch.js';
export { eventCallbacks } from './callbacks.js';
// Renamed where the docs engine exports the same names (both barrels meet in src/index.ts).
export type { BulkResult as BulkStoreResult } from './store.js';
export type { Page as EventPage, PageOptions as EventPageOptions } from './pagination.js';
export type { StreamOptions as EventStreamOptions } from './stream.js';
export type { ReplayRange, ReplaySummary } from './replay.js';
export type { EventLineage } from './reads.js';
export { SnapshotManager, initSnapshots } from './snapshots.js';
export type { SnapshotManagerOptions, SnapshotInfo, RestoreResult } from './snapshots.js';
export type { CompatDatabase } from './connection.js';
export * from './operations/index.js';
