/**
 * Keeps partition references in step with every write (the resource's
 * DocumentIndex seam) and offers them to `query()`.
 *
 * A write moves only the keys that changed: an insert puts one key per
 * partition, an update deletes the old key and puts the new one of each
 * partition whose value changed, a delete removes the document's keys.
 * Keys are computed from the documents before and after the write, never
 * found by listing.
 *
 * Ordering: jobs of one document run in queue order. The queue knows the
 * ETag each of its jobs left behind; a write whose "before" ETag is not the
 * one this process last saw (another process wrote in between), or whose
 * write had to retry on a conflict, marks the document contended, and its
 * reference work then runs as a reconcile pass (re-read, fix, re-check)
 * for a while instead of a blind move.
 */
import { StorageError } from '../../core/errors.js';
import type { DocumentIndex, CallOptions, WriteChange } from '../resource-types.js';
import type { PartitionHost } from './partition-host.js';
import { idOfKey, type Partition, type PartitionSet } from './partition-keys.js';
import type { PartitionCompleteness } from './partition-completeness.js';
import type { PartitionQueue, ReferenceJob } from './partition-queue.js';
import type { PartitionReader } from './partition-reader.js';
import { formatValue } from './partition-rules.js';

/** Documents remembered per resource for ordering checks. */
const TRACKED = 10_000;
/** How long a document stays contended after the last sign of another writer. */
const CONTENDED_MS = 30_000;

export class PartitionIndex implements DocumentIndex {
  readonly name = 'partitions';
  readonly #host: PartitionHost;
  readonly #partitions: PartitionSet;
  readonly #queue: PartitionQueue;
  readonly #reader: PartitionReader;
  readonly #async: boolean;
  readonly #completeness: PartitionCompleteness;
  /** id → the ETag our last queued job for it left behind (null: deleted) and the keys that version has. */
  readonly #last = new Map<string, { etag: string | null; keys: string[] }>();
  /** id → time until which its reference work reconciles. */
  readonly #contended = new Map<string, number>();

  constructor(host: PartitionHost, partitions: PartitionSet, queue: PartitionQueue, reader: PartitionReader, completeness: PartitionCompleteness, asyncPartitions: boolean) {
    this.#completeness = completeness;
    this.#host = host;
    this.#partitions = partitions;
    this.#queue = queue;
    this.#reader = reader;
    this.#async = asyncPartitions;
  }

  async onWrite(change: WriteChange, options: CallOptions): Promise<void> {
    const { id } = change;
    const before = this.#partitions.keysOf(change.before);
    const after = this.#partitions.keysOf(change.after);
    const deletes = before.filter((key) => !after.includes(key));
    const puts = after.filter((key) => !before.includes(key));
    const known = this.#last.get(id);
    const interleaved = known !== undefined && change.beforeEtag !== undefined && known.etag !== change.beforeEtag;
    if (interleaved || change.contended) this.#markContended(id);
    this.#remember(id, change.afterEtag, after);
    if (deletes.length === 0 && puts.length === 0 && !interleaved) return;

    const job: ReferenceJob = { id, mode: 'move', deletes, puts, candidates: new Set(), expected: after, observed: this.#async, priority: options.priority };
    if (interleaved || this.#isContended(id)) {
      job.mode = 'reconcile';
      // The keys of the version we last knew too: a write we did not see may have moved from there.
      job.candidates = new Set([...before, ...after, ...(interleaved ? (known?.keys ?? []) : [])]);
      job.deletes = [];
      job.puts = [];
    }
    if (this.#async) {
      // Failures are kept by the queue (stats, events, failures()); nobody awaits this promise.
      this.#queue.enqueue(job).catch(() => undefined);
      return;
    }
    if (options.signal !== undefined) job.signal = options.signal;
    try {
      await this.#queue.enqueue(job);
    } catch (err) {
      throw new StorageError(
        `${this.#host.resourceName}/${id} was written but its partition references were not: they are queued for retry (see resource.partitionStats() and the partitionError event)`,
        { cause: err, details: { resource: this.#host.resourceName, id } },
      );
    }
  }

  /**
   * Ids under the partition whose fields the filter fixes (the most fields
   * wins), or undefined to scan. A partition that may miss older documents
   * (added after they were written, not rebuilt since) yields every id instead.
   */
  candidates(filter: Record<string, unknown>, options: CallOptions): AsyncIterable<string> | undefined {
    if (this.#queue.stats().failed > 0) return undefined;
    let best: { partition: Partition; prefix: string } | undefined;
    for (const partition of this.#partitions.byName.values()) {
      const values: Record<string, unknown> = {};
      let covered = true;
      for (const field of partition.fields) {
        const value = filter[field.path];
        if (!Object.hasOwn(filter, field.path) || formatValue(field.rule, value) === undefined) {
          covered = false;
          break;
        }
        values[field.path] = value;
      }
      // Only full lookups: their keys are in id order, like a scan, so limit and offset pick the same documents.
      if (covered && (!best || partition.fields.length > best.partition.fields.length)) best = { partition, prefix: partition.prefixOf(values) };
    }
    if (!best) return undefined;
    const { partition, prefix } = best;
    const completeness = this.#completeness;
    const reader = this.#reader;
    const host = this.#host;
    return (async function* () {
      if (await completeness.isComplete(partition, options)) yield* idsOf(reader.keys(prefix, undefined, options));
      else yield* host.ids(options);
    })();
  }

  #remember(id: string, etag: string | null | undefined, keys: string[]): void {
    this.#last.delete(id);
    if (etag === undefined) return;
    this.#last.set(id, { etag, keys });
    if (this.#last.size > TRACKED) this.#last.delete(this.#last.keys().next().value as string);
  }

  #markContended(id: string): void {
    this.#contended.delete(id);
    this.#contended.set(id, Date.now() + CONTENDED_MS);
    if (this.#contended.size > TRACKED) this.#contended.delete(this.#contended.keys().next().value as string);
  }

  #isContended(id: string): boolean {
    const until = this.#contended.get(id);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#contended.delete(id);
    return false;
  }
}

async function* idsOf(keys: AsyncIterable<{ key: string }>): AsyncGenerator<string> {
  for await (const { key } of keys) {
    const id = idOfKey(key);
    if (id !== undefined) yield id;
  }
}
