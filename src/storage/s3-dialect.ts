/**
 * What an S3-compatible server really does with conditional requests, as
 * found by the probe (s3-probe.ts), and how S3Store speaks to it. Servers
 * differ: Ceph RGW 16 accepts only the bare hex form of If-Match, ignores
 * If-Match on DELETE, reads `x-amz-copy-if-match` instead of
 * `x-amz-copy-source-if-match` and answers some losers of an If-Match race
 * with 500 instead of 412; s3rver ignores every condition.
 */
import type { StoreCapabilities } from './object-store.js';

export interface S3Dialect {
  /** False when the probe could not write (e.g. 403 with read-only credentials): the rest is AWS's documented behaviour, assumed. */
  probed: boolean;
  /** `If-None-Match: *` on PUT refuses to overwrite an existing object. */
  ifNoneMatch: boolean;
  /**
   * The If-Match form the server enforces on PUT: `quoted` (`"hex"`, as AWS),
   * `unquoted` (bare hex, RGW 16), `ignored` (any value is accepted) or
   * `unusable` (the current ETag is refused in both forms).
   */
  ifMatch: 'quoted' | 'unquoted' | 'ignored' | 'unusable';
  /** DELETE with a stale If-Match is refused (AWS since 2024); RGW 16 and s3rver delete anyway. */
  conditionalDelete: boolean;
  /** The header that makes CopyObject conditional on the source ETag, or `none` when neither is enforced. */
  copySourceIfMatch: 'x-amz-copy-source-if-match' | 'x-amz-copy-if-match' | 'none';
  /** User metadata over 2 KB is refused (AWS); RGW accepts ~15 KB, s3rver any size. */
  metadataLimit: boolean;
  /** CopyObject answers its ETag in quotes (AWS); RGW answers bare hex. S3Store quotes it either way. */
  copyEtagQuoted: boolean;
  /**
   * The probe's race sample saw losers of a conditional-write race answered
   * `500` instead of `412` (RGW, most of the time). S3Store does not rely on
   * the sample: any 500 to a conditional PUT is checked with a HEAD and is a
   * conflict when the object changed.
   */
  raceAnswers500: boolean;
}

/** AWS S3's documented behaviour: assumed when the probe cannot write. */
export const AWS_DIALECT: S3Dialect = {
  probed: false,
  ifNoneMatch: true,
  ifMatch: 'quoted',
  conditionalDelete: true,
  copySourceIfMatch: 'x-amz-copy-source-if-match',
  metadataLimit: true,
  copyEtagQuoted: true,
  raceAnswers500: false,
};

/** `"hex"` whatever form the server answered (RGW answers CopyObject ETags bare). */
export function quoteEtag(etag: string): string {
  if (etag === '' || etag.startsWith('"') || etag.startsWith('W/')) return etag;
  return `"${etag}"`;
}

/**
 * The If-Match value in the form this server enforces; undefined where it
 * refuses the current ETag in every form (sending it would fail every write;
 * the warning says writes are unconditional there).
 */
export function ifMatchValue(dialect: S3Dialect, etag: string): string | undefined {
  if (dialect.ifMatch === 'unusable') return undefined;
  return dialect.ifMatch === 'unquoted' ? etag.replace(/^"(.*)"$/, '$1') : quoteEtag(etag);
}

export function capabilitiesOf(dialect: S3Dialect): StoreCapabilities {
  const ifMatchEnforced = dialect.ifMatch === 'quoted' || dialect.ifMatch === 'unquoted';
  return {
    conditionalWrites: dialect.ifNoneMatch && ifMatchEnforced,
    conditionalDeletes: dialect.conditionalDelete,
    metadataLimit: dialect.metadataLimit,
    s3: { ...dialect },
  };
}

/** The warnings a database should print once for this server: guarantees it cannot keep there. */
export function dialectWarnings(description: string, dialect: S3Dialect): string[] {
  const warnings: string[] = [];
  if (!dialect.probed) {
    warnings.push(`${description}: could not write a probe object (no write permission?); assuming AWS S3's behaviour for conditional requests`);
  }
  if (!dialect.ifNoneMatch || !(dialect.ifMatch === 'quoted' || dialect.ifMatch === 'unquoted')) {
    warnings.push(`${description} does not enforce conditional writes: concurrent writers may overwrite each other's updates`);
  } else if (!dialect.conditionalDelete) {
    warnings.push(
      `${description} ignores If-Match on DELETE: s3lite checks the version with a HEAD just before each conditional delete, ` +
        'so an update landing in the milliseconds between that HEAD and the DELETE can be deleted with the document',
    );
  }
  return warnings;
}
