/**
 * CSV rendering of event rows for analysts (RFC 4180): one header line, then
 * one line per event with every column; `data` and `metadata` as their JSON
 * text, NULL as an empty field. Export-only: JSONL is the lossless format.
 */
import { LINE_COLUMNS, type RawEventTuple } from './event-line.js';

export const CSV_HEADER = LINE_COLUMNS.join(',');

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record (without the line break). */
export function encodeCsvRow(row: RawEventTuple): string {
  let line = field(row[0]);
  for (let i = 1; i < row.length; i += 1) line += `,${field(row[i])}`;
  return line;
}
