/**
 * Option validation shared by every public constructor and options-taking
 * entry point, so a bad or misspelt option reads the same everywhere:
 * ``Expected `x` to be …, got …`` for a bad value and
 * ``Unknown <where> option `x`; did you mean `y`? Known options: …`` for a bad name.
 */
import { ValidationError } from './errors.js';

/** Formats a value for an option-validation message: `0` (number), `"x"` (string). */
export function describeValue(value: unknown): string {
  if (value === null) return '`null`';
  if (value === undefined) return '`undefined`';
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `\`${String(value)}\` (${typeof value})`;
  }
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Fails fast on a bad option with one message template:
 * ``Expected `concurrency` to be a number from 1 and up, got `0` (number)``.
 */
export function invalidOption(name: string, expected: string, got: unknown): ValidationError {
  return new ValidationError(`Expected \`${name}\` to be ${expected}, got ${describeValue(got)}`, [
    { field: name, message: `expected ${expected}`, expected, actual: got },
  ]);
}

/** Levenshtein distance, for "did you mean" on a misspelt option name. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * Rejects keys of an options object that are not in `known`, so a misspelt option
 * (`concurency`, `retryAtempts: 0`) fails instead of silently taking the default:
 * ``Unknown BackgroundJobQueue option `concurency`; did you mean `concurrency`? Known options: …``.
 * `path` prefixes nested options (`cache.` for `cache.ttl`).
 */
export function assertKnownOptions(where: string, options: object, known: readonly string[], path = ''): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const closest = known.reduce<[string, number] | undefined>((best, name) => {
      const distance = editDistance(key.toLowerCase(), name.toLowerCase());
      return distance <= Math.max(2, Math.floor(name.length / 3)) && (!best || distance < best[1]) ? [name, distance] : best;
    }, undefined);
    const hint = closest ? `; did you mean \`${path}${closest[0]}\`?` : '.';
    throw new ValidationError(
      `Unknown ${where} option \`${path}${key}\`${hint} Known options: ${known.join(', ')}. Check the spelling or remove it.`,
      [{ field: `${path}${key}`, message: 'unknown option', expected: known, actual: (options as Record<string, unknown>)[key] }],
    );
  }
}

/**
 * Checks that `options` is a plain object (not null, not an array) and that every
 * key is in `known`; returns it typed as a record for the caller's value checks.
 */
export function checkOptions(where: string, options: unknown, known: readonly string[], path = ''): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidOption(path ? path.slice(0, -1) : 'options', 'an object', options);
  assertKnownOptions(where, options, known, path);
  return options as Record<string, unknown>;
}
