/**
 * s3lite: a document database on S3 object storage and an event store on
 * SQLite, over one shared core. This file only re-exports.
 */
export * from './core/index.js';
export * from './storage/index.js';
export * from './docs/index.js';
export * from './events/index.js';
