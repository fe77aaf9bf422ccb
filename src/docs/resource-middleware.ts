/**
 * Runs a resource method through its middleware chain (see
 * {@link ResourceMiddleware}): the last middleware added runs outermost.
 */
import type { ResourceCall, ResourceMiddleware } from './resource-types.js';

export function callThrough<T>(chain: readonly ResourceMiddleware[], call: ResourceCall, impl: () => Promise<T>): Promise<T> {
  // Called directly, not from a .then(): each microtask hop cost more than a whole cache hit.
  return (chain.length === 0 ? attempt(impl) : Promise.resolve(through(chain, chain.length - 1, call, impl))) as Promise<T>;
}

/** Middleware `index`, whose next() runs the ones inside it, then `impl`; a synchronous throw anywhere becomes a rejection. */
function through(chain: readonly ResourceMiddleware[], index: number, call: ResourceCall, impl: () => Promise<unknown>): Promise<unknown> {
  if (index < 0) return attempt(impl);
  try {
    return (chain[index] as ResourceMiddleware)(call, () => through(chain, index - 1, call, impl));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Argument errors thrown synchronously still surface as rejections. */
function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}
