/**
 * The JSONL line format of an event: one JSON object per line holding every
 * column of the `queue` row, lossless.
 *
 * `data` and `metadata` are written inline as JSON when the stored text is
 * exactly what JSON.stringify produces (always true for rows s3lite writes).
 * Otherwise (SQL NULL, text with other spacing, text that is not JSON) the exact
 * stored value goes under `raw` and the inline key holds null, so an import
 * restores the very same bytes.
 *
 * @example
 * {"id":1,"version":1,"datetime":1716200000000,"user":"ann","ip":"","cmd":"userRegistered","data":{"email":"a@x.io"},"correlation_id":"c1","causation_id":null,"metadata":{},"stream":null,"stream_version":null}
 */
import { ValidationError } from '../../core/errors.js';
import type { RawEventRow } from '../event-row.js';

/** Columns in table order (the key order of every line). */
export const LINE_COLUMNS = [
  'id',
  'version',
  'datetime',
  'user',
  'ip',
  'cmd',
  'data',
  'correlation_id',
  'causation_id',
  'metadata',
  'stream',
  'stream_version',
] as const;

export type EventColumn = (typeof LINE_COLUMNS)[number];

/** A row as `.raw()` returns it: values in {@link LINE_COLUMNS} order. */
export type RawEventTuple = [
  id: number,
  version: number | null,
  datetime: number | string,
  user: string | null,
  ip: string | null,
  cmd: string,
  data: string | null,
  correlation_id: string | null,
  causation_id: number | null,
  metadata: string | null,
  stream: string | null,
  stream_version: number | null,
];

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** The stored text itself when it is canonical JSON, else undefined. */
function canonicalJson(text: string | null): string | undefined {
  if (text === null) return undefined;
  if (text === '{}' || text === 'null') return text;
  try {
    return JSON.stringify(JSON.parse(text)) === text ? text : undefined;
  } catch {
    return undefined;
  }
}

/** One line (without the newline) for a row in column order. */
export function encodeEventLine(row: RawEventTuple): string {
  const data = canonicalJson(row[6]);
  const metadata = canonicalJson(row[9]);
  let raw = '';
  if (data === undefined) raw = `"data":${scalar(row[6])}`;
  if (metadata === undefined) raw += `${raw ? ',' : ''}"metadata":${scalar(row[9])}`;
  return (
    `{"id":${scalar(row[0])},"version":${scalar(row[1])},"datetime":${scalar(row[2])},"user":${scalar(row[3])},` +
    `"ip":${scalar(row[4])},"cmd":${scalar(row[5])},"data":${data ?? 'null'},"correlation_id":${scalar(row[7])},` +
    `"causation_id":${scalar(row[8])},"metadata":${metadata ?? 'null'},"stream":${scalar(row[10])},` +
    `"stream_version":${scalar(row[11])}${raw ? `,"raw":{${raw}}` : ''}}`
  );
}

const KNOWN_KEYS = new Set<string>([...LINE_COLUMNS, 'raw']);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${JSON.stringify(value)} (${typeof value})`;
}

/** A line that cannot be imported: names the line and what is wrong with it. */
export function lineError(line: number, problem: string, details: Record<string, unknown> = {}): ValidationError {
  return new ValidationError(`Line ${line}: ${problem}`, [{ field: `line ${line}`, message: problem }], {
    details: { line, ...details },
  });
}

/**
 * Parses and validates one line into a raw row. Missing nullable columns read as
 * null; unknown keys and wrong types are errors naming the line.
 */
export function decodeEventLine(text: string, line: number): RawEventRow {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw lineError(line, `not valid JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw lineError(line, `expected one JSON object per line, got ${describe(parsed)}`);
  }
  const obj = parsed as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KNOWN_KEYS.has(key)) throw lineError(line, `unknown key \`${key}\` (expected ${LINE_COLUMNS.join(', ')}, raw)`);
  }
  const bad = (key: string, expected: string) => lineError(line, `\`${key}\` must be ${expected}, got ${describe(obj[key])}`);
  const int = (key: EventColumn, nullable: boolean): number | null => {
    const value = obj[key] ?? null;
    if (value === null && nullable) return null;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw bad(key, nullable ? 'an integer or null' : 'an integer');
    return value;
  };
  const str = (key: EventColumn): string | null => {
    const value = obj[key] ?? null;
    if (value !== null && typeof value !== 'string') throw bad(key, 'a string or null');
    return value;
  };
  const id = int('id', false) as number;
  if (id < 1) throw bad('id', 'a positive integer');
  const datetime = obj.datetime;
  if (typeof datetime !== 'string' && (typeof datetime !== 'number' || !Number.isFinite(datetime))) {
    throw bad('datetime', 'a number (milliseconds since the epoch)');
  }
  const cmd = obj.cmd;
  if (typeof cmd !== 'string' || cmd === '') throw bad('cmd', 'a non-empty string');
  let data = JSON.stringify(obj.data ?? null);
  let metadata = JSON.stringify(obj.metadata ?? null);
  if (obj.raw !== undefined) {
    const raw = obj.raw;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('raw', 'an object');
    for (const [key, value] of Object.entries(raw)) {
      if (key !== 'data' && key !== 'metadata') throw lineError(line, `unknown key \`raw.${key}\` (expected data, metadata)`);
      if (value !== null && typeof value !== 'string') throw lineError(line, `\`raw.${key}\` must be a string or null, got ${describe(value)}`);
      if (key === 'data') data = value as string;
      else metadata = value as string;
    }
  }
  return {
    id,
    version: int('version', true),
    datetime: datetime as number,
    user: str('user'),
    ip: str('ip'),
    cmd,
    data,
    correlation_id: str('correlation_id'),
    causation_id: int('causation_id', true),
    metadata,
    stream: str('stream'),
    stream_version: int('stream_version', true),
  };
}
