/** Turns an aborted AbortSignal into the typed AbortError every store throws. */
import { AbortError } from '../core/errors.js';

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

export function abortError(signal: AbortSignal | undefined): AbortError {
  return new AbortError('The storage request was aborted by its signal', { cause: signal?.reason });
}
