/** The last N latencies in a ring buffer, for percentiles in stats(). */

/** Latency percentiles in ms (nearest rank over the window); all 0 before the first sample. */
export interface LatencyPercentiles {
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
}

export class LatencyWindow {
  readonly #values: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size: number) {
    this.#values = new Float64Array(size);
  }

  add(ms: number): void {
    this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#count < this.#values.length) this.#count++;
  }

  percentiles(): LatencyPercentiles {
    if (this.#count === 0) return { p50: 0, p95: 0, p99: 0 };
    const sorted = this.#values.slice(0, this.#count).sort();
    const at = (p: number) => sorted[Math.min(this.#count - 1, Math.ceil(p * this.#count) - 1)] ?? 0;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}
