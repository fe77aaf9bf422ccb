/**
 * "Checked less than `ms` ago", answered without reading the clock at each use
 * (a clock read can cost as much as a cache hit): a flag that a timer clears
 * when the window closes, and that the clock confirms every `every` uses, since
 * a loop that never yields to the event loop runs no timer.
 */
import { performance } from 'node:perf_hooks';

export class RecentCheck {
  readonly #ms: number;
  readonly #every: number;
  #holds = false;
  #at = -Infinity;
  #uses = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number, every = 64) {
    this.#ms = ms;
    this.#every = every;
  }

  /** Whether the last check started under `ms` ago (late by at most `every` uses in a loop that never yields). */
  holds(): boolean {
    if (!this.#holds) return false;
    if (++this.#uses < this.#every) return true;
    this.#uses = 0;
    if (performance.now() - this.#at < this.#ms) return true;
    this.reset();
    return false;
  }

  /** Records a check that started at `startedAt` (performance.now()); false when that is already `ms` ago. */
  mark(startedAt: number = performance.now()): boolean {
    const left = this.#ms - (performance.now() - startedAt);
    if (left <= 0) return false;
    clearTimeout(this.#timer);
    this.#holds = true;
    this.#at = startedAt;
    this.#uses = 0;
    this.#timer = setTimeout(() => (this.#holds = false), left).unref();
    return true;
  }

  /** Forgets the last check. */
  reset(): void {
    this.#holds = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
