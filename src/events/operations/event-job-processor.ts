/**
 * Turns stored events into background jobs through an outbox: the job row is
 * inserted in the same transaction as the event, on SQLite or PostgreSQL.
 */
import { ConfigurationError } from '../../core/errors.js';
import { checkOptions, invalidOption } from '../../core/options.js';
import type { EventRow } from '../event-row.js';
import type { BackgroundJobQueue } from './background-job-queue.js';
import type { AsyncEventStoreHandle, HookableEventStore, TransactionalJobQueue } from './event-store-handle.js';
import { addImportHook } from './import-hooks.js';
import { ON_EVENT_OPTION_NAMES, resolveAddOptions } from './job-queue-options.js';
import type { AddJobOptions } from './job-types.js';

/** Options of `eventJobProcessor.onEvent(cmd, jobName, map, options)`: passed to `jobQueue.add` for each job. Unknown keys throw `ValidationError`. */
export interface OnEventOptions {
  /** Priority of the jobs this rule adds. @default 0 */
  priority?: number;
  /** Milliseconds after the event the job becomes due. @default 0 */
  delay?: number;
  /** Attempts in all before a job of this rule fails for good. @default undefined — the worker's `retryAttempts` + 1 */
  maxAttempts?: number;
  /** Milliseconds per attempt before its signal is aborted. @default undefined — the worker's `timeout` */
  timeout?: number;
}

interface Rule {
  jobName: string;
  map: (row: EventRow) => unknown;
  options: OnEventOptions;
}

/** The job ids `processEvent` gives: at once on SQLite, as a promise on PostgreSQL. */
export type ProcessedJobIds<Q> = Q extends TransactionalJobQueue ? Promise<number[]> : number[];

function isTransactional(jobQueue: unknown): jobQueue is TransactionalJobQueue {
  return typeof (jobQueue as TransactionalJobQueue | null)?.linkEventStore === 'function';
}

function isAsyncStore(eventQueue: unknown): eventQueue is AsyncEventStoreHandle {
  const backend = (eventQueue as AsyncEventStoreHandle | null)?.backend;
  return backend === 'sqlite' || backend === 'postgres';
}

/**
 * Enqueues a job whenever an event with a given `cmd` is stored (by `store`,
 * `storeAsync`, `storeBulk`, or a JSONL import). The job is written inside the
 * event's transaction: a rolled-back event enqueues nothing and a committed one
 * always has its job, even if the process dies right after. Each job's
 * idempotency key is `event:<event id>:<job name>`, so an event never enqueues
 * the same job twice.
 *
 * The job queue must keep its jobs in the event queue's database. With
 * `initQueue`: a `BackgroundJobQueue` created with no arguments (it is then
 * linked here), with `{ queue: eventQueue }`, or with `{ dbName }` naming the
 * event queue's file. With `openQueue`: `openJobQueue` on the same connection
 * string (SQLite or PostgreSQL). A job queue in another database is refused with
 * a ConfigurationError (on PostgreSQL: by {@link ready}, and by every event that
 * would add a job).
 *
 * @example
 * // openQueue / openJobQueue (SQLite or PostgreSQL), one connection string:
 * const events = await openQueue({ connectionString: url });
 * const jobs = await openJobQueue({ connectionString: url });
 * const processor = new EventJobProcessor(events, jobs);
 * await processor.ready();
 * processor.onEvent('orderPlaced', 'ship', (row) => ({ order: row.data.id }), { maxAttempts: 5, timeout: 30_000 });
 *
 * @example
 * const eventQueue = initQueue({ dbName: 'data/events.sqlite' });
 * const jobQueue = new BackgroundJobQueue();
 * const eventJobProcessor = new EventJobProcessor(eventQueue, jobQueue);
 * jobQueue.registerWorker('sendEmail', async (data) => sendEmail(data.recipient, data.message));
 * eventJobProcessor.onEvent('userRegistered', 'sendEmail', (eventRow) => ({
 *   recipient: eventRow.data.email,
 *   message: 'Welcome!',
 * }));
 * jobQueue.start();
 */
export class EventJobProcessor<Q extends BackgroundJobQueue | TransactionalJobQueue = BackgroundJobQueue> {
  readonly #jobs: Q;
  readonly #rules = new Map<string, Rule[]>();
  readonly #unsubscribe: Array<() => void>;
  readonly #linked: Promise<void>;

  constructor(eventQueue: HookableEventStore | AsyncEventStoreHandle, jobQueue: Q) {
    if (eventQueue === null || typeof eventQueue !== 'object' || typeof eventQueue.onEventStored !== 'function') {
      throw invalidOption('eventQueue', 'an event queue from initQueue() or openQueue()', eventQueue);
    }
    this.#jobs = jobQueue;
    if (isTransactional(jobQueue)) {
      if (!isAsyncStore(eventQueue) || eventQueue.backend !== 'postgres') {
        throw new ConfigurationError('A PostgreSQL job queue can only take jobs from an openQueue store on the same PostgreSQL database (one connection string for both).');
      }
      this.#linked = jobQueue.linkEventStore(eventQueue);
      this.#linked.catch(() => {}); // reported by ready() and by the events that would add a job
      const hook = async (row: EventRow) => {
        for (const rule of this.#rules.get(row.cmd) ?? []) await jobQueue.addInEventTransaction(rule.jobName, rule.map(row), this.#addOptions(rule, row));
      };
      this.#unsubscribe = [eventQueue.onEventStored(hook), addImportHook(eventQueue, hook)];
      return;
    }
    if (jobQueue === null || typeof jobQueue !== 'object' || typeof jobQueue.linkEventQueue !== 'function') {
      throw invalidOption('jobQueue', 'a BackgroundJobQueue or a job queue from openJobQueue()', jobQueue);
    }
    // An openQueue store on SQLite writes through its synchronous queue: the hook goes there.
    const queue = isAsyncStore(eventQueue) ? eventQueue.queue : (eventQueue as HookableEventStore);
    if (queue === undefined) {
      throw new ConfigurationError('A SQLite job queue can only take jobs from a SQLite event queue (its jobs must commit in the event transaction); open the job queue with openJobQueue on the same connection string.');
    }
    jobQueue.linkEventQueue(queue);
    this.#linked = Promise.resolve();
    const hook = (row: EventRow) => {
      for (const rule of this.#rules.get(row.cmd) ?? []) jobQueue.add(rule.jobName, rule.map(row), this.#addOptions(rule, row));
    };
    this.#unsubscribe = [queue.onEventStored(hook), addImportHook(queue, hook)];
  }

  /**
   * Resolves once the job queue is known to share the event queue's database;
   * rejects with a ConfigurationError when it does not (PostgreSQL: two databases).
   * On SQLite the constructor has checked already.
   */
  ready(): Promise<void> {
    return this.#linked;
  }

  /**
   * Adds a rule: each stored event with `cmd` enqueues `jobName` with `map(eventRow)`
   * as its data (the event's `data` when `map` is omitted). A throwing `map` rolls the
   * event back. Options (`priority`, `delay`, `maxAttempts`, `timeout`) are checked here,
   * not when an event is stored.
   */
  onEvent<D = unknown>(cmd: string, jobName: string, map: (eventRow: EventRow<D>) => unknown = (row) => row.data, options: OnEventOptions = {}): this {
    if (typeof cmd !== 'string' || cmd === '') throw invalidOption('cmd', 'a non-empty command name', cmd);
    if (typeof jobName !== 'string' || jobName === '') throw invalidOption('jobName', 'a non-empty job name', jobName);
    if (typeof map !== 'function') throw invalidOption('map', 'a function (eventRow) => job data', map);
    // Checked now: a bad option found when an event is stored would roll that event back.
    checkOptions('onEvent', options, ON_EVENT_OPTION_NAMES);
    resolveAddOptions(options, 0);
    const rules = this.#rules.get(cmd) ?? [];
    if (rules.some((rule) => rule.jobName === jobName)) {
      throw new ConfigurationError(`A rule for cmd "${cmd}" already enqueues "${jobName}"`);
    }
    rules.push({ jobName, map: map as (eventRow: EventRow) => unknown, options: { ...options } });
    this.#rules.set(cmd, rules);
    return this;
  }

  /**
   * eventlite's `processEvent(eventData, eventRow)`: the ids of the jobs the rules
   * for the event's cmd give. For a stored event the outbox has already added them
   * (same idempotency key), so this returns their ids and adds nothing; for an
   * event that was never stored (no `id`), it adds the jobs.
   */
  processEvent(eventData: unknown, eventRow?: Partial<EventRow>): ProcessedJobIds<Q> {
    const cmd = eventRow?.cmd ?? (eventData as { cmd?: unknown } | null)?.cmd;
    const rules = typeof cmd === 'string' ? (this.#rules.get(cmd) ?? []) : [];
    const row = { ...eventRow, cmd, data: eventRow?.data ?? eventData } as EventRow;
    const ids = rules.map((rule) => (this.#jobs as BackgroundJobQueue | TransactionalJobQueue).add(rule.jobName, rule.map(row), this.#addOptions(rule, row)));
    return (isTransactional(this.#jobs) ? Promise.all(ids) : ids) as ProcessedJobIds<Q>;
  }

  /**
   * eventlite's `createEventCallback()`: a callback set for `store`. Jobs are
   * already enqueued by the outbox inside the event's transaction, so its
   * `_default` only looks them up (never a second job); `_error` ignores failures.
   */
  createEventCallback(): { _default: (result: unknown, row: EventRow) => void; _error: () => void } {
    return {
      _default: (_result, row) => {
        const ids: number[] | Promise<number[]> = this.processEvent(row.data, row);
        if (ids instanceof Promise) ids.catch(() => {}); // a lookup only: the outbox added the jobs
      },
      _error: () => {},
    };
  }

  /** Stops enqueuing jobs for new events. */
  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  /** The rule's options, keyed to the event when it was stored (an id), so it adds its job once. */
  #addOptions(rule: Rule, row: Partial<EventRow>): AddJobOptions {
    return typeof row.id === 'number' ? { ...rule.options, idempotencyKey: `event:${row.id}:${rule.jobName}` } : { ...rule.options };
  }
}
