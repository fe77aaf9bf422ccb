/**
 * Conditional PUTs and DELETEs that survive a lost response.
 *
 * When a PUT takes effect but its response is lost (broken connection,
 * timeout), the executor pool retries it, and the retry's `If-None-Match: *`
 * or `If-Match` fails against the caller's own write: an insert would reject
 * with "already exists" for its own document, an update would re-read and
 * apply itself a second time.
 *
 * Every document write carries a write token: the random revision in its
 * body (see document-codec.ts), so no two writes store the same bytes. When
 * a retried attempt ends in a failed condition, the object is read back; if
 * its body is ours, the earlier attempt succeeded and so did the write.
 *
 * A delete leaves no token: when its retry fails (the version is gone, or a
 * condition on a missing key), a HEAD that finds the key missing means the
 * version we read is deleted, which is all the delete promised.
 *
 * Limits: if another writer replaced the object after our lost-response write
 * and before the read-back, the write is reported as the conflict (an insert
 * as "already exists", an update re-applies on the newer version). A delete
 * whose lost-response attempt never arrived, while another process deleted
 * the same version, is reported as done by both.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import { toBuffer } from '../storage/metadata-rules.js';
import type { DeleteObjectInput, ObjectStore, PutObjectInput, PutObjectOutput } from '../storage/object-store.js';

export type RunAttempts = <T>(fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/** `store.putObject(input)` through `run` (which may retry); a failed condition on a retry that finds our own write is a success. */
export async function putConditionally(store: ObjectStore, run: RunAttempts, input: Omit<PutObjectInput, 'signal'>): Promise<PutObjectOutput> {
  let attempts = 0;
  try {
    return await run((signal) => {
      attempts++;
      return store.putObject({ ...input, signal });
    });
  } catch (err) {
    // A first attempt's conflict is a real one; only a retry can collide with our own earlier attempt.
    if (!(err instanceof ConflictError) || attempts < 2) throw err;
    const stored = await run((signal) => store.getObject({ key: input.key, signal })).catch(() => undefined);
    if (stored !== undefined && stored.body.equals(toBuffer(input.body))) return { etag: stored.etag };
    throw err;
  }
}


/** `store.deleteObject(input)` through `run`; a failed retry that finds the key gone is a success. */
export async function deleteConditionally(store: ObjectStore, run: RunAttempts, input: Omit<DeleteObjectInput, 'signal'>): Promise<void> {
  let attempts = 0;
  try {
    await run((signal) => {
      attempts++;
      return store.deleteObject({ ...input, signal });
    });
  } catch (err) {
    if (!(err instanceof ConflictError || err instanceof NotFoundError) || attempts < 2) throw err;
    const gone = await run((signal) => store.headObject({ key: input.key, signal })).then(
      () => false,
      (headError: unknown) => headError instanceof NotFoundError,
    );
    if (!gone) throw err;
  }
}
