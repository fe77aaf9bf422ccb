/**
 * AIMD concurrency control on observed latency, as TCP does on loss:
 * while a window of completed attempts stays under `targetLatency` the limit
 * grows additively; when it goes over, the limit is cut multiplicatively. The
 * limit always stays within [minConcurrency, maxConcurrency].
 */

/**
 * ExecutorPool's `autotune` option: adjusts the pool's concurrency from the
 * latency of completed attempts (AIMD, as TCP does on loss). After each window
 * of completions (as many as the current limit, at least 8) the limit grows by
 * 5% (at least 1) while the window's mean latency is at or under
 * `targetLatency`, and is multiplied by `decreaseFactor` when it is over. Each
 * change emits the pool's `concurrencyChange` event.
 *
 * @example
 * const pool = new ExecutorPool({ concurrency: 50, autotune: { enabled: true, targetLatency: 200, maxConcurrency: 400 } });
 */
export interface AutotuneOptions {
  /**
   * Turns autotuning on. Without it the other fields are not used and their values
   * are not checked (unknown names still throw).
   * @default false
   */
  enabled?: boolean;
  /** Mean attempt latency to aim for, in ms (an integer from 1). @default 100 */
  targetLatency?: number;
  /** Lowest limit autotuning may set (an integer from 1); the pool's starting `concurrency` is raised to it. @default 1 */
  minConcurrency?: number;
  /**
   * Highest limit autotuning may set; the pool's starting `concurrency` is lowered to it.
   * A value below `minConcurrency` throws ValidationError.
   * @default 1000, or `minConcurrency` when that is larger
   */
  maxConcurrency?: number;
  /** Factor applied to the limit when latency is over target, strictly between 0 and 1. @default 0.75 */
  decreaseFactor?: number;
}

/** The AIMD controller behind ExecutorPool's `autotune`: fed one latency per attempt, it proposes the next limit. */
export class Autotuner {
  readonly target: number;
  readonly min: number;
  readonly max: number;
  readonly #decrease: number;
  #sum = 0;
  #count = 0;

  constructor(options: Required<Omit<AutotuneOptions, 'enabled'>>) {
    this.target = options.targetLatency;
    this.min = options.minConcurrency;
    this.max = options.maxConcurrency;
    this.#decrease = options.decreaseFactor;
  }

  /**
   * Records one attempt's latency and returns the new limit when a window
   * closes with a change, else undefined. A window is as many completions as
   * the current limit (at least 8): roughly one round trip of the whole pool.
   */
  observe(latencyMs: number, current: number): number | undefined {
    this.#sum += latencyMs;
    this.#count++;
    if (this.#count < Math.max(8, current)) return undefined;
    const mean = this.#sum / this.#count;
    this.#sum = 0;
    this.#count = 0;
    const next =
      mean > this.target
        ? Math.max(this.min, Math.floor(current * this.#decrease))
        : Math.min(this.max, current + Math.max(1, Math.round(current * 0.05)));
    return next === current ? undefined : next;
  }
}
