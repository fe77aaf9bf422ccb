import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryable, retryAfterMs, TimeoutError, ValidationError } from '../../src/core/index.js';

describe('retry policy', () => {
  it('backoffDelay is uniform in [0, retryDelay * 2^attempt]', () => {
    expect(backoffDelay(0, 1000, undefined, () => 0)).toBe(0);
    expect(backoffDelay(0, 1000, undefined, () => 1)).toBe(1000);
    expect(backoffDelay(2, 1000, undefined, () => 1)).toBe(4000);
    expect(backoffDelay(3, 1000, undefined, () => 0.5)).toBe(4000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ $response: { headers: { 'retry-after': '3' } } })).toBe(3000);
    expect(retryAfterMs({ headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' } }, now)).toBe(5000);
    expect(retryAfterMs({ $retryAfter: 2 })).toBe(2000);
    expect(retryAfterMs(new Error('no hint'))).toBeUndefined();
    expect(backoffDelay(0, 10, { $retryAfter: 1 }, () => 1)).toBe(1000);
  });

  it('classifies failures', () => {
    expect(isRetryable(new TimeoutError('t', 10))).toBe(true);
    expect(isRetryable(new ValidationError('bad'))).toBe(false);
    expect(isRetryable({ $metadata: { httpStatusCode: 502 } })).toBe(true);
    expect(isRetryable({ $metadata: { httpStatusCode: 404 }, name: 'NoSuchKey' })).toBe(false);
    expect(isRetryable({ name: 'RequestTimeTooSkewed' })).toBe(true);
    expect(isRetryable({ code: 'UND_ERR_SOCKET' })).toBe(true);
    expect(isRetryable(new Error('fetch failed', { cause: { code: 'ECONNREFUSED' } }))).toBe(true);
    expect(isRetryable('a string')).toBe(false);
  });
});
