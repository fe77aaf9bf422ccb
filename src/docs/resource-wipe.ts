/**
 * Whole-resource deletes, refused while the resource is `paranoid` (s3db.js's
 * default): `deleteAll` deletes every document through the normal delete
 * path (hooks, partition references, events), `deleteAllData` removes every
 * object under the resource's prefix (documents, references, sequences,
 * history, content) in batched DELETE calls.
 */
import { ConfigurationError, StorageError } from '../core/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { CallOptions } from './resource-types.js';

export function assertNotParanoid(resource: string, paranoid: boolean, method: string): void {
  if (paranoid) {
    throw new ConfigurationError(`${method}() on ${resource} is refused: the resource is paranoid (the default). Create it with \`paranoid: false\` to allow deleting everything`);
  }
}

export interface WipeDeps {
  store: ObjectStore;
  run<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T>;
}

/** Deletes every object under `prefix`, one batched DELETE per listed page. */
export async function wipePrefix(deps: WipeDeps, prefix: string, options: CallOptions): Promise<number> {
  let deleted = 0;
  let batch: string[] = [];
  const flush = async () => {
    const keys = batch;
    batch = [];
    const out = await deps.run((signal) => deps.store.deleteObjects({ keys, signal }), options);
    if (out.errors.length > 0) {
      const first = out.errors[0] as { key: string; message: string };
      throw new StorageError(`deleteAllData could not delete ${out.errors.length} object(s), first ${first.key}: ${first.message}`);
    }
    deleted += out.deleted.length;
  };
  // Listing while deleting is safe: keys after the listed position are unaffected.
  for await (const object of deps.store.listAll({ prefix, ...(options.signal ? { signal: options.signal } : {}) })) {
    batch.push(object.key);
    if (batch.length >= 1000) await flush();
  }
  if (batch.length > 0) await flush();
  return deleted;
}
