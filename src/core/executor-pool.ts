/**
 * ExecutorPool: runs async work with bounded concurrency, priorities, retries
 * of transient failures, per-attempt timeouts that really abort, and optional
 * AIMD autotuning of the concurrency limit.
 */
import { EventEmitter } from 'node:events';
import { AbortError, ClosedError, TimeoutError } from './errors.js';
import { assertKnownOptions, checkOptions, invalidOption } from './options.js';
import { Autotuner, type AutotuneOptions } from './autotune.js';
import { PriorityQueue, type QueueEntry } from './priority-queue.js';
import { backoffDelay, isRetryable } from './retry-policy.js';
import { LatencyWindow, type LatencyPercentiles } from './latency-window.js';
import { Deadlines } from './deadlines.js';
import { sleep } from './sleep.js';

export type { AutotuneOptions } from './autotune.js';

/**
 * Options of {@link ExecutorPool} (and of TasksPool, TasksRunner and a
 * database's `executorPool`). Checked at construction: a bad value or an
 * unknown name throws ValidationError naming the option.
 */
export interface ExecutorPoolOptions {
  /** Most tasks in flight at once (an integer from 1). @default 100 */
  concurrency?: number;
  /** Further attempts after a retryable failure (an integer from 0; 0 never retries). @default 3 */
  retries?: number;
  /**
   * Base of the exponential backoff in ms: the wait before retry n (from 0) is random in
   * [0, retryDelay × 2^n] (full jitter), or the server's Retry-After when that is longer.
   * @default 1000
   */
  retryDelay?: number;
  /** Per-attempt timeout in ms; 0 disables it. An attempt over it has its signal aborted and fails with TimeoutError (retryable). @default 30000 */
  timeout?: number;
  /** Every `agingInterval` ms a queued task waits raises its priority by 1, so nothing starves (an integer from 1). @default 1000 */
  agingInterval?: number;
  /** Adjust `concurrency` within bounds from observed latency; see {@link AutotuneOptions}. @default undefined — the limit stays at `concurrency` */
  autotune?: AutotuneOptions;
  /**
   * Decides whether a failure is worth another attempt. An abort of the caller's
   * signal is never retried, whatever this returns.
   * @default isRetryable — throttling, HTTP 429/5xx, timeouts and network resets only
   */
  shouldRetry?: (error: unknown) => boolean;
}

/** The option names ExecutorPool takes (TasksPool adds `pool`). */
export const EXECUTOR_POOL_OPTION_NAMES = ['concurrency', 'retries', 'retryDelay', 'timeout', 'agingInterval', 'autotune', 'shouldRetry'] as const;
const AUTOTUNE_OPTION_NAMES = ['enabled', 'targetLatency', 'minConcurrency', 'maxConcurrency', 'decreaseFactor'] as const;

/** Options of one {@link ExecutorPool.run} call. */
export interface RunOptions {
  /** Higher runs first; equal priorities run in call order (any finite number, negatives too). @default 0 */
  priority?: number;
  /** Per-attempt timeout for this task, in ms; 0 disables it. @default the pool's `timeout` */
  timeout?: number;
  /**
   * Aborting cancels the task: a queued task never starts, a running one has its
   * attempt's signal aborted and no further retry; either way run() rejects with AbortError.
   * Passing the signal a running task received makes the call nested work: it runs at
   * once inside that task's slot instead of queueing (no deadlock at low concurrency).
   * @default undefined — the task can only end by itself or by its timeout
   */
  signal?: AbortSignal;
}

/** A snapshot of an {@link ExecutorPool}, from {@link ExecutorPool.stats}. Counters start at 0 when the pool is made. */
export interface ExecutorPoolStats {
  /** Current limit of tasks in flight. */
  concurrency: number;
  /** Tasks holding a slot now (running or waiting for a retry). */
  active: number;
  /** Tasks waiting for a slot. */
  queued: number;
  /** Tasks that resolved (nested runs are not counted). */
  completed: number;
  /** Tasks that rejected once started (timeouts and aborts while running included; tasks cancelled or closed while queued are not counted). */
  failed: number;
  /** Retry attempts made (each retry counts once). */
  retried: number;
  /** Attempts ended by their timeout. */
  timedOut: number;
  /** Percentiles of attempt duration in ms over the last 1024 attempts (failed ones included); 0 before the first. */
  latency: LatencyPercentiles;
}

/**
 * Work for an {@link ExecutorPool}: called once per attempt with that attempt's
 * AbortSignal (aborted on timeout or when the caller aborts). Pass the signal on to
 * the request, or the work keeps running after the pool has given up on it. A
 * function declared without parameters is called without a signal.
 */
export type Task<T> = (signal: AbortSignal) => Promise<T>;

interface Job<T = unknown> extends QueueEntry {
  fn: Task<T>;
  timeout: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  /** Set when the job takes a slot: a caller abort from then on goes to the running attempt. */
  started: boolean;
}

/**
 * A fresh controller for one attempt, or none for a task that declares no parameter
 * (`fn.length === 0`): such a task cannot see a signal, and an AbortController costs
 * ~2.5 µs, most of a no-op task's time. Its timeout still settles the run.
 */
function controllerFor(fn: Task<unknown>): AbortController | undefined {
  return fn.length === 0 ? undefined : new AbortController();
}

function checkInteger(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalidOption(name, `an integer from ${min} and up`, value);
  }
  return value;
}

/**
 * Runs async work with bounded concurrency, priorities (with aging),
 * retries of transient failures only, per-attempt timeouts that abort the
 * task's signal, and optional AIMD autotuning. Every storage request of a
 * database goes through one.
 *
 * Ordering: a task starts at once when a slot is free and nothing waits;
 * otherwise the highest effective priority starts first (`priority` plus 1 per
 * `agingInterval` ms waited), in call order within a priority. A task keeps its
 * slot through its retries.
 *
 * Events (all optional to listen to): `taskStart` `{ priority }`, `taskDone`
 * `{ priority }`, `taskError` `{ priority, error }`, `taskRetry`
 * `{ attempt, delay, error }` (delay in ms), `concurrencyChange`
 * `{ previous, concurrency }`.
 *
 * The constructor throws ValidationError for a bad or unknown option.
 *
 * @example
 * const pool = new ExecutorPool({ concurrency: 100, retries: 3, timeout: 30000 });
 * const text = await pool.run((signal) => readFile('data.json', { encoding: 'utf8', signal }), { priority: 100 });
 * await pool.close();
 */
export class ExecutorPool extends EventEmitter {
  /** Further attempts after a retryable failure, as resolved from the options. */
  readonly retries: number;
  /** Base of the retry backoff in ms, as resolved from the options. */
  readonly retryDelay: number;
  /** Default per-attempt timeout in ms (0: none), as resolved from the options. */
  readonly timeout: number;
  readonly #queue: PriorityQueue<Job>;
  readonly #autotune: Autotuner | undefined;
  readonly #shouldRetry: (error: unknown) => boolean;
  readonly #latency = new LatencyWindow(1024);
  readonly #deadlines = new Deadlines();
  // Signals of the attempts running now: run() given one of them is nested work. A signal
  // leaves the set when its attempt settles, so a kept signal is an ordinary caller signal.
  readonly #liveSignals = new Set<AbortSignal>();
  #concurrency: number;
  #active = 0;
  #completed = 0;
  #failed = 0;
  #retried = 0;
  #timedOut = 0;
  #closed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: ExecutorPoolOptions = {}) {
    super();
    checkOptions('ExecutorPool', options, EXECUTOR_POOL_OPTION_NAMES);
    this.#concurrency = checkInteger('concurrency', options.concurrency, 1) ?? 100;
    this.retries = checkInteger('retries', options.retries, 0) ?? 3;
    this.retryDelay = checkInteger('retryDelay', options.retryDelay, 0) ?? 1000;
    this.timeout = checkInteger('timeout', options.timeout, 0) ?? 30_000;
    this.#queue = new PriorityQueue(checkInteger('agingInterval', options.agingInterval, 1) ?? 1000);
    this.#shouldRetry = options.shouldRetry ?? isRetryable;
    const tune = options.autotune;
    if (tune !== undefined && (tune === null || typeof tune !== 'object')) {
      throw invalidOption('autotune', 'an object', tune);
    }
    if (tune) assertKnownOptions('ExecutorPool', tune, AUTOTUNE_OPTION_NAMES, 'autotune.');
    if (tune?.enabled) {
      const min = checkInteger('autotune.minConcurrency', tune.minConcurrency, 1) ?? 1;
      const max = checkInteger('autotune.maxConcurrency', tune.maxConcurrency, 1) ?? Math.max(1000, min);
      if (max < min) throw invalidOption('autotune.maxConcurrency', `at least minConcurrency (${min})`, max);
      const targetLatency = checkInteger('autotune.targetLatency', tune.targetLatency, 1) ?? 100;
      const decreaseFactor = tune.decreaseFactor ?? 0.75;
      if (typeof decreaseFactor !== 'number' || !(decreaseFactor > 0 && decreaseFactor < 1)) {
        throw invalidOption('autotune.decreaseFactor', 'a number between 0 and 1', decreaseFactor);
      }
      this.#autotune = new Autotuner({ targetLatency, minConcurrency: min, maxConcurrency: max, decreaseFactor });
      this.#concurrency = Math.min(max, Math.max(min, this.#concurrency));
    }
  }

  /**
   * Current limit of tasks in flight (changes under autotune). Setting it (an integer
   * from 1, else ValidationError) takes effect at once: a raise starts queued tasks,
   * a cut lets running tasks finish. Emits `concurrencyChange` when it changes.
   */
  get concurrency(): number {
    return this.#concurrency;
  }

  set concurrency(value: number) {
    // A setter has no default to fall back on: undefined would stop the pool starting tasks.
    if (value === undefined) throw invalidOption('concurrency', 'an integer from 1 and up', value);
    checkInteger('concurrency', value, 1);
    this.#setConcurrency(value);
  }

  /** Tasks holding a slot now (running or waiting for a retry). */
  get active(): number {
    return this.#active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /**
   * Runs `fn` when a slot is free. `fn` receives an AbortSignal that is aborted
   * on timeout or when the caller's `signal` aborts: pass it to the request.
   * Retryable failures (per `shouldRetry`) are retried with backoff, up to
   * `retries` times; others reject at once with the task's own error.
   *
   * Rejects with ValidationError (`fn` not a function, `priority` not finite),
   * ClosedError (the pool is closed), AbortError (the caller's signal aborted),
   * TimeoutError (the last attempt ran out of time) or the last attempt's error.
   *
   * @example
   * const body = await pool.run((signal) => fetch(url, { signal }).then((r) => r.text()), { priority: 10, timeout: 5000 });
   */
  run<T>(fn: Task<T>, options: RunOptions = {}): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(invalidOption('fn', 'a function', fn));
    if (this.#closed) return Promise.reject(new ClosedError('ExecutorPool is closed; create a new pool to run more work'));
    const { priority = 0, signal } = options;
    const timeout = options.timeout ?? this.timeout;
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      return Promise.reject(invalidOption('priority', 'a finite number', priority));
    }
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    // A task awaiting more work on its own pool would wait for its own slot (a deadlock at
    // low concurrency). Nested work passes the task's signal and runs inside the task's slot.
    if (signal !== undefined && this.#liveSignals.has(signal)) return this.#runAttempts(fn, timeout, signal);

    return new Promise<T>((resolve, reject) => {
      const job: Job<T> = {
        fn,
        priority,
        timeout,
        signal,
        enqueuedAt: 0,
        cancelled: false,
        onAbort: undefined,
        resolve,
        reject,
        started: false,
      };
      if (signal !== undefined) {
        job.onAbort = () => {
          if (!job.started) {
            this.#queue.cancel(job as Job);
            reject(new AbortError(undefined, { cause: signal.reason }));
            this.#checkIdle();
          }
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      if (this.#active < this.#concurrency && this.#queue.size === 0) {
        this.#start(job as Job);
      } else {
        job.enqueuedAt = performance.now();
        this.#queue.push(job as Job);
      }
    });
  }

  #start(job: Job): void {
    this.#active++;
    job.started = true;
    if (this.listenerCount('taskStart') > 0) this.emit('taskStart', { priority: job.priority });
    this.#runAttempts(job.fn, job.timeout, job.signal).then(
      (value) => this.#finish(job, undefined, value),
      (error) => this.#finish(job, error, undefined),
    );
  }

  #finish(job: Job, error: unknown, value: unknown): void {
    if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort);
    this.#active--;
    if (error === undefined) {
      this.#completed++;
      if (this.listenerCount('taskDone') > 0) this.emit('taskDone', { priority: job.priority });
      job.resolve(value);
    } else {
      this.#failed++;
      this.emit('taskError', { priority: job.priority, error });
      job.reject(error);
    }
    this.#pump();
  }

  #pump(): void {
    while (this.#active < this.#concurrency) {
      const next = this.#queue.shift(performance.now());
      if (next === undefined) break;
      this.#start(next);
    }
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#active === 0 && this.#queue.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Runs attempts until one succeeds, a failure is final, or retries run out. */
  #runAttempts<T>(fn: Task<T>, timeout: number, signal: AbortSignal | undefined): Promise<T> {
    // The first attempt is not wrapped in an async function: a success costs no extra ticks.
    return this.#attempt(fn, controllerFor(fn), timeout, signal).catch((error: unknown) =>
      this.#retry(fn, timeout, signal, error),
    );
  }

  async #retry<T>(fn: Task<T>, timeout: number, signal: AbortSignal | undefined, firstError: unknown): Promise<T> {
    let error = firstError;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
      if (attempt >= this.retries || !this.#shouldRetry(error)) throw error;
      const delay = backoffDelay(attempt, this.retryDelay, error);
      this.#retried++;
      this.emit('taskRetry', { attempt: attempt + 1, delay, error });
      await sleep(delay, signal);
      try {
        return await this.#attempt(fn, controllerFor(fn), timeout, signal);
      } catch (next) {
        error = next;
      }
    }
  }

  /**
   * One call of `fn`, settled by its own outcome, its timeout or the caller's abort, whichever is first.
   * Every attempt gets a controller of its own: creating one costs ~2.5 µs on Node 20, but a task may
   * keep its signal after it settles, and a reused controller would abort that kept signal later.
   * A task that declares no parameter gets none (see controllerFor).
   */
  #attempt<T>(fn: Task<T>, controller: AbortController | undefined, timeout: number, signal: AbortSignal | undefined): Promise<T> {
    const started = performance.now();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (error: unknown, value?: T) => {
        if (settled) return;
        settled = true;
        if (deadline !== undefined) this.#deadlines.settle(deadline, timeout);
        if (signal !== undefined) signal.removeEventListener('abort', onCallerAbort);
        if (controller !== undefined) this.#liveSignals.delete(controller.signal);
        this.#observe(performance.now() - started);
        if (error === undefined) resolve(value as T);
        else reject(error);
      };
      const onCallerAbort = () => {
        controller?.abort(signal?.reason);
        settle(new AbortError(undefined, { cause: signal?.reason }));
      };
      const deadline =
        timeout > 0
          ? this.#deadlines.add(timeout, () => {
              this.#timedOut++;
              const error = new TimeoutError(`Attempt timed out after ${timeout} ms and was aborted`, timeout);
              controller?.abort(error);
              settle(error);
            })
          : undefined;
      if (signal !== undefined) signal.addEventListener('abort', onCallerAbort, { once: true });
      let pending: Promise<T>;
      if (controller !== undefined) this.#liveSignals.add(controller.signal);
      try {
        pending = fn(controller?.signal as AbortSignal);
      } catch (error) {
        settle(error);
        return;
      }
      Promise.resolve(pending).then(
        (value) => settle(undefined, value),
        (error) => settle(error ?? new Error('Task rejected without a reason')),
      );
    });
  }

  #observe(latency: number): void {
    this.#latency.add(latency);
    if (this.#autotune !== undefined) {
      const next = this.#autotune.observe(latency, this.#concurrency);
      if (next !== undefined) this.#setConcurrency(next);
    }
  }

  #setConcurrency(next: number): void {
    const previous = this.#concurrency;
    if (next === previous) return;
    this.#concurrency = next;
    this.emit('concurrencyChange', { previous, concurrency: next });
    this.#pump();
  }

  /** Counters, current load and attempt-latency percentiles; see {@link ExecutorPoolStats}. */
  stats(): ExecutorPoolStats {
    return {
      concurrency: this.#concurrency,
      active: this.#active,
      queued: this.#queue.size,
      completed: this.#completed,
      failed: this.#failed,
      retried: this.#retried,
      timedOut: this.#timedOut,
      latency: this.#latency.percentiles(),
    };
  }

  /** Resolves when nothing is queued or running (at once if the pool is idle); never rejects. */
  drain(): Promise<void> {
    if (this.#active === 0 && this.#queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops accepting work (later run() calls reject with ClosedError) and rejects
   * every queued task with ClosedError. Resolves once the tasks already running
   * have settled; they are not aborted. Safe to call more than once.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.drainAll()) {
      if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort);
      job.reject(new ClosedError('ExecutorPool was closed before this task started'));
    }
    await this.drain();
  }

  /** True once close() has been called. */
  get closed(): boolean {
    return this.#closed;
  }
}
