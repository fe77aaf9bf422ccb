import { createHash } from 'node:crypto';

/** S3's ETag of a single-part object: the quoted hex MD5 of the body. */
export function md5Etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}
