// Public API of the event operations (bulk JSONL/CSV, background jobs, event-job outbox).
export { BackgroundJobQueue, DEFAULT_JOBS_DB } from './background-job-queue.js';
export type { BackgroundJobQueueOptions, EventQueueConnection } from './job-queue-options.js';
export { retryBackoff } from './job-timing.js';
export type {
  AddJobOptions,
  JobContext,
  JobInfo,
  JobQueueStats,
  JobState,
  JobWorker,
  RecurringJobOptions,
  WorkerOptions,
} from './job-types.js';
export { BulkOperations } from './bulk-operations.js';
export type { BatchProcessOptions, BatchProcessResult, MigrateOptions, MigrateResult, ProcessingStats, ProcessingStatsOptions } from './event-batches.js';
export type { ExportFilter, ExportOptions, ExportResult } from './event-export.js';
export type { ImportOptions, ImportResult } from './event-import.js';
export type { ExportTarget, ImportSource } from './line-io.js';
export type { AsyncEventStoreHandle, EventStoreHandle, HookableEventStore, TransactionalJobQueue } from './event-store-handle.js';
export { EventJobProcessor } from './event-job-processor.js';
export type { OnEventOptions, ProcessedJobIds } from './event-job-processor.js';
