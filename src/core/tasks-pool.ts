/**
 * TasksPool: s3db.js's task pool API (`enqueue`, `addBatch`, `pause`/`resume`,
 * `getStats`, `pool:*` events) as a face over our ExecutorPool. The pool does
 * the queueing, priorities, retries and timeouts; the face only names tasks,
 * times them and emits s3db.js's events. Pause works through the pool's
 * public cancellation: tasks still queued in the pool are taken back out and
 * handed in again on resume; running tasks finish.
 */
import { EventEmitter } from 'node:events';
import { AbortError, ClosedError } from './errors.js';
import { checkOptions, invalidOption } from './options.js';
import { EXECUTOR_POOL_OPTION_NAMES, ExecutorPool, type ExecutorPoolOptions, type ExecutorPoolStats, type Task } from './executor-pool.js';

/** s3db.js pool options that tune only its own pool's metrics and retry shaping: accepted, unused (ours retries transient errors only). */
const S3DB_POOL_ONLY = ['retryableErrors', 'retryStrategy', 'queue', 'monitoring', 'autoTuning'];
/** s3db.js autotune options our AIMD tuner has no use for: accepted, unused. */
const S3DB_AUTOTUNE_ONLY = ['targetMemoryPercent', 'adjustmentInterval'];

/**
 * An s3db.js pool options object without the names only s3db.js's pool reads
 * (a copy; anything not a plain object is returned as is). Every other name is
 * then checked by ExecutorPool, so a misspelt one still fails.
 */
export function withoutS3dbPoolOptions<T>(options: T): T {
  if (options === null || typeof options !== 'object' || Array.isArray(options) || options instanceof ExecutorPool) return options;
  const out: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of S3DB_POOL_ONLY) delete out[key];
  const tune = out.autotune;
  if (tune !== null && typeof tune === 'object' && !Array.isArray(tune)) {
    const copy: Record<string, unknown> = { ...(tune as Record<string, unknown>) };
    for (const key of S3DB_AUTOTUNE_ONLY) delete copy[key];
    out.autotune = copy;
  }
  return out as T;
}

/**
 * Options of {@link TasksPool} and TasksRunner: the {@link ExecutorPoolOptions}
 * plus `pool`. The names only s3db.js's own pool reads (`retryableErrors`,
 * `retryStrategy`, `queue`, `monitoring`, `autoTuning`,
 * `autotune.targetMemoryPercent`, `autotune.adjustmentInterval`) are accepted
 * and ignored; any other unknown name throws ValidationError.
 */
export interface TasksPoolOptions extends ExecutorPoolOptions {
  /**
   * Share this pool (e.g. `db.executorPool`) instead of making one; the other options
   * are then ignored and stop() leaves the pool open.
   * @default undefined — a new ExecutorPool is made from the other options, and closed by stop()
   */
  pool?: ExecutorPool;
}

/** Options of one {@link TasksPool.enqueue} call. `retries` is the pool's option: giving it here rejects with ValidationError. */
export interface EnqueueOptions {
  /** Higher runs first; equal priorities run in call order (any finite number). @default 0 */
  priority?: number;
  /** Per-attempt timeout in ms; 0 disables it. @default the pool's `timeout` */
  timeout?: number;
  /**
   * Aborting cancels the task (queued: never starts; running: its signal aborts);
   * enqueue() then rejects with AbortError. A task given a signal is handed to the
   * pool as is, so pause() does not take it back once submitted.
   * @default undefined — only pause(), stop() or the timeout end the task early
   */
  signal?: AbortSignal;
  /** Carried on the {@link PoolTask} the `pool:*` events receive. @default {} */
  metadata?: Record<string, unknown>;
}

/** What the `pool:*` events receive. */
export interface PoolTask {
  /** `task-<n>`, unique within the process. */
  readonly id: string;
  /** The priority it was enqueued with. */
  readonly priority: number;
  /** The `metadata` it was enqueued with (`{ index }` for addBatch and TasksRunner items). */
  readonly metadata: Record<string, unknown>;
  /** Attempts made so far (1 on the first run). */
  attempts: number;
  /**
   * Epoch ms (`Date.now()`) of enqueue and of the first start, then the ms spent
   * queued (`queueWait`) and from first start to settle, retries included (`execution`).
   * The last three are set as the task gets there.
   */
  timings: { enqueuedAt: number; startedAt?: number; queueWait?: number; execution?: number };
  /** Total ms from first start to settle. */
  duration?: number;
}

/**
 * What {@link TasksPool.getStats} returns: the underlying pool's
 * {@link ExecutorPoolStats} (a shared pool counts every user's work) plus
 * s3db.js's names and this face's own counters.
 */
export interface TasksPoolStats extends ExecutorPoolStats {
  /** Tasks waiting: queued in the pool plus held by pause(). */
  queueSize: number;
  /** The pool's tasks running now (`active`). */
  activeCount: number;
  /** This face's tasks that resolved. */
  processedCount: number;
  /** This face's tasks that rejected in the pool (timeouts, aborts and a closing pool included; held tasks rejected by stop() are not counted). */
  errorCount: number;
  /** Retry attempts of this face's tasks. */
  retryCount: number;
  /** Tasks held by pause() (queued here, not in the pool). */
  pausedCount: number;
  /** The pool's current concurrency limit (moves under autotune). */
  effectiveConcurrency: number;
  /** Whether pause() is in force. */
  paused: boolean;
}

/** Options of {@link TasksPool.addBatch}. */
export interface BatchOptions<T> {
  /** Priority of every task of the batch. @default 0 */
  priority?: number;
  /** Called as each task resolves (completion order), with its result and index. @default undefined — not called */
  onItemComplete?: (result: T, index: number) => void;
  /** Called as each task rejects (completion order), with the error and its index. @default undefined — not called */
  onItemError?: (error: unknown, index: number) => void;
}

interface Entry<T = unknown> {
  task: PoolTask;
  fn: Task<T>;
  timeout: number | undefined;
  userSignal: AbortSignal | undefined;
  /** Aborted by pause() to take the task back while it is still queued in the pool. */
  recall: AbortController | undefined;
  started: boolean;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

let nextId = 0;

/**
 * s3db.js's task pool API (`enqueue`, `addBatch`, `pause`/`resume`,
 * `getStats`, `pool:*` events) over one {@link ExecutorPool}, which does the
 * queueing, priorities, retries and timeouts. Pause takes tasks still queued
 * in the pool back out and hands them in again on resume; running tasks finish.
 *
 * Events: `pool:taskStarted` (task), `pool:taskRetried` (task, retry number),
 * `pool:taskCompleted` (task), `pool:taskFailed` (task, error), `pool:paused`,
 * `pool:resumed`, `pool:drained`; each task is a {@link PoolTask}.
 *
 * The constructor throws ValidationError for a bad or unknown option.
 *
 * @example
 * const tasks = new TasksPool({ concurrency: 10, retries: 2 });
 * tasks.on('pool:taskCompleted', (task) => console.log(task.id, task.duration, 'ms'));
 * const response = await tasks.enqueue((signal) => fetch(url, { signal }), { priority: 10, metadata: { url } });
 * const { results, errors } = await tasks.addBatch(urls.map((u) => (signal: AbortSignal) => fetch(u, { signal })));
 * await tasks.stop();
 */
export class TasksPool extends EventEmitter {
  /** The one pool doing the work. */
  readonly pool: ExecutorPool;
  readonly #ownsPool: boolean;
  readonly #waiting = new Set<Entry>();
  readonly #held: Entry[] = [];
  #paused = false;
  #processed = 0;
  #errors = 0;
  #retries = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(given: TasksPoolOptions = {}) {
    super();
    const options = withoutS3dbPoolOptions(given);
    checkOptions('TasksPool', options, [...EXECUTOR_POOL_OPTION_NAMES, 'pool']);
    const { pool, ...poolOptions } = options;
    if (pool !== undefined && !(pool instanceof ExecutorPool)) throw invalidOption('pool', 'an ExecutorPool', pool);
    this.pool = pool ?? new ExecutorPool(poolOptions);
    this.#ownsPool = pool === undefined;
  }

  /** The pool's concurrency limit; setting it sets the pool's (an integer from 1, else ValidationError). */
  get concurrency(): number {
    return this.pool.concurrency;
  }

  set concurrency(value: number) {
    this.pool.concurrency = value;
  }

  /** s3db.js's setter form of `concurrency = value`. */
  setConcurrency(value: number): void {
    this.pool.concurrency = value;
  }

  /** Whether pause() is in force. */
  get isPaused(): boolean {
    return this.#paused;
  }

  /**
   * Runs `fn` through the pool; `fn` receives an AbortSignal to pass to its request.
   * While paused the task is held until resume(). Rejects with ValidationError (bad
   * `fn`, `priority` or options), ClosedError (the pool is closed), AbortError, TimeoutError or
   * the task's own error, as {@link ExecutorPool.run}.
   */
  enqueue<T>(fn: Task<T>, options: EnqueueOptions = {}): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(invalidOption('fn', 'a function', fn));
    if (options === null || typeof options !== 'object') return Promise.reject(invalidOption('options', 'an object', options));
    if ('retries' in options) return Promise.reject(invalidOption('retries', "absent: retries are the pool's option (new TasksPool({ retries }))", (options as { retries: unknown }).retries));
    const { priority = 0, timeout, signal, metadata = {} } = options;
    if (typeof priority !== 'number' || !Number.isFinite(priority)) return Promise.reject(invalidOption('priority', 'a finite number', priority));
    if (this.pool.closed) return Promise.reject(new ClosedError('TasksPool is stopped; create a new one to run more work'));
    return new Promise<T>((resolve, reject) => {
      const entry: Entry<T> = {
        task: { id: `task-${++nextId}`, priority, metadata, attempts: 0, timings: { enqueuedAt: Date.now() } },
        fn,
        timeout,
        userSignal: signal,
        recall: undefined,
        started: false,
        resolve,
        reject,
      };
      if (this.#paused) this.#held.push(entry as Entry);
      else this.#submit(entry as Entry);
    });
  }

  /**
   * Runs every function (each a task with `metadata: { index }`); resolves once all
   * have settled, never rejecting for a task's failure: `results[i]` is task i's
   * result (undefined if it failed), `errors` lists the failures sorted by index.
   * Throws ValidationError when `fns` is not an array.
   */
  async addBatch<T>(fns: Task<T>[], options: BatchOptions<T> = {}): Promise<{ results: (T | undefined)[]; errors: { index: number; error: unknown }[] }> {
    if (!Array.isArray(fns)) throw invalidOption('fns', 'an array of functions', fns);
    const results: (T | undefined)[] = new Array(fns.length).fill(undefined);
    const errors: { index: number; error: unknown }[] = [];
    await Promise.all(
      fns.map((fn, index) =>
        this.enqueue(fn, { priority: options.priority ?? 0, metadata: { index } }).then(
          (value) => {
            results[index] = value;
            options.onItemComplete?.(value, index);
          },
          (error: unknown) => {
            errors.push({ index, error });
            options.onItemError?.(error, index);
          },
        ),
      ),
    );
    errors.sort((a, b) => a.index - b.index);
    return { results, errors };
  }

  /** Stops starting tasks: those still queued in the pool are taken back until resume(). */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    for (const entry of [...this.#waiting]) if (!entry.started) entry.recall?.abort();
    this.emit('pool:paused');
  }

  /** Hands the tasks held by pause() back to the pool and lets new ones through. No-op when not paused. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    for (const entry of this.#held.splice(0)) this.#submit(entry);
    this.emit('pool:resumed');
  }

  /** Resolves when none of this face's tasks is queued or running (a paused pool's held tasks wait for resume()). */
  drain(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #idle(): boolean {
    return this.#waiting.size === 0 && (this.#held.length === 0 || this.#paused);
  }

  #checkIdle(): void {
    if (!this.#idle()) return;
    this.emit('pool:drained');
    for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  /** Counters and load of this face and its pool; see {@link TasksPoolStats}. */
  getStats(): TasksPoolStats {
    const stats = this.pool.stats();
    return {
      ...stats,
      queueSize: stats.queued + this.#held.length,
      activeCount: stats.active,
      processedCount: this.#processed,
      errorCount: this.#errors,
      retryCount: this.#retries,
      pausedCount: this.#held.length,
      effectiveConcurrency: stats.concurrency,
      paused: this.#paused,
    };
  }

  /**
   * Rejects held tasks with ClosedError, and closes the pool if this face made it
   * (queued tasks are rejected, running ones finish); a shared pool is left open and
   * only this face's tasks are awaited.
   */
  async stop(): Promise<void> {
    for (const entry of this.#held.splice(0)) entry.reject(new ClosedError('TasksPool was stopped before this task started'));
    this.#checkIdle();
    if (this.#ownsPool) await this.pool.close();
    else await this.drain();
  }

  /** s3db.js's other name of stop(). */
  destroy(): Promise<void> {
    return this.stop();
  }

  #submit(entry: Entry): void {
    // A caller's signal goes to the pool as is (so work nested in a task still runs in its slot);
    // otherwise the face holds a controller so pause() can take the task back.
    entry.recall = entry.userSignal === undefined ? new AbortController() : undefined;
    const signal = entry.userSignal ?? entry.recall?.signal;
    this.#waiting.add(entry);
    const { task } = entry;
    const run: Task<unknown> = (attemptSignal) => {
      task.attempts++;
      if (!entry.started) {
        entry.started = true;
        task.timings.startedAt = Date.now();
        task.timings.queueWait = task.timings.startedAt - task.timings.enqueuedAt;
        this.emit('pool:taskStarted', task);
      } else {
        this.#retries++;
        this.emit('pool:taskRetried', task, task.attempts - 1);
      }
      return entry.fn(attemptSignal);
    };
    this.pool.run(run, { priority: task.priority, ...(signal ? { signal } : {}), ...(entry.timeout !== undefined ? { timeout: entry.timeout } : {}) }).then(
      (value) => this.#settle(entry, undefined, value),
      (error: unknown) => {
        if (!entry.started && entry.recall?.signal.aborted && error instanceof AbortError) {
          this.#waiting.delete(entry);
          this.#held.push(entry);
          this.#checkIdle();
          return;
        }
        this.#settle(entry, error, undefined);
      },
    );
  }

  #settle(entry: Entry, error: unknown, value: unknown): void {
    this.#waiting.delete(entry);
    const { task } = entry;
    if (task.timings.startedAt !== undefined) {
      task.timings.execution = Date.now() - task.timings.startedAt;
      task.duration = task.timings.execution;
    }
    if (error === undefined) {
      this.#processed++;
      this.emit('pool:taskCompleted', task);
      entry.resolve(value);
    } else {
      this.#errors++;
      this.emit('pool:taskFailed', task, error);
      entry.reject(error);
    }
    this.#checkIdle();
  }
}
