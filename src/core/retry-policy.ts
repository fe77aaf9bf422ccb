/**
 * Which failures are worth another attempt, and how long to wait before it.
 *
 * Only transient failures are retried: throttling, 5xx, timeouts and broken
 * connections. A 404 or a failed precondition costs exactly one call.
 */
import { S3liteError, TimeoutError } from './errors.js';

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
]);

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
]);

type ErrorLike = {
  retryable?: unknown;
  name?: unknown;
  code?: unknown;
  status?: unknown;
  statusCode?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
};

/** HTTP status of an AWS SDK error, a StorageError or a fetch-style error, if any. */
export function httpStatusOf(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as ErrorLike;
  const status = e.$metadata?.httpStatusCode ?? e.statusCode ?? e.status;
  return typeof status === 'number' ? status : undefined;
}

/** Whether a failure is transient, so that trying again may succeed. */
export function isRetryable(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 3) return false;
  const e = err as ErrorLike;
  if (typeof e.retryable === 'boolean') return e.retryable;
  if (err instanceof TimeoutError) return true;
  // Our own typed errors (not found, conflict, validation…) are final.
  if (err instanceof S3liteError) return false;
  const status = httpStatusOf(err);
  if (status !== undefined) return RETRYABLE_STATUS.has(status);
  if (typeof e.name === 'string' && RETRYABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && (RETRYABLE_NETWORK_CODES.has(e.code) || RETRYABLE_NAMES.has(e.code))) return true;
  return e.cause !== undefined && isRetryable(e.cause, depth + 1);
}

/**
 * Server-suggested wait in ms, from `$retryAfter` / `retryAfter` (seconds) or a
 * `Retry-After` header (seconds or an HTTP date). Undefined when absent.
 */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as {
    $retryAfter?: unknown;
    retryAfter?: unknown;
    headers?: Record<string, unknown>;
    $response?: { headers?: Record<string, unknown> };
  };
  const hint = e.$retryAfter ?? e.retryAfter ?? e.$response?.headers?.['retry-after'] ?? e.headers?.['retry-after'];
  if (typeof hint === 'number' && Number.isFinite(hint) && hint >= 0) return hint * 1000;
  if (typeof hint === 'string' && hint.trim() !== '') {
    const seconds = Number(hint);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(hint);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  return undefined;
}

/**
 * Exponential backoff with full jitter: a random wait in [0, retryDelay * 2^attempt],
 * where attempt 0 is the first retry. A Retry-After hint, when larger, wins.
 */
export function backoffDelay(attempt: number, retryDelay: number, err?: unknown, random: () => number = Math.random): number {
  const ceiling = retryDelay * 2 ** attempt;
  const jittered = Math.round(random() * ceiling);
  const hinted = err === undefined ? undefined : retryAfterMs(err);
  return hinted === undefined ? jittered : Math.max(jittered, hinted);
}
