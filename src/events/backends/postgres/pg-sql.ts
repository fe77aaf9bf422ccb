/**
 * SQL shared by the PostgreSQL backend's files: the event columns, row
 * conversion, and the placeholder translation that lets model SQL written for
 * SQLite (`$name`, `@name`, `?`) run unchanged.
 */
import { ValidationError } from '../../../core/errors.js';
import { rowToEvent, type EventRow, type RawEventRow } from '../../event-row.js';
import type { StatementParams } from '../event-store.js';

/** `queue` columns in table order (`user` is a reserved word in PostgreSQL). */
export const PG_EVENT_COLUMNS = 'id, version, datetime, "user", ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version';

export function pgRowToEvent(raw: RawEventRow): EventRow {
  return rowToEvent(raw);
}

interface Translated {
  text: string;
  /** Parameter names in `$n` order, or null for positional `?`. */
  names: string[] | null;
}

const cache = new Map<string, Translated>();

/**
 * Rewrites `$name` / `@name` / `?` placeholders to `$1…$n`, leaving quoted
 * strings, identifiers, comments and `::` casts alone.
 */
export function translatePlaceholders(sql: string): Translated {
  const hit = cache.get(sql);
  if (hit) return hit;
  let text = '';
  const names: string[] = [];
  let positional = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      text += sql.slice(i, stop);
      i = stop;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      positional += 1;
      text += `$${positional}`;
      i += 1;
    } else if ((c === '$' || c === '@') && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))!;
      const name = match[0];
      let at = names.indexOf(name);
      if (at === -1) at = names.push(name) - 1;
      text += `$${at + 1}`;
      i += 1 + name.length;
    } else {
      text += c;
      i += 1;
    }
  }
  if (positional > 0 && names.length > 0) {
    throw new ValidationError(`The statement mixes \`?\` and named placeholders; use one kind: ${sql}`);
  }
  const out = { text, names: names.length > 0 ? names : null };
  cache.set(sql, out);
  return out;
}

/** Values for the translated statement, in `$n` order. */
export function bindValues(translated: Translated, params: StatementParams): unknown[] {
  if (translated.names) {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new ValidationError(`The statement has named placeholders (${translated.names.map((n) => `$${n}`).join(', ')}); pass an object with those keys.`);
    }
    const record = params as Record<string, unknown>;
    return translated.names.map((name) => {
      if (!(name in record)) throw new ValidationError(`Missing named parameter \`${name}\`.`);
      return toPg(record[name]);
    });
  }
  if (params === undefined) return [];
  return (Array.isArray(params) ? params : [params]).map(toPg);
}

/** SQLite binds booleans as 1/0; so does the PostgreSQL side, so the same rows come back. */
function toPg(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
