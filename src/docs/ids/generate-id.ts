/** The exported `generateId`, shaped like s3db.js's (documented on the function). */
import { customAlphabet } from 'nanoid';
import { invalidOption } from '../../core/options.js';
import { isPlainObject } from '../codec.js';
import { generateId as urlSafeId } from '../document-keys.js';

export const DEFAULT_GENERATED_ID_SIZE = 21;

const byAlphabet = new Map<string, (size: number) => string>();

/**
 * A random id, shaped like s3db.js's `generateId`: 21 url-safe characters
 * (`A-Z a-z 0-9 - _`) by default, `generateId(size)`, or
 * `generateId({ size, alphabet })` (a custom alphabet goes through nanoid,
 * which draws without bias). Throws ValidationError for a size outside
 * 1-1024 or an alphabet of fewer than 2 or more than 256 characters.
 *
 * @example
 * generateId(); // random, e.g. 'V1StGXR8_Z5jdHi6B-myT'
 * generateId(10); // e.g. 'Uakgb_J5m9'
 * generateId({ size: 6, alphabet: '0123456789' }); // e.g. '482039'
 */
export function generateId(options: number | { size?: number; alphabet?: string } = {}): string {
  const { size = DEFAULT_GENERATED_ID_SIZE, alphabet } = typeof options === 'number' ? { size: options } : isPlainObject(options) ? options : {};
  if (!Number.isInteger(size) || size < 1 || size > 1024) throw invalidOption('size', 'an integer from 1 to 1024', size);
  if (alphabet === undefined) return urlSafeId(size);
  if (typeof alphabet !== 'string' || alphabet.length < 2 || alphabet.length > 256) throw invalidOption('alphabet', 'a string of 2 to 256 characters', alphabet);
  let make = byAlphabet.get(alphabet);
  if (!make) {
    const generator = customAlphabet(alphabet);
    make = (n: number) => generator(n);
    if (byAlphabet.size < 64) byAlphabet.set(alphabet, make);
  }
  return make(size);
}
