/**
 * Whether a cached entry may be served: it answers the same arguments and
 * was read under exactly the version tokens current now (see cache-driver.ts
 * for why tokens are replaced, never incremented).
 */
import type { CacheEntry } from './cache-driver.js';

/** Whether every version token is there. */
export function complete(versions: readonly (string | undefined)[]): versions is readonly string[] {
  for (const v of versions) if (v === undefined) return false;
  return true;
}

/** Whether `entry` answers the same arguments and was read under exactly the current version tokens. */
export function valid(entry: CacheEntry, args: string, versions: readonly (string | undefined)[]): versions is readonly string[] {
  if (entry.args !== args) return false;
  const tokens = entry.tokens;
  if (tokens === undefined) return sameVersion(entry.version, versions);
  if (tokens.length !== versions.length) return false;
  // Usually the very same strings (an in-process driver hands back what it was given), so === is a pointer check.
  for (let i = 0; i < tokens.length; i++) if (tokens[i] !== versions[i]) return false;
  return true;
}

/** Whether `version` is `tokens` joined by dots, without building the joined string (tokens never hold a dot). */
function sameVersion(version: string, tokens: readonly (string | undefined)[]): boolean {
  let at = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === undefined || !version.startsWith(token, at)) return false;
    at += token.length;
    if (i < tokens.length - 1) {
      if (version.charCodeAt(at) !== 46 /* . */) return false;
      at++;
    }
  }
  return at === version.length;
}
