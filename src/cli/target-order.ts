/**
 * `s3lite docs <connection> <action> …` (the documented order) and
 * `s3lite docs <action> <connection> …` (commander's order) both work: the
 * first form is rewritten to the second before parsing.
 */

export function targetFirstToActionFirst(argv: readonly string[], groups: Record<string, readonly string[]>): string[] {
  const out = [...argv];
  const groupAt = out.findIndex((arg, i) => i >= 2 && !arg.startsWith('-'));
  const actions = groupAt === -1 ? undefined : groups[out[groupAt] as string];
  if (!actions) return out;
  const target = out[groupAt + 1];
  const action = out[groupAt + 2];
  if (target !== undefined && action !== undefined && !actions.includes(target) && actions.includes(action) && !target.startsWith('-')) {
    out[groupAt + 1] = action;
    out[groupAt + 2] = target;
  }
  return out;
}
