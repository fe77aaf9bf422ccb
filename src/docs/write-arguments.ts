/**
 * Argument checks and small transforms shared by the resource's write
 * methods, plus the backoff between conflicting update attempts.
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import { sleep } from '../core/sleep.js';
import { isPlainObject } from './codec.js';
import { assertValidId } from './document-keys.js';
import { rejectProtoKey } from './input-guard.js';

export function nullIfMissing(err: unknown): null {
  if (err instanceof NotFoundError) return null;
  throw err;
}

export function withoutId(data: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, ...rest } = data;
  return rest;
}

export function withoutUndefined(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (v !== undefined && k !== 'id') out[k] = v;
  return out;
}

export function checkChanges(id: string, changes: unknown): asserts changes is Record<string, unknown> {
  assertValidId(id);
  if (!isPlainObject(changes)) throw invalidOption('changes', 'a plain object of fields', changes);
  rejectProtoKey(changes);
  if (changes.id !== undefined && changes.id !== id) {
    throw new ValidationError(`Cannot change the id of ${JSON.stringify(id)} to ${JSON.stringify(changes.id)}: insert a new document and delete the old one`, [
      { field: 'id', message: 'id cannot change', actual: changes.id },
    ]);
  }
}

/** Jittered exponential backoff between conflicting attempts (1, 2, 4… up to 50 ms); an abort ends it with AbortError. */
export function backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
  return sleep(Math.random() * Math.min(50, 2 ** (attempt - 1)), signal);
}
