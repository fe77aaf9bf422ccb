/**
 * TasksRunner: s3db.js's batch helper, `process(items, handler)` with bounded
 * concurrency, resolving with the results and the failures. It runs on a
 * TasksPool, so on our one ExecutorPool (retries, timeouts, priorities).
 *
 * @example
 * const runner = new TasksRunner({ concurrency: 20 });
 * const { results, errors } = await runner.process(ids, (id) => users.get(id));
 */
import { checkOptions, invalidOption } from './options.js';
import { EXECUTOR_POOL_OPTION_NAMES } from './executor-pool.js';
import { TasksPool, withoutS3dbPoolOptions, type TasksPoolOptions, type TasksPoolStats } from './tasks-pool.js';

export interface ProcessOptions<T, R> {
  priority?: number;
  onItemComplete?: (result: R, item: T, index: number) => void;
  onItemError?: (error: unknown, item: T, index: number) => void;
  /** After each item: how many are done out of how many. */
  onProgress?: (progress: { completed: number; total: number; percentage: number }) => void;
}

export interface ProcessResult<T, R> {
  /** Results of the items that succeeded, in item order. */
  results: R[];
  /** The items that failed, in item order. */
  errors: { item: T; index: number; error: unknown }[];
}

export class TasksRunner {
  readonly #tasks: TasksPool;

  constructor(options: TasksPoolOptions = {}) {
    checkOptions('TasksRunner', withoutS3dbPoolOptions(options), [...EXECUTOR_POOL_OPTION_NAMES, 'pool']);
    this.#tasks = new TasksPool(options);
  }

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

  getStats(): TasksPoolStats {
    return this.#tasks.getStats();
  }

  destroy(): Promise<void> {
    return this.#tasks.stop();
  }
}
