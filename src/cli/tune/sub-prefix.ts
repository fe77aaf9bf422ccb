/**
 * Tune writes only under a fresh sub-prefix of the user's target and clears it
 * afterwards, so it never touches the user's own documents.
 */
import { UsageError } from '../exit-codes.js';

/** `memory://b/p?x` + `t` → `memory://b/p/t?x`; `file:///dir` → `file:///dir/t`. */
export function withSubPrefix(connectionString: string, sub: string): string {
  const query = connectionString.indexOf('?');
  const base = query === -1 ? connectionString : connectionString.slice(0, query);
  const rest = query === -1 ? '' : connectionString.slice(query);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(base)?.[1]?.toLowerCase();
  if (!scheme) throw new UsageError('--docs expects a connection string such as memory://bucket/prefix, file:///dir, s3://KEY:SECRET@bucket/prefix or http://KEY:SECRET@host:port/bucket/prefix');
  return `${base.replace(/\/+$/, '')}/${sub}${rest}`;
}
