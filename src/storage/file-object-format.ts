/**
 * On-disk form of one file:// object: one file holding the header (key,
 * ETag, content type, metadata, time) and the body, so both are replaced by
 * a single atomic rename.
 *
 *   "S3L1" | uint32 BE header length | header JSON (UTF-8) | body
 */
import { StorageError } from '../core/errors.js';

const MAGIC = Buffer.from('S3L1', 'latin1');
export const PREAMBLE_BYTES = 8;

export interface FileObjectHeader {
  key: string;
  etag: string;
  contentType: string;
  metadata: Record<string, string>;
  lastModified: number;
}

/** The preamble and header; the body is written after them. */
export function encodeHeader(header: FileObjectHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  MAGIC.copy(preamble, 0);
  preamble.writeUInt32BE(json.length, 4);
  return Buffer.concat([preamble, json]);
}

/** Header length from the preamble, or a StorageError when the file is not an s3lite object. */
export function headerLength(preamble: Buffer, path: string): number {
  if (preamble.length < PREAMBLE_BYTES || !preamble.subarray(0, 4).equals(MAGIC)) {
    throw new StorageError(`${path} is not an s3lite object file (bad magic); remove it or restore it from a backup`);
  }
  return preamble.readUInt32BE(4);
}

export function decodeHeader(bytes: Buffer, path: string): { header: FileObjectHeader; bodyOffset: number } {
  const length = headerLength(bytes, path);
  const end = PREAMBLE_BYTES + length;
  if (bytes.length < end) throw new StorageError(`${path} is truncated (header incomplete)`);
  try {
    return { header: JSON.parse(bytes.toString('utf8', PREAMBLE_BYTES, end)) as FileObjectHeader, bodyOffset: end };
  } catch (err) {
    throw new StorageError(`${path} has an unreadable header`, { cause: err });
  }
}
