/**
 * Input rules every store applies the same way, so code that passes on
 * memory:// or file:// also passes on real S3: object keys, user metadata
 * (lowercased, header-safe US-ASCII, 2 KB as AWS counts it) and bodies.
 */
import { MetadataLimitError, ValidationError } from '../core/errors.js';
import { METADATA_LIMIT_BYTES, type ObjectMetadata } from './object-store.js';

/** S3's limit on the UTF-8 length of a full object key. */
export const MAX_KEY_BYTES = 1024;

/** Content type stored when a write does not give one (the same on every backend). */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

// RFC 9110 token characters: what an HTTP header name may contain.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
// Printable US-ASCII without leading/trailing blanks: anything else is mangled or rejected on the wire.
const HEADER_VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Rejects keys S3 would reject: empty, over 1024 UTF-8 bytes, or not valid UTF-8. */
export function checkKey(fullKey: string, relativeKey: string, what = 'key'): void {
  if (typeof relativeKey !== 'string' || relativeKey.length === 0) {
    throw new ValidationError(`Expected \`${what}\` to be a non-empty string`, [{ field: what, message: 'empty key' }]);
  }
  if (LONE_SURROGATE.test(relativeKey)) {
    throw new ValidationError(`\`${what}\` contains a lone UTF-16 surrogate, which is not valid UTF-8; S3 rejects it`, [
      { field: what, message: 'invalid UTF-8' },
    ]);
  }
  const bytes = Buffer.byteLength(fullKey);
  if (bytes > MAX_KEY_BYTES) {
    throw new ValidationError(
      `\`${what}\` is ${bytes} UTF-8 bytes with the store prefix; S3 allows at most ${MAX_KEY_BYTES}. Use a shorter key`,
      [{ field: what, message: 'key too long', actual: bytes, expected: MAX_KEY_BYTES }],
    );
  }
}

/** Sum of the UTF-8 bytes of every key and value, without `x-amz-meta-`: how AWS counts the 2 KB. */
export function metadataSize(metadata: ObjectMetadata): number {
  let size = 0;
  for (const [key, value] of Object.entries(metadata)) size += Buffer.byteLength(key) + Buffer.byteLength(value);
  return size;
}

/**
 * Returns the metadata as S3 would store it (keys lowercased), or throws a
 * ValidationError for anything S3 would mangle: non-ASCII, control
 * characters, leading/trailing blanks, two keys equal after lowercasing.
 * With `enforceLimit`, metadata over 2048 bytes throws MetadataLimitError.
 */
export function normalizeMetadata(metadata: ObjectMetadata | undefined, enforceLimit: boolean): ObjectMetadata {
  const result: ObjectMetadata = {};
  if (metadata === undefined) return result;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ValidationError('Expected `metadata` to be an object of string values', [{ field: 'metadata', message: 'not an object' }]);
  }
  for (const [rawKey, value] of Object.entries(metadata)) {
    const key = rawKey.toLowerCase();
    if (!HEADER_NAME.test(key)) {
      throw new ValidationError(
        `Metadata key ${JSON.stringify(rawKey)} is not a valid HTTP header name: use US-ASCII letters, digits and - _ . only`,
        [{ field: `metadata.${rawKey}`, message: 'invalid header name' }],
      );
    }
    if (typeof value !== 'string') {
      throw new ValidationError(`Metadata value of ${JSON.stringify(rawKey)} must be a string, got ${typeof value}`, [
        { field: `metadata.${rawKey}`, message: 'not a string' },
      ]);
    }
    if (!HEADER_VALUE.test(value)) {
      throw new ValidationError(
        `Metadata value of ${JSON.stringify(rawKey)} is not header-safe: S3 only keeps printable US-ASCII without leading or trailing blanks. Encode it first (e.g. base64 or encodeURIComponent)`,
        [{ field: `metadata.${rawKey}`, message: 'not header-safe US-ASCII' }],
      );
    }
    if (Object.hasOwn(result, key)) {
      throw new ValidationError(
        `Metadata keys ${JSON.stringify(rawKey)} and another one are equal once lowercased; S3 would merge them`,
        [{ field: `metadata.${rawKey}`, message: 'duplicate after lowercasing' }],
      );
    }
    result[key] = value;
  }
  if (enforceLimit) checkMetadataLimit(result);
  return result;
}

export function checkMetadataLimit(metadata: ObjectMetadata): void {
  const size = metadataSize(metadata);
  if (size > METADATA_LIMIT_BYTES) {
    throw new MetadataLimitError(
      `User metadata is ${size} bytes; S3 allows ${METADATA_LIMIT_BYTES} (UTF-8 bytes of every key and value). Move data to the body`,
      size,
      METADATA_LIMIT_BYTES,
    );
  }
}

export function checkContentType(contentType: string | undefined): string {
  if (contentType === undefined) return DEFAULT_CONTENT_TYPE;
  if (typeof contentType !== 'string' || contentType === '' || !HEADER_VALUE.test(contentType)) {
    throw new ValidationError('Expected `contentType` to be a non-empty header-safe US-ASCII string', [
      { field: 'contentType', message: 'invalid content type', actual: contentType },
    ]);
  }
  return contentType;
}

/** Body as a Buffer; strings are UTF-8. */
export function toBuffer(body: Buffer | Uint8Array | string | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new ValidationError('Expected `body` to be a Buffer, Uint8Array or string', [{ field: 'body', message: 'invalid body' }]);
}
