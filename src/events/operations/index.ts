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
