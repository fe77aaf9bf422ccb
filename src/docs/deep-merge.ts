/** Deep merge for `update`: plain objects merge key by key; anything else (arrays, dates, null) replaces. */
import { isPlainObject } from './codec.js';

/** Returns a new object: `base` with `changes` merged in. `undefined` in changes leaves the value alone. */
export function deepMerge(base: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const key of Object.keys(changes)) {
    const change = changes[key];
    if (change === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(change) && isPlainObject(current) ? deepMerge(current, change) : change;
  }
  return out;
}
