/**
 * The per-resource queue of partition reference work.
 *
 * Jobs of one document run one after another, in the order they were queued
 * (a lane per id), so this process never reorders its own reference moves;
 * jobs of different documents run side by side. A failed job is retried
 * with exponential backoff as a reconcile pass (it re-reads the document, so
 * the retry is right whatever happened meanwhile). A job that fails every
 * attempt is kept in `failures()` and reported by a `partitionError` event;
 * it is retried by the next write or repair of that document,
 * `retryFailed()` or `rebuildPartitions()`. Nothing is dropped.
 *
 * A job may carry partition intents (see partition-intents.ts): they are
 * deleted once its references are written, and kept in the store while it
 * waits or has failed, so a crash never hides unfinished work.
 */
import { compareKeys } from '../../storage/key-order.js';
import type { CallOptions } from '../resource-types.js';
import type { PartitionHost } from './partition-host.js';
import type { IntentLog } from './partition-intents.js';
import type { PartitionSet } from './partition-keys.js';
import { moveReferences, reconcileReferences } from './reference-writes.js';

export interface PartitionQueueOptions {
  /** Attempts after the first before a job is reported failed. @default 5 */
  retries: number;
  /** First backoff delay in ms, doubled per attempt (with jitter). @default 200 */
  retryDelay: number;
  /** Documents whose references are written at the same time. @default twice the pool's concurrency */
  concurrency: number | undefined;
  /**
   * Age in ms after which an intent left in the store by another process (or
   * an earlier run) is taken as abandoned and recovered. It must exceed the
   * longest a live writer takes from its intent to its document write (and
   * the clock skew between writers and the store). Intents of dead processes
   * of this machine are recovered at once. @default 300000 (5 minutes)
   */
  recoveryGrace: number;
}

export const DEFAULT_QUEUE_OPTIONS: PartitionQueueOptions = { retries: 5, retryDelay: 200, concurrency: undefined, recoveryGrace: 300_000 };

/**
 * A `move` that deletes keys and was queued longer than this runs as a
 * reconcile pass instead, and one that took longer is followed by one: a
 * late delete could land after another process's newer put of the same key
 * (a missing reference). Moves that only put (inserts) stay cheap: a late
 * put can only leave a stale reference, which reads skip and repair.
 */
const LATE_MS = 1000;

/** State of a resource's partition reference work, as `partitionStats()` and `flushPartitions()` return it. */
export interface PartitionStats {
  /** Jobs queued, running or waiting for a retry. */
  pending: number;
  /** Documents whose reference work failed every attempt and awaits repair. */
  failed: number;
  /** Retries so far (a job retried twice counts 2). */
  retried: number;
  /**
   * Intents found in the store that recovery has not finished: left by a
   * writer that stopped between a document write and its references (or by
   * one still at work, until `recoveryGrace` has passed). While any is
   * open, `query()` scans instead of trusting the partitions.
   */
  intents: number;
  /** Intents of stopped writers whose documents recovery brought in line. */
  recovered: number;
}

/**
 * A document whose partition references could not be written after every
 * attempt (`partitionFailures()`; also emitted as `partitionError`). It stays
 * recorded until the next write or repair of the document, `retryPartitions()`
 * or `rebuildPartitions()` succeeds.
 */
export interface PartitionFailure {
  /** The document's id. */
  id: string;
  /** The last attempt's error. */
  error: Error;
  /** Attempts made (the first plus `partitionQueue.retries`). */
  attempts: number;
  /** When the last attempt failed. */
  since: Date;
  /** Reference keys involved (deleted, put or expected). */
  keys: string[];
}

export interface ReferenceJob {
  id: string;
  mode: 'move' | 'reconcile';
  deletes: string[];
  puts: string[];
  /** Reconcile: keys to delete unless the document wants them. */
  candidates: Set<string>;
  /** Keys the document is expected to have afterwards (reads look at them before the job ran). */
  expected: string[];
  /** Run through the resource's middleware (false for sync jobs, whose write call already is). */
  observed: boolean;
  /** Intent keys to delete once the references are written. */
  intents?: string[];
  priority: number | undefined;
  signal?: AbortSignal;
}

interface QueuedJob extends ReferenceJob {
  intents: string[];
  attempts: number;
  queuedAt: number;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

export class PartitionQueue {
  readonly #host: PartitionHost;
  readonly #partitions: PartitionSet;
  readonly #intents: IntentLog;
  readonly #lanes = new Map<string, QueuedJob[]>();
  readonly #ready: string[] = [];
  readonly #failed = new Map<string, PartitionFailure>();
  /** Intents of recorded failures: deleted by whichever job later repairs the document. */
  readonly #failedIntents = new Map<string, string[]>();
  readonly #idle: (() => void)[] = [];
  #options: PartitionQueueOptions;
  #active = 0;
  #pending = 0;
  #retried = 0;

  constructor(host: PartitionHost, partitions: PartitionSet, intents: IntentLog, options: PartitionQueueOptions) {
    this.#host = host;
    this.#partitions = partitions;
    this.#intents = intents;
    this.#options = options;
  }

  set options(options: PartitionQueueOptions) {
    this.#options = options;
  }

  /** Queue counts; `intents` and `recovered` are filled in by recovery. */
  stats(): Omit<PartitionStats, 'intents' | 'recovered'> {
    return { pending: this.#pending, failed: this.#failed.size, retried: this.#retried };
  }

  failures(): PartitionFailure[] {
    return [...this.#failed.values()].map((f) => ({ ...f, keys: [...f.keys] }));
  }

  /** Queues `job` behind the other jobs of its document; a recorded failure of that document joins it. */
  enqueue(job: ReferenceJob): Promise<void> {
    const queued: QueuedJob = { ...job, candidates: new Set(job.candidates), intents: [...(job.intents ?? [])], attempts: 0, queuedAt: Date.now(), waiters: [] };
    const failure = this.#failed.get(job.id);
    if (failure) {
      this.#failed.delete(job.id);
      toReconcile(queued);
      for (const key of failure.keys) queued.candidates.add(key);
      queued.intents.push(...(this.#failedIntents.get(job.id) ?? []));
      this.#failedIntents.delete(job.id);
    }
    const done = new Promise<void>((resolve, reject) => queued.waiters.push({ resolve, reject }));
    let lane = this.#lanes.get(job.id);
    if (!lane) {
      lane = [];
      this.#lanes.set(job.id, lane);
      this.#ready.push(job.id);
    }
    lane.push(queued);
    this.#pending++;
    this.#pump();
    return done;
  }

  /** Queues a reconcile pass of `id` over `keys` (plus whatever its document wants), then deletes `intents`. */
  repair(id: string, keys: Iterable<string>, priority?: number, intents: string[] = []): Promise<void> {
    return this.enqueue({ id, mode: 'reconcile', deletes: [], puts: [], candidates: new Set(keys), expected: [], observed: true, priority, intents });
  }

  /** Whether queued work of `id` will already remove `key`. */
  willRemove(id: string, key: string): boolean {
    for (const job of this.#lanes.get(id) ?? []) if (job.deletes.includes(key) || job.candidates.has(key)) return true;
    return false;
  }

  /**
   * Keys under `prefix` that queued or failed jobs expect to exist, sorted:
   * partition reads look at these too, so a document is listed before its
   * reference is written.
   */
  expectedKeys(prefix: string): string[] {
    const keys = new Set<string>();
    for (const lane of this.#lanes.values()) {
      for (const job of lane) {
        // A reconcile pass may put any of its candidates: reads re-check them all.
        for (const key of job.expected) if (key.startsWith(prefix)) keys.add(key);
        for (const key of job.candidates) if (key.startsWith(prefix)) keys.add(key);
      }
    }
    for (const failure of this.#failed.values()) for (const key of failure.keys) if (key.startsWith(prefix)) keys.add(key);
    return [...keys].sort(compareKeys);
  }

  /** Requeues every recorded failure as a reconcile pass. */
  retryFailed(): Promise<void[]> {
    const failures = [...this.#failed.values()].map((f) => ({ ...f, intents: this.#failedIntents.get(f.id) ?? [] }));
    this.#failed.clear();
    this.#failedIntents.clear();
    return Promise.all(failures.map((f) => this.repair(f.id, f.keys, undefined, f.intents)));
  }

  /** Resolves when no job is queued, running or waiting for a retry. */
  async flush(): Promise<void> {
    while (this.#pending > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #concurrency(): number {
    return this.#options.concurrency ?? this.#host.window();
  }

  #pump(): void {
    while (this.#active < this.#concurrency() && this.#ready.length > 0) {
      const id = this.#ready.shift() as string;
      const job = this.#lanes.get(id)?.[0];
      if (job) void this.#run(id, job);
    }
  }

  async #run(id: string, job: QueuedJob): Promise<void> {
    this.#active++;
    if (job.mode === 'move' && job.deletes.length > 0 && Date.now() - job.queuedAt > LATE_MS) toReconcile(job);
    const options: CallOptions = {};
    if (job.priority !== undefined) options.priority = job.priority;
    if (job.signal !== undefined && job.attempts === 0) options.signal = job.signal;
    const reconcile = () => reconcileReferences(this.#host, this.#partitions, id, job.candidates, options).then(() => undefined);
    const work = async () => {
      if (job.mode === 'reconcile') return reconcile();
      await moveReferences(this.#host, job.deletes, job.puts, options);
      // A move that took long may have been overtaken by another process's newer move: check once.
      if (job.deletes.length > 0 && Date.now() - job.queuedAt > LATE_MS) {
        toReconcile(job);
        await reconcile();
      }
    };
    try {
      await (job.observed ? this.#host.call('syncPartitionRefs', [id, { keys: [...job.deletes, ...job.puts, ...job.candidates] }], work) : work());
      const next = this.#lanes.get(id)?.[1];
      if (next && this.#host.store.knownCapabilities?.()?.conditionalWrites === false) {
        // A store that ignores If-Match / If-None-Match lets the next write of this document replace our version
        // unseen, and that write's intent names only the version it read: ours stays in the store until the
        // document's later work is done, so a crash before then still has our keys recovered.
        next.intents.push(...job.intents);
      } else {
        // The references are written: the intents may go (before the write resolves, so a write leaves nothing behind).
        // One that cannot be deleted only costs a needless recovery later.
        await Promise.all(job.intents.map((key) => this.#intents.remove(key, options).catch(() => this.#intents.release(key))));
      }
      this.#finish(id);
      for (const w of job.waiters) w.resolve();
    } catch (err) {
      this.#fail(id, job, err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.#active--;
      this.#pump();
    }
  }

  #finish(id: string): void {
    const lane = this.#lanes.get(id) as QueuedJob[];
    lane.shift();
    this.#pending--;
    if (lane.length > 0) this.#ready.push(id);
    else this.#lanes.delete(id);
    if (this.#pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  #fail(id: string, job: QueuedJob, error: Error): void {
    job.attempts++;
    // The caller of a sync write learns at once; the job goes on in the background.
    for (const w of job.waiters.splice(0)) w.reject(error);
    toReconcile(job);
    job.observed = true;
    if (job.attempts <= this.#options.retries) {
      this.#retried++;
      const base = this.#options.retryDelay * 2 ** (job.attempts - 1);
      setTimeout(() => {
        this.#ready.push(id);
        this.#pump();
      }, base / 2 + Math.random() * (base / 2));
      return;
    }
    const lane = this.#lanes.get(id) as QueuedJob[];
    const next = lane[1];
    const keys = new Set([...job.candidates, ...job.expected]);
    if (next) {
      // The document's next job takes this work over: it re-reads the document and covers these keys.
      toReconcile(next);
      for (const key of keys) next.candidates.add(key);
      next.intents.push(...job.intents);
    } else {
      const failure: PartitionFailure = { id, error, attempts: job.attempts, since: new Date(), keys: [...keys] };
      this.#failed.set(id, failure);
      if (job.intents.length > 0) this.#failedIntents.set(id, [...job.intents]);
      this.#host.emit('partitionError', { id, error, attempts: job.attempts, keys: [...keys] });
    }
    this.#finish(id);
  }
}

function toReconcile(job: ReferenceJob): void {
  if (job.mode === 'reconcile') return;
  job.mode = 'reconcile';
  for (const key of job.deletes) job.candidates.add(key);
  for (const key of job.puts) job.candidates.add(key);
  job.deletes = [];
  job.puts = [];
}
