/**
 * `verifyPartitions()` and `rebuildPartitions()`.
 *
 * Two streaming passes, each with a bounded number of requests in flight:
 * 1. every document (in id order): HEAD each reference it should have →
 *    missing references;
 * 2. every reference of the partitions checked (page by page): GET its
 *    document and compare → stale references (document gone, or its values
 *    moved on).
 * Memory holds one listing page and the requests in flight, plus the
 * problems found. A rebuild repairs each problem as it is found with a
 * reconcile pass through the queue (re-reads the document at repair time,
 * so a concurrent write is never undone) and reports progress as it goes.
 */
import { NotFoundError } from '../../core/errors.js';
import type { CallOptions } from '../resource-types.js';
import type { PartitionHost } from './partition-host.js';
import { idOfKey, type Partition, type PartitionSet } from './partition-keys.js';
import type { PartitionCompleteness } from './partition-completeness.js';
import type { PartitionQueue } from './partition-queue.js';

/** One reference that is missing or stale. */
export interface PartitionProblem {
  /** The partition's name. */
  partition: string;
  /** The document's id. */
  id: string;
  /** The reference key (`resource=<r>/partition=<p>/<field>=<value>/…/id=<id>`). */
  key: string;
}

/** What `verifyPartitions()` found; it changes nothing. */
export interface VerifyResult {
  /** Documents checked. */
  checked: number;
  /** References checked. */
  references: number;
  /** References a document should have and does not. */
  missing: PartitionProblem[];
  /** References whose document is gone or no longer has those values. */
  stale: PartitionProblem[];
}

/** What `rebuildPartitions()` did. */
export interface RebuildResult {
  /** Recorded failures retried first (see resource.partitionFailures()). */
  requeued: number;
  /** Documents checked. */
  checked: number;
  /** References checked. */
  references: number;
  /** Missing references written. */
  restored: number;
  /** Stale references deleted. */
  removed: number;
  /** Documents whose repair failed (listed by resource.partitionFailures()). */
  failed: number;
}

/** Payload of the `partitionRebuildProgress` event: the counts so far, every 1000 documents or references and once at the end. */
export interface RebuildProgress extends RebuildResult {
  /** `documents`: checking each document's references; `references`: checking each reference's document; `done`: finished. */
  phase: 'documents' | 'references' | 'done';
}

/** Options of `verifyPartitions()` and `rebuildPartitions()`. */
export interface RepairOptions extends CallOptions {
  /** Only this partition (an unknown name throws ValidationError). @default undefined — every partition */
  partition?: string;
}

const PROGRESS_EVERY = 1000;

/** At most `max` tasks in flight; `add` waits for a free slot. */
class InFlight {
  readonly #running = new Set<Promise<void>>();
  constructor(readonly max: number) {}
  async add(task: Promise<void>): Promise<void> {
    this.#running.add(task);
    const done = () => void this.#running.delete(task);
    task.then(done, done);
    if (this.#running.size >= this.max) await Promise.race(this.#running);
  }
  async drain(): Promise<void> {
    await Promise.all(this.#running);
  }
}

type ProblemHandler = (kind: 'missing' | 'stale', problem: PartitionProblem) => Promise<void>;

export class PartitionRepair {
  readonly #host: PartitionHost;
  readonly #partitions: PartitionSet;
  readonly #queue: PartitionQueue;
  readonly #completeness: PartitionCompleteness;

  constructor(host: PartitionHost, partitions: PartitionSet, queue: PartitionQueue, completeness: PartitionCompleteness) {
    this.#completeness = completeness;
    this.#host = host;
    this.#partitions = partitions;
    this.#queue = queue;
  }

  async verify(options: RepairOptions = {}): Promise<VerifyResult> {
    const result: VerifyResult = { checked: 0, references: 0, missing: [], stale: [] };
    await this.#walk(options, result, async (kind, problem) => {
      result[kind].push(problem);
    });
    return result;
  }

  async rebuild(options: RepairOptions = {}): Promise<RebuildResult> {
    const result: RebuildResult = { requeued: this.#queue.stats().failed, checked: 0, references: 0, restored: 0, removed: 0, failed: 0 };
    // Work that failed earlier is retried first; what still fails stays recorded.
    this.#queue.retryFailed().catch(() => undefined);
    await this.#queue.flush();
    const progress = (phase: RebuildProgress['phase']) => this.#host.emit('partitionRebuildProgress', { phase, ...result } satisfies RebuildProgress);
    await this.#walk(options, result, async (kind, problem) => {
      try {
        await this.#queue.repair(problem.id, [problem.key], options.priority);
        if (kind === 'missing') result.restored++;
        else result.removed++;
      } catch {
        result.failed++;
      }
    }, progress);
    await this.#queue.flush();
    if (result.failed === 0 && this.#queue.stats().failed === 0) {
      // Every document written before the walk began now has its references: query() may use these partitions.
      for (const partition of this.#scope(options)) await this.#completeness.markRebuilt(partition, options);
    }
    progress('done');
    return result;
  }

  async #walk(
    options: RepairOptions,
    counts: { checked: number; references: number },
    onProblem: ProblemHandler,
    progress?: (phase: RebuildProgress['phase']) => void,
  ): Promise<void> {
    const scope = this.#scope(options);
    const call: CallOptions = {};
    if (options.priority !== undefined) call.priority = options.priority;
    if (options.signal !== undefined) call.signal = options.signal;
    const inFlight = new InFlight(Math.max(8, Math.min(this.#host.window(), 256)));

    for await (const doc of this.#host.documents(call)) {
      counts.checked++;
      for (const partition of scope) {
        const key = partition.keyOf(doc);
        if (key === undefined) continue;
        await inFlight.add(
          this.#exists(key, call).then((found) => (found ? undefined : onProblem('missing', { partition: partition.name, id: doc.id, key }))),
        );
      }
      if (progress && counts.checked % PROGRESS_EVERY === 0) progress('documents');
    }
    await inFlight.drain();

    for (const partition of scope) {
      for await (const key of this.#references(partition, call)) {
        counts.references++;
        const id = idOfKey(key) as string;
        await inFlight.add(
          this.#host.read(id, call).then((found) => {
            if (found && partition.keyOf(found.doc) === key) return undefined;
            return onProblem('stale', { partition: partition.name, id, key });
          }),
        );
        if (progress && counts.references % PROGRESS_EVERY === 0) progress('references');
      }
    }
    await inFlight.drain();
  }

  #scope(options: RepairOptions): Partition[] {
    return options.partition === undefined ? [...this.#partitions.byName.values()] : [this.#partitions.get(options.partition)];
  }

  async #exists(key: string, options: CallOptions): Promise<boolean> {
    try {
      await this.#host.run((signal) => this.#host.store.headObject({ key, signal }), options);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async *#references(partition: Partition, options: CallOptions): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const input = { prefix: partition.prefix, maxKeys: 1000, ...(token !== undefined ? { continuationToken: token } : {}) };
      const page = await this.#host.run((signal) => this.#host.store.listObjects({ ...input, signal }), options);
      for (const object of page.objects) yield object.key;
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token !== undefined);
  }
}
