/**
 * S3 lists keys in UTF-8 byte order, which is Unicode code point order.
 * JavaScript's `<` compares UTF-16 code units, which differs for characters
 * above U+FFFF against U+E000–U+FFFF; this comparison fixes that case.
 */

/** Maps a UTF-16 code unit so that unit order matches code point order. */
function rank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** Negative, zero or positive as `a` sorts before, with or after `b` in S3 order. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? rank(x) - rank(y) : x - y;
  }
  return a.length - b.length;
}

/** First index in sorted `keys` whose key is not before-or-equal `after` (i.e. first key > after). */
export function indexAfter(keys: readonly string[], after: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in sorted `keys` at or after `from` (i.e. first key >= from). */
export function indexAtOrAfter(keys: readonly string[], from: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, from) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in sorted `keys` past every key that starts with `prefix` (and every key before it). */
export function indexPastPrefix(keys: readonly string[], prefix: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const key = keys[mid]!;
    if (key.startsWith(prefix) || compareKeys(key, prefix) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
