/**
 * Spread of a figure over the repeats of its measurement, and the test for
 * "too noisy to conclude": a machine busy with other work makes the same
 * measurement differ run to run, and a recommendation drawn from it would
 * change on the next run.
 */
import type { Spread } from './tune-types.js';

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { min: 0, median: 0, max: 0 };
  return { min: sorted[0] as number, median: sorted[Math.floor(sorted.length / 2)] as number, max: sorted[sorted.length - 1] as number };
}

/** Repeats may differ by this fraction of their median before the figure is called noisy. */
export const NOISE_LIMIT = 0.5;

/** (max - min) / median; 0 for an empty or zero figure. */
export function relativeSpread(spread: Spread): number {
  return spread.median > 0 ? (spread.max - spread.min) / spread.median : 0;
}

export function isNoisy(spread: Spread): boolean {
  return relativeSpread(spread) > NOISE_LIMIT;
}

/** `1,234 (1,100-1,300)`: the median and the range of the repeats. */
export function formatSpread(spread: Spread): string {
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  return `${n(spread.median)} (${n(spread.min)}-${n(spread.max)})`;
}
