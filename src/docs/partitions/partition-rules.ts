/**
 * Partition field rules and how a field's value becomes the text of a
 * partition reference.
 *
 * - `'string'`: the string itself (numbers, booleans and dates as text).
 * - `'string|maxlength:N'`: the same, cut to its first N characters (code points).
 * - `'number'`: the canonical decimal text of the number (`5`, `'5'` and `5.0` alike).
 * - `'date'`: the UTC calendar day, `YYYY-MM-DD`, of a Date, an ISO string or epoch milliseconds.
 * - `'date|maxlength:N'`: the first N characters of that (`'date|maxlength:7'`: `YYYY-MM`).
 * - `'boolean'`: `true` or `false` (also from the strings `'true'`/`'false'`).
 *
 * A value that has no text under its rule (missing, null, an object, a date
 * that does not parse) gives the document no reference for that partition.
 */
import { invalidOption } from '../../core/options.js';

export type PartitionRule = { type: 'string'; maxLength: number | undefined } | { type: 'number' } | { type: 'date'; maxLength?: number } | { type: 'boolean' };

const RULE = /^(string|number|date|boolean)(?:\|maxlength:(\d+))?$/;

/** Parses a rule string; throws a ValidationError naming the partition field when it is not one of the supported forms. */
export function parseRule(rule: unknown, where: string): PartitionRule {
  const match = typeof rule === 'string' ? RULE.exec(rule.trim()) : null;
  if (!match) throw invalidOption(where, "'string', 'number', 'date', 'boolean', 'string|maxlength:N' or 'date|maxlength:N'", rule);
  const [, type, max] = match;
  if (max !== undefined) {
    const maxLength = Number(max);
    if ((type !== 'string' && type !== 'date') || !Number.isSafeInteger(maxLength) || maxLength < 1) throw invalidOption(where, "'string|maxlength:N' or 'date|maxlength:N' with N from 1 and up", rule);
    return type === 'date' ? { type: 'date', maxLength } : { type: 'string', maxLength };
  }
  return type === 'string' ? { type: 'string', maxLength: undefined } : { type: type as 'number' | 'date' | 'boolean' };
}

/** The reference text of `value` under `rule`, or undefined when it has none. */
export function formatValue(rule: PartitionRule, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  switch (rule.type) {
    case 'string': {
      let text: string;
      if (typeof value === 'string') text = value;
      else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
      else if (value instanceof Date && !Number.isNaN(value.getTime())) text = value.toISOString();
      else return undefined;
      if (rule.maxLength === undefined || text.length <= rule.maxLength) return text;
      return Array.from(text).slice(0, rule.maxLength).join('');
    }
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (!Number.isFinite(n)) return undefined;
      return String(Object.is(n, -0) ? 0 : n);
    }
    case 'date': {
      let time: number;
      if (value instanceof Date) time = value.getTime();
      else if (typeof value === 'number') time = value;
      else if (typeof value === 'string') time = Date.parse(value);
      else return undefined;
      if (!Number.isFinite(time)) return undefined;
      const date = new Date(time);
      return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, Math.min(10, rule.maxLength ?? 10));
    }
    case 'boolean': {
      if (value === true || value === 'true') return 'true';
      if (value === false || value === 'false') return 'false';
      return undefined;
    }
  }
}
