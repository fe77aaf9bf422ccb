/**
 * A writer's note, in the database's own store, that an invalidation did
 * not reach the shared cache.
 *
 * A write whose invalidation fails keeps it to replay, but only in its own
 * memory: if the process exits before the cache is back, nobody else knows,
 * and entries cached before the write would be served until their TTL. The
 * store took the write, so it can take this note too (one small object per
 * database, written once per outage, before the write resolves). Every
 * process looks for it when it opens and then every few seconds; one that
 * finds it starts a new cache epoch (see cache-stack.ts) and removes the
 * note, conditionally, so a note written meanwhile by another writer stays.
 */
import { ConflictError, NotFoundError } from '../../../core/errors.js';
import type { ObjectStore } from '../../../storage/object-store.js';
import { freshToken } from './cache-driver.js';

/** Requests give up after this long: an unreachable store must not hold a write or a check for long. */
const TIMEOUT_MS = 5000;

export class MissedInvalidations {
  readonly #store: ObjectStore;
  readonly #key: string;

  constructor(store: ObjectStore, namespace: string) {
    this.#store = store;
    // Not under the s3 driver's `plugin=cache/` prefix: a lifecycle rule that expires cache objects must not expire this.
    this.#key = `plugin=cache-missed/${namespace}`;
  }

  /** Leaves the note (replacing an earlier one). */
  async note(): Promise<void> {
    await this.#store.putObject({ key: this.#key, body: freshToken(), contentType: 'text/plain', signal: AbortSignal.timeout(TIMEOUT_MS) });
  }

  /** The ETag of the note, if there is one. */
  async find(): Promise<string | undefined> {
    try {
      return (await this.#store.headObject({ key: this.#key, signal: AbortSignal.timeout(TIMEOUT_MS) })).etag;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Removes the note found with `etag`, unless another writer replaced it since. */
  async remove(etag: string): Promise<void> {
    try {
      await this.#store.deleteObject({ key: this.#key, ifMatch: etag, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      if (err instanceof ConflictError || err instanceof NotFoundError) return;
      throw err;
    }
  }
}
