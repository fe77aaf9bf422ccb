/**
 * TasksRunner: s3db.js's batch helper, `process(items, handler)` with bounded
 * concurrency, resolving with the results and the failures. It runs on a
 * TasksPool, so on our one ExecutorPool (retries, timeouts, priorities).
 */
import { checkOptions, invalidOption } from './options.js';
import { EXECUTOR_POOL_OPTION_NAMES } from './executor-pool.js';
import { TasksPool, withoutS3dbPoolOptions, type TasksPoolOptions, type TasksPoolStats } from './tasks-pool.js';

/** Options of {@link TasksRunner.process}. */
export interface ProcessOptions<T, R> {
  /** Priority of every item's task in the pool. @default 0 */
  priority?: number;
  /** Called as each item succeeds (completion order), with its result, the item and its index. @default undefined — not called */
  onItemComplete?: (result: R, item: T, index: number) => void;
  /** Called as each item fails (completion order), with the error, the item and its index. @default undefined — not called */
  onItemError?: (error: unknown, item: T, index: number) => void;
  /**
   * After each item settles, success or failure: how many are done out of how many,
   * and `percentage` as a rounded integer from 0 to 100.
   * @default undefined — not called
   */
  onProgress?: (progress: { completed: number; total: number; percentage: number }) => void;
}

/** What {@link TasksRunner.process} resolves with. */
export interface ProcessResult<T, R> {
  /** Results of the items that succeeded, in item order. */
  results: R[];
  /** The items that failed, in item order. */
  errors: { item: T; index: number; error: unknown }[];
}

/**
 * s3db.js's batch helper: `process(items, handler)` with bounded concurrency,
 * resolving with the results and the failures. It runs on a {@link TasksPool},
 * so on one ExecutorPool (retries of transient failures, timeouts,
 * priorities). Takes {@link TasksPoolOptions}; a bad or unknown option throws
 * ValidationError.
 *
 * @example
 * const runner = new TasksRunner({ concurrency: 20 });
 * const { results, errors } = await runner.process(ids, (id) => users.get(id));
 * for (const { item, error } of errors) console.error(item, error);
 * await runner.destroy();
 */
export class TasksRunner {
  readonly #tasks: TasksPool;

  constructor(options: TasksPoolOptions = {}) {
    checkOptions('TasksRunner', withoutS3dbPoolOptions(options), [...EXECUTOR_POOL_OPTION_NAMES, 'pool']);
    this.#tasks = new TasksPool(options);
  }

  /** The pool's concurrency limit; setting it sets the pool's (an integer from 1, else ValidationError). */
  get concurrency(): number {
    return this.#tasks.concurrency;
  }

  set concurrency(value: number) {
    this.#tasks.concurrency = value;
  }

  /** The TasksPool underneath (for its events). */
  get tasksPool(): TasksPool {
    return this.#tasks;
  }

  /**
   * Calls `handler(item, index, signal)` for every item, at most `concurrency` at a
   * time, each as one pool task (so retried when it fails transiently). Resolves once
   * every item has settled and never rejects for an item's failure; see
   * {@link ProcessResult}. Throws ValidationError when `items` is not iterable or
   * `handler` not a function. The iterable is read in full before the first call.
   */
  async process<T, R>(items: Iterable<T>, handler: (item: T, index: number, signal: AbortSignal) => Promise<R> | R, options: ProcessOptions<T, R> = {}): Promise<ProcessResult<T, R>> {
    if (items === null || typeof (items as Iterable<T>)?.[Symbol.iterator] !== 'function') throw invalidOption('items', 'an array (or iterable) of items', items);
    if (typeof handler !== 'function') throw invalidOption('handler', 'a function (item, index) => result', handler);
    const list = [...items];
    const settled: ({ ok: true; value: R } | { ok: false; error: unknown } | undefined)[] = new Array(list.length).fill(undefined);
    let completed = 0;
    await Promise.all(
      list.map((item, index) =>
        this.#tasks.enqueue(async (signal) => handler(item, index, signal), { priority: options.priority ?? 0, metadata: { index } }).then(
          (value) => {
            settled[index] = { ok: true, value };
            options.onItemComplete?.(value, item, index);
          },
          (error: unknown) => {
            settled[index] = { ok: false, error };
            options.onItemError?.(error, item, index);
          },
        ).finally(() => {
          completed++;
          options.onProgress?.({ completed, total: list.length, percentage: Math.round((completed / list.length) * 100) });
        }),
      ),
    );
    const results: R[] = [];
    const errors: ProcessResult<T, R>['errors'] = [];
    settled.forEach((outcome, index) => {
      if (outcome?.ok) results.push(outcome.value);
      else if (outcome) errors.push({ item: list[index] as T, index, error: outcome.error });
    });
    return { results, errors };
  }

  /** The underlying TasksPool's stats; see {@link TasksPoolStats}. */
  getStats(): TasksPoolStats {
    return this.#tasks.getStats();
  }

  /** Stops the runner: held tasks reject with ClosedError and a pool it made is closed (see {@link TasksPool.stop}). */
  destroy(): Promise<void> {
    return this.#tasks.stop();
  }
}
