/**
 * The copy of a document's input that a write validates and stores: every
 * write (insert, update, patch, replace, upsert, after hooks) goes through it.
 *
 * Hostile or careless input gets a ValidationError that names the field,
 * never a RangeError from a recursion deep in the codec:
 * - an own `__proto__` key at the top level is rejected (it cannot be an
 *   attribute); in nested objects own `__proto__`, `constructor` and
 *   `prototype` keys are dropped, so a later naive deep merge of the returned
 *   document cannot pollute a prototype;
 * - nesting deeper than {@link MAX_NESTING_DEPTH} levels, and cycles, are rejected;
 * - objects with another prototype than Object's (class instances, Map, Set,
 *   Buffer…) are rejected rather than turned into JSON: JSON would silently
 *   drop what makes them what they are (a Map becomes `{}`). Dates are values.
 */
import { ValidationError, type FieldError } from '../core/errors.js';

/** Most levels of objects and arrays in a document (a top-level field is level 1). */
export const MAX_NESTING_DEPTH = 100;

/** Keys that can reach a prototype when a document is merged naively (dropped on read too: codec.ts). */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

class Rejected extends Error {
  constructor(readonly field: FieldError) {
    super(field.message);
  }
}

/** A deep copy of `data` safe to validate and encode; throws ValidationError naming the field. */
export function copyInput(data: Record<string, unknown>): Record<string, unknown> {
  if (Object.hasOwn(data, '__proto__')) throw invalid(PROTO_KEY_ERROR);
  try {
    return copyObject(data, '', 0, new Set());
  } catch (err) {
    if (err instanceof Rejected) throw invalid(err.field);
    throw err;
  }
}

const PROTO_KEY_ERROR: FieldError = { field: '__proto__', message: 'is an own `__proto__` key, which cannot be a field: remove it', type: 'forbidden' };

/** For the write methods that read `changes` before a copy is made (update's deep merge). */
export function rejectProtoKey(changes: Record<string, unknown>): void {
  if (Object.hasOwn(changes, '__proto__')) throw invalid(PROTO_KEY_ERROR);
}

function invalid(field: FieldError): ValidationError {
  return new ValidationError(`Invalid document: field ${field.field} ${field.message}`, [field]);
}

function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Names a path that may be thousands of levels long by its start. */
function shortPath(path: string, depth: number): string {
  return path.length <= 80 ? path : `${path.slice(0, 60)}…(${depth} levels)`;
}

function copyValue(value: unknown, path: string, depth: number, ancestors: Set<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (depth > MAX_NESTING_DEPTH) {
    throw new Rejected({ field: shortPath(path, depth), message: `is nested more than ${MAX_NESTING_DEPTH} levels deep`, type: 'depth' });
  }
  if (ancestors.has(value)) throw new Rejected({ field: shortPath(path, depth), message: 'refers to an object that contains it (a cycle)', type: 'cycle' });
  if (Array.isArray(value)) {
    ancestors.add(value);
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) if (i in value) copy[i] = copyValue(value[i], `${path}[${i}]`, depth + 1, ancestors);
    ancestors.delete(value);
    return copy;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    const kind = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    throw new Rejected({
      field: shortPath(path, depth),
      message: `is ${typeof kind === 'string' && kind !== '' ? `a ${kind} instance` : 'an object with a custom prototype'}: pass a plain object, array, string, number, boolean, null or Date (e.g. { ...value } or value.toJSON())`,
      type: 'object',
    });
  }
  return copyObject(value as Record<string, unknown>, path, depth, ancestors);
}

function copyObject(value: Record<string, unknown>, path: string, depth: number, ancestors: Set<object>): Record<string, unknown> {
  ancestors.add(value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // The top level's own keys are fields (checked by the schema); below it they are data.
    if (depth > 0 && PROTOTYPE_KEYS.has(key)) continue;
    const field = child(path, key);
    // defineProperty: a plain assignment of `__proto__` would set the copy's prototype.
    Object.defineProperty(copy, key, { value: copyValue(value[key], field, depth + 1, ancestors), writable: true, enumerable: true, configurable: true });
  }
  ancestors.delete(value);
  return copy;
}
