/**
 * Runs a resource method through its middleware chain (see
 * {@link ResourceMiddleware}): the last middleware added runs outermost.
 */
import type { ResourceCall, ResourceMiddleware } from './resource-types.js';

export function callThrough<T>(chain: readonly ResourceMiddleware[], call: ResourceCall, impl: () => Promise<T>): Promise<T> {
  // Argument errors thrown synchronously still surface as rejections.
  if (chain.length === 0) {
    try {
      return impl();
    } catch (err) {
      return Promise.reject(err);
    }
  }
  let next = impl as () => Promise<unknown>;
  for (const middleware of chain) {
    const inner = next;
    next = () => middleware(call, inner);
  }
  return Promise.resolve().then(next) as Promise<T>;
}
