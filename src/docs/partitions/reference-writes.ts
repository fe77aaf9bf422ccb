/**
 * The two ways references are brought in line with a document.
 *
 * - {@link moveReferences}: the cheap path of a write. Deletes the keys the
 *   old document had and the new one does not, then puts the new ones. No
 *   reads, no listing: an insert costs one PUT per partition, an update two
 *   requests per partition whose value changed.
 * - {@link reconcileReferences}: the safe path, used when ordering cannot be
 *   trusted (another writer touched the document, a retried or late job, a
 *   stale reference found by a read, a rebuild). Re-reads the document now,
 *   deletes every candidate key it does not want, puts every key it wants,
 *   then checks (one HEAD) that the document did not change meanwhile, and
 *   starts over if it did. Whatever order such passes run in, the last one
 *   to finish saw the final document and left exactly its references.
 */
import { ConflictError } from '../../core/errors.js';
import type { CallOptions } from '../resource-types.js';
import type { PartitionHost } from './partition-host.js';
import type { PartitionSet } from './partition-keys.js';

const RECONCILE_PASSES = 16;

export async function putReference(host: PartitionHost, key: string, options: CallOptions): Promise<void> {
  await host.run((signal) => host.store.putObject({ key, body: '', signal }), options);
}

export async function deleteReference(host: PartitionHost, key: string, options: CallOptions): Promise<void> {
  await host.run((signal) => host.store.deleteObject({ key, signal }), options);
}

/** Deletes `deletes`, then puts `puts` (each group in parallel). */
export async function moveReferences(host: PartitionHost, deletes: readonly string[], puts: readonly string[], options: CallOptions): Promise<void> {
  await Promise.all(deletes.map((key) => deleteReference(host, key, options)));
  await Promise.all(puts.map((key) => putReference(host, key, options)));
}

export interface ReconcileResult {
  /** Keys deleted and put by the passes. */
  deleted: number;
  put: number;
}

/**
 * Makes the references of `id` match its current document: every key in
 * `candidates` that the document does not want is deleted, every key it
 * wants is put. `candidates` grows with each pass's wanted keys.
 */
export async function reconcileReferences(
  host: PartitionHost,
  partitions: PartitionSet,
  id: string,
  candidates: Set<string>,
  options: CallOptions,
): Promise<ReconcileResult> {
  const result: ReconcileResult = { deleted: 0, put: 0 };
  for (let pass = 1; pass <= RECONCILE_PASSES; pass++) {
    const current = await host.read(id, options);
    const wanted = new Set(partitions.keysOf(current?.doc ?? null));
    const unwanted = [...candidates].filter((key) => !wanted.has(key));
    await moveReferences(host, unwanted, [...wanted], options);
    result.deleted += unwanted.length;
    result.put += wanted.size;
    for (const key of wanted) candidates.add(key);
    const now = await host.etag(id, options);
    if (now === (current?.etag ?? null)) return result;
  }
  throw new ConflictError(`${host.resourceName}/${id} kept changing during ${RECONCILE_PASSES} passes over its partition references; they will be retried`, {
    details: { resource: host.resourceName, id },
  });
}
