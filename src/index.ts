/**
 * s3lite: a document database on S3 object storage and an event store on
 * SQLite, over one shared core. This file only re-exports.
 */
export * from './core/index.js';
export * from './storage/index.js';
export * from './docs/index.js';
export * from './events/index.js';

// Both engines name some result shapes alike; the docs names win at the root
// and the events ones are exported with an `Event` prefix.
export type { BulkResult, Page, PageOptions, StreamOptions } from './docs/index.js';
export type {
  BulkResult as EventBulkResult,
  Page as EventPage,
  PageOptions as EventPageOptions,
  StreamOptions as EventStreamOptions,
} from './events/index.js';

// s3db.js is imported as `import S3db from 's3db.js'` too.
export { S3db as default } from './docs/index.js';
