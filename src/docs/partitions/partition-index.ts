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
 *
 * Crashes: before a write that moves references, `prepare` stores an intent
 * naming the keys of the document before and after; the reference job
 * deletes it once the references are written. A process killed in between
 * leaves the intent for recovery (partition-recovery.ts) to find.
 */
import { ConflictError, MetadataLimitError, NotFoundError, StorageError, ValidationError } from '../../core/errors.js';
import type { DocumentIndex, CallOptions, PlannedWrite, WriteChange } from '../resource-types.js';
import type { PartitionHost } from './partition-host.js';
import type { IntentLog } from './partition-intents.js';
import { idOfKey, type Partition, type PartitionSet } from './partition-keys.js';
import type { PartitionCompleteness } from './partition-completeness.js';
import type { PartitionQueue, ReferenceJob } from './partition-queue.js';
import type { PartitionReader } from './partition-reader.js';
import type { PartitionRecovery } from './partition-recovery.js';
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
  readonly #intents: IntentLog;
  readonly #recovery: PartitionRecovery;
  /** The intent stored for each prepared write, until its references are queued. */
  readonly #prepared = new WeakMap<PlannedWrite, { key: string; keys: string[] }>();

  constructor(
    host: PartitionHost,
    partitions: PartitionSet,
    queue: PartitionQueue,
    reader: PartitionReader,
    completeness: PartitionCompleteness,
    asyncPartitions: boolean,
    intents: IntentLog,
    recovery: PartitionRecovery,
  ) {
    this.#intents = intents;
    this.#recovery = recovery;
    this.#completeness = completeness;
    this.#host = host;
    this.#partitions = partitions;
    this.#queue = queue;
    this.#reader = reader;
    this.#async = asyncPartitions;
  }

  /** Stores an intent before a write that moves references (one PUT); writes that move none cost nothing. */
  async prepare(planned: PlannedWrite, options: CallOptions): Promise<void> {
    const before = this.#partitions.keysOf(planned.before);
    const after = this.#partitions.keysOf(planned.after);
    if (before.length === after.length && before.every((key) => after.includes(key))) return;
    const keys = [...new Set([...before, ...after])];
    const intent = await this.#intents.write(planned.id, keys, options);
    this.#prepared.set(planned, { key: intent.key, keys });
  }

  /**
   * A write that certainly did not happen (a failed condition, a rejected
   * body) deletes its intent; one whose outcome is unknown (a timeout, a
   * lost connection) may have written the document: a reconcile pass then
   * makes the references match whatever is stored, and deletes the intent.
   */
  async abandon(planned: PlannedWrite, error: unknown, options: CallOptions): Promise<void> {
    const intent = this.#prepared.get(planned);
    if (!intent) return;
    this.#prepared.delete(planned);
    const notWritten = error instanceof ConflictError || error instanceof NotFoundError || error instanceof ValidationError || error instanceof MetadataLimitError;
    if (notWritten) await this.#intents.remove(intent.key, options).catch(() => this.#intents.release(intent.key));
    else this.#queue.repair(planned.id, intent.keys, options.priority, [intent.key]).catch(() => undefined);
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
    const intent = change.planned ? this.#prepared.get(change.planned) : undefined;
    if (change.planned) this.#prepared.delete(change.planned);
    if (deletes.length === 0 && puts.length === 0 && !interleaved) {
      // The stored document kept its keys after all (e.g. a truncated value): nothing to recover.
      if (intent) await this.#intents.remove(intent.key, options).catch(() => this.#intents.release(intent.key));
      return;
    }

    const job: ReferenceJob = { id, mode: 'move', deletes, puts, candidates: new Set(), expected: after, observed: this.#async, priority: options.priority };
    if (intent) job.intents = [intent.key];
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
    if (this.#queue.stats().failed > 0 || !this.#recovery.trusted()) return undefined;
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
    const recovery = this.#recovery;
    return (async function* () {
      // A scan of the intents in progress (just opened, or recoverPartitions()) may find damage this partition hides.
      await recovery.ready();
      if (recovery.trusted() && (await completeness.isComplete(partition, options))) yield* idsOf(reader.keys(prefix, undefined, options));
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
