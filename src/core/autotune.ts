/**
 * AIMD concurrency control on observed latency, as TCP does on loss:
 * while a window of completed attempts stays under `targetLatency` the limit
 * grows by one; when it goes over, the limit is cut multiplicatively. The limit
 * always stays within [minConcurrency, maxConcurrency].
 */

export interface AutotuneOptions {
  enabled?: boolean;
  /** Mean attempt latency to aim for, in ms. @default 100 */
  targetLatency?: number;
  /** @default 1 */
  minConcurrency?: number;
  /** @default 1000 */
  maxConcurrency?: number;
  /** Factor applied to the limit when latency is over target. @default 0.75 */
  decreaseFactor?: number;
}

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
