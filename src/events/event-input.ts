/**
 * What callers pass to `store`: validated and serialised up front, so a bad
 * event fails before anything is written.
 */
import { ValidationError } from '../core/errors.js';
import { describeValue } from '../core/options.js';

/**
 * An event to store. Field names are eventlite-sourcing's. Validated and
 * serialised before anything is written: a bad field throws `ValidationError`
 * naming it (`events[i].field` in a bulk call), and `data`/`metadata` that JSON
 * cannot keep (functions, NaN, Map, class instances…) are refused, not mangled.
 */
export interface EventInput<D = any> {
  /** Command name: picks the model method. Required. */
  cmd: string;
  /** JSON-serialisable payload. @default {} */
  data?: D;
  /** Who caused the event (stored in the `user` column; `getByUserPaginated` reads it). @default '' */
  user?: string;
  /** Client address, stored as given (not validated). @default '' */
  ip?: string;
  /** Schema version of `data`, for model migrations. @default 1 */
  version?: number;
  /** Kept as given; else inherited from the `causationId` event; else a new (version 7, time-ordered) UUID. */
  correlationId?: string;
  /** Id of the event that caused this one. */
  causationId?: number;
  /** JSON-serialisable object. @default {} */
  metadata?: Record<string, any>;
  /** Stream this event appends to; gets `stream_version` = previous + 1. */
  stream?: string;
  /** Version the stream must be at (0 = must not exist yet), or `'any'`. Requires `stream`. @default 'any' */
  expectedVersion?: number | 'any';
}

/** A validated event with its JSON already serialised. */
export interface PreparedEvent {
  cmd: string;
  /** The caller's data. */
  data: unknown;
  dataJson: string;
  /** True when `JSON.parse(dataJson)` deep-equals `data` (no toJSON, no undefined members, no -0). */
  dataIsPlainJson: boolean;
  metadataJson: string;
  user: string;
  ip: string;
  version: number;
  correlationId: string | undefined;
  causationId: number | null;
  stream: string | null;
  expectedVersion: number | 'any';
}

function where(index: number | undefined): string {
  return index === undefined ? 'The event' : `Event #${index}`;
}

function invalid(index: number | undefined, field: string, message: string, actual?: unknown): ValidationError {
  const path = index === undefined ? field : `events[${index}].${field}`;
  return new ValidationError(`${where(index)} ${message}`, [{ field: path, message, actual }]);
}

const EXACT = 0;
const INEXACT = 1;
const LOSSY = 2;
type JsonFit = typeof EXACT | typeof INEXACT | typeof LOSSY;

/**
 * How `value` survives JSON: EXACT (parses back deep-equal), INEXACT (changed
 * harmlessly: toJSON, undefined members, -0) or LOSSY (functions, symbols, NaN,
 * Infinity, Map, Set, class instances are dropped or mangled). No allocation on
 * the happy path: this runs for every stored event.
 */
function jsonFit(value: unknown, depth: number): JsonFit {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return EXACT;
    case 'number':
      if (!Number.isFinite(value)) return LOSSY;
      return value === 0 && 1 / value < 0 ? INEXACT : EXACT;
    case 'object': {
      if (value === null) return EXACT;
      if (depth > 200) return INEXACT;
      let fit: JsonFit = EXACT;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          if (item === undefined) fit = INEXACT;
          else {
            const f = jsonFit(item, depth + 1);
            if (f === LOSSY) return LOSSY;
            if (f === INEXACT) fit = INEXACT;
          }
        }
        return fit;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return INEXACT;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return LOSSY;
      for (const key in value) {
        const child = (value as Record<string, unknown>)[key];
        if (child === undefined) fit = INEXACT;
        else {
          const f = jsonFit(child, depth + 1);
          if (f === LOSSY) return LOSSY;
          if (f === INEXACT) fit = INEXACT;
        }
      }
      return fit;
    }
    default:
      return LOSSY;
  }
}

/** Path of the first lossy value inside `value` (the error path only: it re-walks). */
function lossyPath(value: unknown, path: string, depth: number): string | null {
  if (jsonFit(value, depth) !== LOSSY) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = lossyPath(value[i], `${path}[${i}]`, depth + 1);
      if (found !== null) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      for (const key in value) {
        const found = lossyPath((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
        if (found !== null) return found;
      }
    }
  }
  return path;
}

/**
 * Deep copy of data {@link jsonFit} found EXACT. It equals what `JSON.parse` of
 * the data's JSON text gives (plain objects with the same own keys in the same
 * order, arrays, primitives) and costs a fraction of parsing that text back.
 */
function copyExactJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyExactJson(value[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  // Object.keys, like JSON.stringify: own enumerable keys only, never inherited ones.
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const child = copyExactJson((value as Record<string, unknown>)[key]);
    // JSON.parse makes `__proto__` an own property; assigning it would set the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: child, enumerable: true, writable: true, configurable: true });
    else out[key] = child;
  }
  return out;
}

/**
 * Replaces `event.data` with the event's own copy, equal to what a replay
 * parses back from the stored text, so later changes by the caller cannot
 * reach the row that models, hooks and callbacks see.
 */
export function takeDataCopy(event: PreparedEvent): void {
  if (event.dataIsPlainJson) event.data = copyExactJson(event.data);
  else {
    event.data = event.dataJson === '{}' ? {} : JSON.parse(event.dataJson);
    // Parsed from text JSON.stringify wrote: it serialises back to that same text.
    event.dataIsPlainJson = true;
  }
}

/** Whether the last {@link serialise} call met only exact JSON data. */
let lastFit: JsonFit = EXACT;

function serialise(value: unknown, field: string, index: number | undefined): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw invalid(index, field, `has ${field} that cannot be serialised to JSON (${(err as Error).message}). Pass plain data: no cycles, no BigInt.`);
  }
  lastFit = json === undefined ? LOSSY : jsonFit(value, 0);
  if (lastFit === LOSSY) {
    const lossy = json === undefined ? field : (lossyPath(value, field, 0) ?? field);
    throw invalid(
      index,
      field,
      `has a value at \`${lossy}\` that JSON cannot keep (functions, symbols, NaN, Infinity, Map, Set and class instances are lost). Convert it to plain JSON data first.`,
    );
  }
  return json as string;
}

/** Validates and serialises one event; `index` names it in bulk errors. Throws `ValidationError`. */
export function prepareEvent(input: EventInput, index?: number): PreparedEvent {
  if (typeof input !== 'object' || input === null) {
    throw invalid(index, 'event', `must be an object like { cmd, data }, got ${describeValue(input)}.`, input);
  }
  const { cmd, data = {}, user = '', ip = '', version = 1, correlationId, causationId, metadata = {}, stream, expectedVersion = 'any' } = input;
  if (typeof cmd !== 'string' || cmd.length === 0) {
    throw invalid(index, 'cmd', `has no command: \`cmd\` must be a non-empty string naming the model method, got ${describeValue(cmd)}.`, cmd);
  }
  if (typeof user !== 'string') throw invalid(index, 'user', `has \`user\` ${describeValue(user)}; pass a string.`, user);
  if (typeof ip !== 'string') throw invalid(index, 'ip', `has \`ip\` ${describeValue(ip)}; pass a string.`, ip);
  if (!Number.isInteger(version) || version < 1) {
    throw invalid(index, 'version', `has \`version\` ${describeValue(version)}; pass an integer from 1 and up.`, version);
  }
  if (correlationId !== undefined && correlationId !== null && (typeof correlationId !== 'string' || correlationId === '')) {
    throw invalid(index, 'correlationId', `has \`correlationId\` ${describeValue(correlationId)}; pass a non-empty string.`, correlationId);
  }
  if (causationId !== undefined && causationId !== null && (!Number.isInteger(causationId) || causationId < 1)) {
    throw invalid(index, 'causationId', `has \`causationId\` ${describeValue(causationId)}; pass the id of a stored event.`, causationId);
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw invalid(index, 'metadata', `has \`metadata\` ${describeValue(metadata)}; pass a plain object.`, metadata);
  }
  if (stream !== undefined && stream !== null && (typeof stream !== 'string' || stream === '')) {
    throw invalid(index, 'stream', `has \`stream\` ${describeValue(stream)}; pass a non-empty string.`, stream);
  }
  if (expectedVersion !== 'any') {
    if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
      throw invalid(index, 'expectedVersion', `has \`expectedVersion\` ${describeValue(expectedVersion)}; pass 'any' or an integer from 0 (0 = stream must not exist).`, expectedVersion);
    }
    if (stream === undefined || stream === null) {
      throw invalid(index, 'expectedVersion', 'has `expectedVersion` but no `stream`; name the stream it refers to.', expectedVersion);
    }
  }
  const dataJson = serialise(data, 'data', index);
  const dataIsPlainJson = lastFit === EXACT;
  return {
    cmd,
    data,
    dataJson,
    dataIsPlainJson,
    metadataJson: serialise(metadata, 'metadata', index),
    user,
    ip,
    version,
    correlationId: correlationId ?? undefined,
    causationId: causationId ?? null,
    stream: stream ?? null,
    expectedVersion,
  };
}
