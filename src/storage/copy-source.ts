/**
 * CopySource is URL-encoded, but characters that stay readable and that
 * every S3 implementation decodes alike (`/`, `=`, `:`, `@`, `,`, `;`, `$`, `&`)
 * are left as they are: s3rver only undoes `decodeURI`, which keeps `%3D` as is.
 */
export function encodeCopySource(key: string): string {
  return encodeURIComponent(key).replace(/%(2F|3D|3A|40|2C|3B|24|26)/g, (escape) => decodeURIComponent(escape));
}
