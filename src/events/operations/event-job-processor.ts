/**
 * Turns stored events into background jobs through an outbox: the job row is
 * inserted in the same SQLite transaction as the event.
 */
import { ConfigurationError } from '../../core/errors.js';
import { checkOptions, invalidOption } from '../../core/options.js';
import type { EventRow } from '../event-row.js';
import type { BackgroundJobQueue } from './background-job-queue.js';
import type { HookableEventStore } from './event-store-handle.js';
import { addImportHook } from './import-hooks.js';
import { ON_EVENT_OPTION_NAMES, resolveAddOptions } from './job-queue-options.js';

/** Options of `eventJobProcessor.onEvent(cmd, jobName, map, options)`: passed to `jobQueue.add` for each job. Unknown keys throw `ValidationError`. */
export interface OnEventOptions {
  /** Priority of the jobs this rule adds. @default 0 */
  priority?: number;
  /** Milliseconds after the event the job becomes due. @default 0 */
  delay?: number;
}

interface Rule {
  jobName: string;
  map: (row: EventRow) => unknown;
  options: OnEventOptions;
}

/**
 * Enqueues a job whenever an event with a given `cmd` is stored (by `store`,
 * `storeAsync`, `storeBulk`, or a JSONL import). The job is written inside the
 * event's transaction: a rolled-back event enqueues nothing and a committed one
 * always has its job, even if the process dies right after. Each job's
 * idempotency key is `event:<event id>:<job name>`, so an event never enqueues
 * the same job twice.
 *
 * `eventQueue` is a synchronous queue from `initQueue`. The job queue must keep its
 * jobs in the event queue's database: create it with no arguments (it is then
 * linked here) or with `{ queue: eventQueue }`; otherwise the constructor throws
 * `ConfigurationError`.
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
export class EventJobProcessor {
  readonly #jobs: BackgroundJobQueue;
  readonly #rules = new Map<string, Rule[]>();
  readonly #unsubscribe: Array<() => void>;

  constructor(eventQueue: HookableEventStore, jobQueue: BackgroundJobQueue) {
    if (eventQueue === null || typeof eventQueue !== 'object' || typeof eventQueue.onEventStored !== 'function') {
      throw invalidOption('eventQueue', 'an event queue from initQueue()', eventQueue);
    }
    if (jobQueue === null || typeof jobQueue !== 'object' || typeof jobQueue.linkEventQueue !== 'function') {
      throw invalidOption('jobQueue', 'a BackgroundJobQueue', jobQueue);
    }
    jobQueue.linkEventQueue(eventQueue);
    this.#jobs = jobQueue;
    const hook = (row: EventRow) => this.#enqueue(row);
    this.#unsubscribe = [eventQueue.onEventStored(hook), addImportHook(eventQueue, hook)];
  }

  /**
   * Adds a rule: each stored event with `cmd` enqueues `jobName` with `map(eventRow)`
   * as its data (the event's `data` when `map` is omitted). A throwing `map` rolls the
   * event back.
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
  processEvent(eventData: unknown, eventRow?: Partial<EventRow>): number[] {
    const cmd = eventRow?.cmd ?? (eventData as { cmd?: unknown } | null)?.cmd;
    if (typeof cmd !== 'string') return [];
    const rules = this.#rules.get(cmd);
    if (!rules) return [];
    const row = { ...eventRow, cmd, data: eventRow?.data ?? eventData } as EventRow;
    return rules.map((rule) =>
      this.#jobs.add(rule.jobName, rule.map(row), {
        ...rule.options,
        ...(typeof row.id === 'number' ? { idempotencyKey: `event:${row.id}:${rule.jobName}` } : {}),
      }),
    );
  }

  /**
   * eventlite's `createEventCallback()`: a callback set for `store`. Jobs are
   * already enqueued by the outbox inside the event's transaction, so its
   * `_default` only looks them up (never a second job); `_error` ignores failures.
   */
  createEventCallback(): { _default: (result: unknown, row: EventRow) => void; _error: () => void } {
    return {
      _default: (_result, row) => {
        this.processEvent(row.data, row);
      },
      _error: () => {},
    };
  }

  /** Stops enqueuing jobs for new events. */
  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  #enqueue(row: EventRow): void {
    const rules = this.#rules.get(row.cmd);
    if (!rules) return;
    for (const rule of rules) {
      this.#jobs.add(rule.jobName, rule.map(row), {
        ...rule.options,
        idempotencyKey: `event:${row.id}:${rule.jobName}`,
      });
    }
  }
}
