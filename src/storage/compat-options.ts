/** Option checks shared by the s3db.js client faces (MemoryClient, FileSystemClient, S3Client). */
import { assertKnownOptions, invalidOption } from '../core/options.js';

/** Options s3db.js's clients take that only tune s3db.js's own logging or pool: accepted, unused. */
export const CLIENT_PASSTHROUGH_OPTIONS = ['id', 'logLevel', 'logger', 'parallelism', 'concurrency', 'retries', 'retryDelay', 'timeout', 'retryableErrors', 'taskExecutorMonitoring', 'executorPool', 'region'];

/** Throws ValidationError unless `options` is an object whose keys are all in `known`. */
export function checkClientOptions(what: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidOption(`${what} options`, 'an object', options);
  const allowed = new Set([...known, ...CLIENT_PASSTHROUGH_OPTIONS]);
  assertKnownOptions(what, options, [...allowed]);
  return options as Record<string, unknown>;
}

export function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidOption(name, 'a string', value);
  return value;
}

/** s3db.js prefixes have no trailing slash; our stores want '' or one ending in '/'. */
export function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '';
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}
