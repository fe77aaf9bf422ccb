/**
 * How many jobs a queue claims ahead of its free slots. Claiming more per
 * statement means fewer commits per job (what bounds throughput on short jobs),
 * but jobs leased ahead wait here while other processes could run them. So when
 * `prefetch` is not set it follows the run time of recent jobs: about
 * {@link PREFETCH_BUDGET_MS} of expected work waiting per worker slot. Shared by
 * the SQLite and PostgreSQL queues.
 */

/** Expected work (ms) kept waiting per worker slot when prefetch adapts. */
export const PREFETCH_BUDGET_MS = 100;
/** The most jobs claimed ahead when prefetch adapts (unless `concurrency * 2` is more). */
export const PREFETCH_CAP = 500;

/** Moving-average weights: a slower run time is taken in fast, a faster one slowly (leasing too much ahead costs others). */
const RISE = 0.5;
const FALL = 0.1;

/**
 * Jobs to claim ahead for `concurrency` slots whose recent jobs ran `averageMs`
 * on average (null: none finished yet, the queue's first claims take
 * `concurrency * 2`). Short jobs take up to {@link PREFETCH_CAP}; jobs longer
 * than {@link PREFETCH_BUDGET_MS} take fewer than `concurrency`, down to 0.
 */
export function adaptivePrefetch(concurrency: number, averageMs: number | null): number {
  if (averageMs === null) return concurrency * 2;
  const cap = Math.max(PREFETCH_CAP, concurrency * 2);
  if (averageMs <= 0) return cap;
  return Math.min(cap, Math.floor((concurrency * PREFETCH_BUDGET_MS) / averageMs));
}

/** The prefetch of one queue: the fixed `prefetch` option, or one that follows recent run times. */
export class PrefetchSizer {
  readonly #concurrency: number;
  readonly #fixed: number | null;
  #average: number | null = null;
  #current: number;

  /** `fixed`: the `prefetch` option (null when not set: adapt). */
  constructor(concurrency: number, fixed: number | null) {
    this.#concurrency = concurrency;
    this.#fixed = fixed;
    this.#current = fixed ?? adaptivePrefetch(concurrency, null);
  }

  /** Jobs to claim ahead of free slots now. */
  get prefetch(): number {
    return this.#current;
  }

  /** Moving average of recent run times in ms (null before the first); not kept with a fixed prefetch. */
  get averageMs(): number | null {
    return this.#average;
  }

  /** Takes in the run time of a finished attempt. */
  record(ms: number): void {
    if (this.#fixed !== null) return;
    const sample = Math.max(0, ms);
    const average = this.#average;
    this.#average = average === null ? sample : average + (sample - average) * (sample > average ? RISE : FALL);
    this.#current = adaptivePrefetch(this.#concurrency, this.#average);
  }
}
