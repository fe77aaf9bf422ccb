import * as crypto from 'node:crypto';

// One-shot crypto.hash (Node >= 20.12) avoids a Hash object per write: the memory store's hot path.
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer, encoding: 'hex') => string }).hash;

/** S3's ETag of a single-part object: the quoted hex MD5 of the body. */
export function md5Etag(body: Buffer): string {
  const hex = oneShot !== undefined ? oneShot('md5', body, 'hex') : crypto.createHash('md5').update(body).digest('hex');
  return `"${hex}"`;
}
