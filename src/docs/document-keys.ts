/**
 * Key layout and document ids.
 *
 * Documents live at `resource=<name>/data/id=<id>`. Ids are validated rather
 * than escaped: no `/` (so an id can never reach into another prefix), no
 * control characters, at most {@link MAX_ID_BYTES} UTF-8 bytes. Default ids are
 * url-safe random strings.
 */
import { randomFillSync } from 'node:crypto';
import { ValidationError } from '../core/errors.js';

/** Most UTF-8 bytes of a document id (256): longer ids would push keys towards S3's 1024-byte key limit. */
export const MAX_ID_BYTES = 256;
/** Default length of generated ids: 22 chars of a 64-letter alphabet, 132 random bits. */
export const DEFAULT_ID_SIZE = 22;

const RESOURCE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
// Control characters are exactly what this pattern must find.
// eslint-disable-next-line no-control-regex
const BAD_ID_CHARS = /[/\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function assertResourceName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !RESOURCE_NAME.test(name)) {
    throw new ValidationError(
      `Invalid resource name ${JSON.stringify(name)}: use 1-100 letters, digits, \`_\`, \`.\` or \`-\`, not starting with \`.\` or \`-\``,
      [{ field: 'name', message: 'invalid resource name', actual: name }],
    );
  }
}

/** Throws a ValidationError saying what is wrong with `id`: not a string, empty, holding `/`, a control character or a lone surrogate, or over {@link MAX_ID_BYTES} UTF-8 bytes. */
export function assertValidId(id: unknown): asserts id is string {
  let problem: string | undefined;
  if (typeof id !== 'string') problem = `must be a string, got ${id === null ? 'null' : typeof id}`;
  else if (id.length === 0) problem = 'must not be empty';
  else if (BAD_ID_CHARS.test(id)) problem = 'must not contain `/`, control characters or lone surrogates';
  else if (Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES) problem = `must be at most ${MAX_ID_BYTES} UTF-8 bytes`;
  if (problem !== undefined) {
    const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 60)) : String(id);
    throw new ValidationError(`Invalid document id ${shown}: an id ${problem}`, [{ field: 'id', message: `id ${problem}`, type: 'id' }]);
  }
}

export class DocumentKeys {
  /** `resource=<name>/data/id=`: every document key starts with this. */
  readonly idPrefix: string;

  constructor(readonly resource: string) {
    this.idPrefix = `resource=${resource}/data/id=`;
  }

  key(id: string): string {
    return this.idPrefix + id;
  }

  /** The id of a listed key, or undefined for a key that is not a document of this resource. */
  idOf(key: string): string | undefined {
    return key.startsWith(this.idPrefix) ? key.slice(this.idPrefix.length) : undefined;
  }
}

// Random bytes are drawn in blocks: one crypto call per ~180 ids instead of one per id.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** A url-safe random id (`[A-Za-z0-9_-]`) of `size` characters (22 by default: what resources generate); exported as s3db.js's `idGenerator`. */
export function generateId(size: number = DEFAULT_ID_SIZE): string {
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let id = '';
  for (let i = 0; i < size; i++) id += URL_SAFE[(pool[poolOffset + i] as number) & 63];
  poolOffset += size;
  return id;
}
