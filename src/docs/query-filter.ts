/**
 * Filters of `query()`: `{ field: value, 'address.city': value }`. A document
 * matches when every listed field equals the value (deep equality for arrays,
 * plain objects and dates).
 */
import { ValidationError } from '../core/errors.js';
import { isPlainObject } from './codec.js';
import { valueAt } from './document-codec.js';

export type QueryFilter = Record<string, unknown>;

export interface CompiledFilter {
  (doc: Record<string, unknown>): boolean;
}

export function compileFilter(filter: unknown): CompiledFilter {
  if (filter === undefined) return () => true;
  if (!isPlainObject(filter)) {
    throw new ValidationError('query() takes a filter object such as { status: "active" }', [{ field: 'filter', message: 'expected a plain object', actual: filter }]);
  }
  const clauses = Object.entries(filter).map(([path, expected]) => [path.split('.'), expected] as const);
  return (doc) => {
    for (const [segments, expected] of clauses) {
      if (!deepEqual(valueAt(doc, segments), expected)) return false;
    }
    return true;
  };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
