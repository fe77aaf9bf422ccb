export * from './errors.js';
export * from './executor-pool.js';
export { isRetryable, backoffDelay, retryAfterMs } from './retry-policy.js';
export * from './cache.js';
export * from './memoize.js';
export { verifyPassword } from './passwords.js';
export * from './tasks-pool.js';
export * from './tasks-runner.js';
