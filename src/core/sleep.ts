/**
 * The one abortable wait of s3lite: the pool's retry backoff, the document
 * writer's conflict backoff and the CLI self-check all sleep through it, so an
 * abort during any of them ends the wait at once.
 */
import { AbortError } from './errors.js';

/** Resolves after `ms`, or rejects with AbortError as soon as `signal` aborts (at once if it already has). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
