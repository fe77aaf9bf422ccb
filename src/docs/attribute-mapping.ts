/**
 * The stable attribute mapping: every attribute path of a resource gets a
 * short metadata key once and keeps it forever, across schema versions.
 *
 * Keys are base-36 numbers (`0`-`9`, `a`-`z`, `10`…): lowercase only, so they
 * survive S3's case folding of metadata names, and never reused, so a document
 * written under an old schema version decodes with today's mapping.
 * System keys contain a hyphen (see {@link SYSTEM_KEYS}) and can never clash.
 */

/** attribute path (`name`, `address.city`) → metadata key. */
export type AttributeMapping = Record<string, string>;

/** Metadata keys used by s3lite itself. A hyphen never appears in a base-36 key. */
export const SYSTEM_KEYS = {
  /** Schema version the document was written with. */
  version: 's-v',
  /** Body layout: absent = metadata only; `o` overflow; `a` all in body. */
  layout: 's-b',
  /** Present when truncate-data cut or dropped something. */
  truncated: 's-t',
} as const;

/** Returns a mapping that also covers `paths`; existing keys are never changed. */
export function extendMapping(mapping: AttributeMapping, paths: readonly string[]): AttributeMapping {
  const next: AttributeMapping = { ...mapping };
  let counter = nextIndex(mapping);
  for (const path of paths) {
    if (next[path] !== undefined) continue;
    next[path] = counter.toString(36);
    counter++;
  }
  return next;
}

function nextIndex(mapping: AttributeMapping): number {
  let max = -1;
  for (const key of Object.values(mapping)) {
    const n = parseInt(key, 36);
    if (n > max) max = n;
  }
  return max + 1;
}

/** key → path, for decoding. */
export function invertMapping(mapping: AttributeMapping): Map<string, string> {
  const inverse = new Map<string, string>();
  for (const [path, key] of Object.entries(mapping)) inverse.set(key, path);
  return inverse;
}
