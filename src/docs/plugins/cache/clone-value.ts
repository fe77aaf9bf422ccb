/**
 * Deep copies of cached results. Documents are plain objects, arrays, dates
 * and primitives: a plain object is copied by spread (V8 copies the whole
 * shape at once, several times faster than key by key or structuredClone),
 * then only its object-valued fields are copied again. structuredClone
 * remains the fallback for anything else.
 */
export function cloneValue<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = value.slice();
    for (let i = 0; i < out.length; i++) {
      const item = out[i];
      if (item !== null && typeof item === 'object') out[i] = cloneValue(item);
    }
    return out as T;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype) {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const key in out) {
      const field = out[key];
      // hasOwn: an enumerable property someone added to Object.prototype must not become an own field.
      if (field !== null && typeof field === 'object' && Object.hasOwn(out, key)) out[key] = cloneValue(field);
    }
    return out as T;
  }
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (proto !== null) return structuredClone(value);
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) out[key] = cloneValue((value as Record<string, unknown>)[key]);
  return out as T;
}
