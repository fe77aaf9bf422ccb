/**
 * The five behaviors: how a document's encoded fields are laid out between
 * object metadata (2 KB on S3) and the body.
 *
 * Sizes are counted on the final encoded bytes exactly as S3 and our stores
 * count them: UTF-8 bytes of every metadata key plus every value.
 */
import { MetadataLimitError } from '../core/errors.js';
import { METADATA_LIMIT_BYTES } from '../storage/object-store.js';
import { SYSTEM_KEYS } from './attribute-mapping.js';
import { encodeText, utf8Length } from './codec.js';

/** The values of a resource's `behavior` option (s3db.js's five, same names and meaning). */
export const BEHAVIORS = ['user-managed', 'enforce-limits', 'truncate-data', 'body-overflow', 'body-only'] as const;
/**
 * How a resource stores documents against S3's 2 KB metadata limit (UTF-8
 * bytes of every metadata key and value):
 * - `user-managed`: all in metadata when it fits; otherwise all in the body
 *   and an `exceedsLimit` event `{ id, size, limit, behavior }` (the write succeeds).
 * - `enforce-limits`: a document over the limit throws MetadataLimitError and is not written.
 * - `truncate-data`: plain strings are cut (on code-point boundaries) and
 *   values that do not fit are dropped, so the document fits; reads return what was kept.
 * - `body-overflow`: fields that fit stay in metadata, the rest go to the body.
 * - `body-only`: every field in the body (metadata holds only system keys such as the schema version).
 */
export type Behavior = (typeof BEHAVIORS)[number];

/** One encoded field: its metadata key, the metadata form, and the (possibly shorter) body form. */
export interface EncodedField {
  key: string;
  meta: string;
  body: string;
  /** The original string when the field is a plain (not secret) string: truncate-data may cut it. */
  text?: string;
}

export interface Layout {
  metadata: Record<string, string>;
  /** key → body form, for fields stored in the body; undefined when the body holds none. */
  bodyFields: Record<string, string> | undefined;
  /** Set when truncate-data cut or dropped fields. */
  truncated: boolean;
  /** Metadata size as the store counts it. */
  metadataBytes: number;
  /** Metadata size the document would need with everything in metadata. */
  fullBytes: number;
}

export interface LayoutContext {
  resource: string;
  id: string;
  limit?: number;
  /** Called by user-managed when the document is over the limit. */
  onExceedsLimit?: (size: number, limit: number) => void;
}

function entrySize(key: string, value: string): number {
  return key.length + utf8Length(value);
}

export function layoutDocument(behavior: Behavior, version: string, fields: EncodedField[], ctx: LayoutContext): Layout {
  const limit = ctx.limit ?? METADATA_LIMIT_BYTES;
  const metadata: Record<string, string> = { [SYSTEM_KEYS.version]: version };
  const base = entrySize(SYSTEM_KEYS.version, version);
  let fullBytes = base;
  for (const f of fields) fullBytes += entrySize(f.key, f.meta);

  switch (behavior) {
    case 'body-only':
      return allInBody(metadata, fields, base, fullBytes);
    case 'user-managed':
      if (fullBytes <= limit) return allInMetadata(metadata, fields, fullBytes);
      ctx.onExceedsLimit?.(fullBytes, limit);
      return allInBody(metadata, fields, base, fullBytes);
    case 'enforce-limits':
      if (fullBytes <= limit) return allInMetadata(metadata, fields, fullBytes);
      throw new MetadataLimitError(
        `Document ${JSON.stringify(ctx.id)} of ${ctx.resource} needs ${fullBytes} bytes of metadata, over the ${limit}-byte limit (behavior enforce-limits): shorten it, or use behavior body-overflow or body-only`,
        fullBytes,
        limit,
        { details: { resource: ctx.resource, id: ctx.id } },
      );
    case 'body-overflow': {
      if (fullBytes <= limit) return allInMetadata(metadata, fields, fullBytes);
      metadata[SYSTEM_KEYS.layout] = 'o';
      let used = base + entrySize(SYSTEM_KEYS.layout, 'o');
      const bodyFields: Record<string, string> = {};
      for (const f of fields) {
        const size = entrySize(f.key, f.meta);
        if (used + size <= limit) {
          metadata[f.key] = f.meta;
          used += size;
        } else {
          bodyFields[f.key] = f.body;
        }
      }
      return { metadata, bodyFields, truncated: false, metadataBytes: used, fullBytes };
    }
    case 'truncate-data': {
      if (fullBytes <= limit) return allInMetadata(metadata, fields, fullBytes);
      return truncate(metadata, base + entrySize(SYSTEM_KEYS.truncated, '1'), fields, limit, fullBytes);
    }
  }
}

function allInBody(metadata: Record<string, string>, fields: EncodedField[], base: number, fullBytes: number): Layout {
  metadata[SYSTEM_KEYS.layout] = 'a';
  const bodyFields: Record<string, string> = {};
  for (const f of fields) bodyFields[f.key] = f.body;
  return { metadata, bodyFields, truncated: false, metadataBytes: base + entrySize(SYSTEM_KEYS.layout, 'a'), fullBytes };
}

function allInMetadata(metadata: Record<string, string>, fields: EncodedField[], fullBytes: number): Layout {
  for (const f of fields) metadata[f.key] = f.meta;
  return { metadata, bodyFields: undefined, truncated: false, metadataBytes: fullBytes, fullBytes };
}

/**
 * One pass, so it always terminates. Non-text values (numbers, dates, JSON,
 * ciphertext) are kept whole or dropped whole, never cut; then plain strings
 * are kept, or cut to the longest prefix of whole code points that fits.
 */
function truncate(metadata: Record<string, string>, reserved: number, fields: EncodedField[], limit: number, fullBytes: number): Layout {
  metadata[SYSTEM_KEYS.truncated] = '1';
  let used = reserved;
  for (const f of fields) {
    if (f.text !== undefined) continue;
    const size = entrySize(f.key, f.meta);
    if (used + size <= limit) {
      metadata[f.key] = f.meta;
      used += size;
    }
  }
  for (const f of fields) {
    if (f.text === undefined) continue;
    let size = entrySize(f.key, f.meta);
    let value = f.meta;
    if (used + size > limit) {
      const room = limit - used - f.key.length;
      if (room < 1) continue;
      value = longestPrefixThatFits(f.text, room);
      size = entrySize(f.key, value);
    }
    metadata[f.key] = value;
    used += size;
  }
  return { metadata, bodyFields: undefined, truncated: true, metadataBytes: used, fullBytes };
}

/** Encoded form of the longest code-point prefix of `text` whose encoding is at most `room` bytes. */
function longestPrefixThatFits(text: string, room: number): string {
  const points = Array.from(text);
  let lo = 0;
  let hi = points.length;
  // Encoded length grows with the prefix length, so binary search finds the longest fit.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (utf8Length(encodeText(points.slice(0, mid).join(''))) <= room) lo = mid;
    else hi = mid - 1;
  }
  return encodeText(points.slice(0, lo).join(''));
}
