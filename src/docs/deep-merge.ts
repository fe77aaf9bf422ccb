/** Deep merge for `update`: plain objects merge key by key; anything else (arrays, dates, null) replaces. */
import { isPlainObject } from './codec.js';

/** Returns a new object: `base` with `changes` merged in. `undefined` in changes leaves the value alone. */
export function deepMerge(base: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const key of Object.keys(changes)) {
    const change = changes[key];
    if (change === undefined) continue;
    // Own keys only: `out.__proto__` would read Object.prototype.
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    const value = isPlainObject(change) && isPlainObject(current) ? deepMerge(current, change) : change;
    // Defined, not assigned: assigning `__proto__` would set out's prototype. input-guard.ts then
    // rejects it at the top level and drops it (with `constructor`, `prototype`) below.
    Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  }
  return out;
}
