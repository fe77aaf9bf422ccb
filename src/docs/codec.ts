/**
 * The lossless value codec: every attribute value becomes one tagged string
 * and comes back with its exact type and value.
 *
 * The first character is a type tag, so no string can be mistaken for another
 * type (the strings `'null'`, `'{"a":1}'` and `''` stay strings, `1e-7` stays
 * a number). Values meant for object metadata are header-safe: printable
 * ASCII only and never ending in a space (HTTP trims it). Values meant for a
 * JSON body may keep raw UTF-8 text.
 *
 * Tags:
 *   s raw text · p percent-encoded UTF-8 · b base64url UTF-8   (strings)
 *   i safe integer in base 36 · n any other number (String/Number round trip)
 *   t true · f false · z null · d Date (epoch ms, base 36)
 *   j JSON text (tagged s/p/b) for arrays and objects that JSON keeps exactly
 *   x tagged tree (tagged s/p/b) for arrays and objects JSON would alter
 *   e ciphertext of a secret (produced and read by field-cipher.ts)
 *
 * Decoding drops `__proto__`, `constructor` and `prototype` keys from objects
 * inside values, as writes do (input-guard.ts): data written by an older
 * version or another tool never yields an object with a replaced prototype,
 * nor one whose naive deep merge pollutes Object.prototype.
 */
import { StorageError, ValidationError } from '../core/errors.js';
import { PROTOTYPE_KEYS } from './input-guard.js';

/** Printable ASCII without `%`, not ending in a space: stored as is. */
const RAW_HEADER_TEXT = /^[\x20-\x24\x26-\x7e]*$/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where an encoded value goes: metadata needs header-safe ASCII, a JSON body does not. */
export type ValueTarget = 'metadata' | 'body';

/** Encodes text so it is header-safe, choosing the shortest lossless form. */
export function encodeText(text: string, target: ValueTarget = 'metadata'): string {
  if (target === 'body') return `s${text}`;
  if (RAW_HEADER_TEXT.test(text) && !text.endsWith(' ')) return `s${text}`;
  const percent = percentEncode(text);
  // base64 is denser for mostly non-ASCII text (CJK: 4 chars per 3 bytes against 9).
  const bytes = Buffer.byteLength(text, 'utf8');
  if (Math.ceil((bytes * 4) / 3) < percent.length) return `b${Buffer.from(text, 'utf8').toString('base64url')}`;
  return `p${percent}`;
}

/** Reverses {@link encodeText}. */
export function decodeText(encoded: string): string {
  const tag = encoded.charCodeAt(0);
  const rest = encoded.slice(1);
  if (tag === 115 /* s */) return rest;
  if (tag === 112 /* p */) {
    try {
      return decodeURIComponent(rest);
    } catch {
      throw corrupt(encoded, 'text');
    }
  }
  if (tag === 98 /* b */) return Buffer.from(rest, 'base64url').toString('utf8');
  throw corrupt(encoded, 'text');
}

function percentEncode(text: string): string {
  if (LONE_SURROGATE.test(text)) {
    throw new ValidationError('Cannot store a string with a lone UTF-16 surrogate: it has no UTF-8 form; fix the text (String.prototype.toWellFormed)', [
      { field: '(value)', message: 'lone surrogate', type: 'string' },
    ]);
  }
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += code >= 0x20 && code <= 0x7e && code !== 0x25 ? ch : encodeURIComponent(ch);
  }
  // A trailing space would be trimmed by HTTP.
  if (out.endsWith(' ')) out = `${out.slice(0, -1)}%20`;
  return out;
}

/** Encodes one value of any supported type. Throws on functions, symbols, bigints, invalid dates. */
export function encodeValue(value: unknown, target: ValueTarget = 'metadata'): string {
  switch (typeof value) {
    case 'string':
      return encodeText(value, target);
    case 'number':
      return encodeNumber(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'object':
      if (value === null) return 'z';
      if (value instanceof Date) return encodeDate(value);
      // A class instance would otherwise recurse forever through toTaggedTree (input-guard.ts names the field first).
      if (!Array.isArray(value) && !isPlainObject(value)) {
        throw new ValidationError('Cannot store an object with a custom prototype (a class instance, Map, Set…): pass a plain object', [
          { field: '(value)', message: 'not a plain object', type: 'object' },
        ]);
      }
      if (isJsonExact(value)) return `j${encodeText(JSON.stringify(value), target)}`;
      return `x${encodeText(JSON.stringify(toTaggedTree(value)), target)}`;
    default:
      throw new ValidationError(`Cannot store a value of type ${typeof value}: use strings, numbers, booleans, dates, arrays or plain objects`, [
        { field: '(value)', message: `unsupported type ${typeof value}`, type: 'type' },
      ]);
  }
}

/** Reverses {@link encodeValue}. Unknown tags are reported as corrupt data, never guessed. */
export function decodeValue(encoded: string): unknown {
  const tag = encoded.charCodeAt(0);
  switch (tag) {
    case 115: // s
    case 112: // p
    case 98: // b
      return decodeText(encoded);
    case 105: // i
      return decodeInteger(encoded);
    case 110: {
      // n
      const rest = encoded.slice(1);
      if (rest === '-0') return -0;
      const n = Number(rest);
      if (Number.isNaN(n) && rest !== 'NaN') throw corrupt(encoded, 'number');
      return n;
    }
    case 116: // t
      return true;
    case 102: // f
      return false;
    case 122: // z
      return null;
    case 100: {
      // d
      const ms = parseInt(encoded.slice(1), 36);
      if (Number.isNaN(ms)) throw corrupt(encoded, 'date');
      return new Date(ms);
    }
    case 106: {
      // j
      const text = decodeText(encoded.slice(1));
      const parsed: unknown = JSON.parse(text);
      return MAY_NAME_PROTOTYPE_KEY.test(text) ? withoutPrototypeKeys(parsed) : parsed;
    }
    case 120: // x
      return fromTaggedTree(JSON.parse(decodeText(encoded.slice(1))));
    default:
      throw corrupt(encoded, 'value');
  }
}

function encodeNumber(n: number): string {
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) return `i${n.toString(36)}`;
  if (Object.is(n, -0)) return 'n-0';
  // String(n) is the shortest text that parses back to exactly n (ECMA-262 Number::toString).
  return `n${String(n)}`;
}

function decodeInteger(encoded: string): number {
  const n = parseInt(encoded.slice(1), 36);
  if (Number.isNaN(n)) throw corrupt(encoded, 'integer');
  return n;
}

function encodeDate(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) {
    throw new ValidationError('Cannot store an invalid Date: pass a Date whose getTime() is a number', [
      { field: '(value)', message: 'invalid date', type: 'date' },
    ]);
  }
  return `d${ms.toString(36)}`;
}

/** True when JSON.parse(JSON.stringify(value)) gives back an equal value. */
function isJsonExact(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || !isJsonExact(value[i])) return false;
    }
    return true;
  }
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || !isJsonExact(v)) return false;
  }
  return true;
}

/** A JSON tree whose leaves are tagged strings: keeps dates, -0, NaN and undefined array slots. */
function toTaggedTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? 'u' : toTaggedTree(v)));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toTaggedTree(v);
    return out;
  }
  return encodeValue(value, 'body');
}

function fromTaggedTree(node: unknown): unknown {
  if (Array.isArray(node)) return node.map((v) => (v === 'u' ? undefined : fromTaggedTree(v)));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    // An assigned `__proto__` would become out's prototype.
    for (const [k, v] of Object.entries(node)) if (!PROTOTYPE_KEYS.has(k)) out[k] = fromTaggedTree(v);
    return out;
  }
  if (typeof node !== 'string') throw corrupt(String(node), 'tagged tree');
  return decodeValue(node);
}

/** JSON text that may hold a prototype key: spelt out, or escaped (`\u005f_proto__`). Most text skips the walk. */
const MAY_NAME_PROTOTYPE_KEY = /__proto__|constructor|prototype|\\/;

/**
 * Deletes the prototype keys JSON.parse made own properties, at every depth
 * (a loop, not recursion: stored JSON may nest deeper than the call stack).
 */
function withoutPrototypeKeys(parsed: unknown): unknown {
  const stack: unknown[] = [parsed];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (!Array.isArray(node)) for (const key of PROTOTYPE_KEYS) if (Object.hasOwn(node, key)) delete (node as Record<string, unknown>)[key];
    for (const value of Object.values(node)) if (value !== null && typeof value === 'object') stack.push(value);
  }
  return parsed;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Corrupt stored data is a storage fault, not a user input error: say which value and why. */
function corrupt(encoded: string, expected: string): StorageError {
  return new StorageError(
    `Stored value ${JSON.stringify(encoded.slice(0, 40))} is not a valid encoded ${expected}: the object was written by something other than s3lite or is damaged`,
    { retryable: false, details: { expected } },
  );
}

/** UTF-8 byte length as S3 counts metadata. */
export function utf8Length(text: string): number {
  // Fast path: header-safe values are ASCII, one byte per char.
  return RAW_HEADER_TEXT.test(text) ? text.length : Buffer.byteLength(text, 'utf8');
}
