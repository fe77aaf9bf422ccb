/**
 * Errors of an import that name the offending line: ids or stream versions
 * already in the store, or repeated within the file.
 */
import { ConflictError } from '../../core/errors.js';
import { lineError } from './event-line.js';
import type { EventStoreHandle } from './event-store-handle.js';

export function idClash(line: number, id: number, tail: string): ConflictError {
  return new ConflictError(
    `Line ${line}: event id ${id} already exists in the event store. ${tail} Import into an empty store to keep ids, ` +
      'or pass { preserveIds: false } to give the imported events new ids (causation links are rewritten to match).',
    { details: { line, id } },
  );
}

export function streamClash(line: number, stream: unknown, version: unknown, tail: string): ConflictError {
  return new ConflictError(
    `Line ${line}: stream ${JSON.stringify(stream)} already has version ${String(version)} in the event store. ${tail}`,
    { details: { line, stream, stream_version: version } },
  );
}

/** Finds the first line behind a constraint failure of the copy (only runs when it failed). */
export function diagnoseClash(db: EventStoreHandle['db'], schema: string, stage: string, preserveIds: boolean, nothing: string): Error | undefined {
  const first = <T>(sql: string) => db.prepare(sql).get() as T | undefined;
  db.exec(`CREATE INDEX IF NOT EXISTS ${schema}.events_id ON events (id)`);
  db.exec(`CREATE INDEX IF NOT EXISTS ${schema}.events_stream ON events (stream, stream_version) WHERE stream IS NOT NULL`);
  const candidates: Array<{ line: number; error: Error }> = [];
  if (preserveIds) {
    const clash = first<{ line: number; id: number }>(
      `SELECT s.line, s.id FROM ${stage} s WHERE EXISTS (SELECT 1 FROM main.queue q WHERE q.id = s.id) ORDER BY s.seq LIMIT 1`,
    );
    if (clash) candidates.push({ line: clash.line, error: idClash(clash.line, clash.id, nothing) });
  }
  const twice = first<{ line: number; id: number; other: number }>(
    `SELECT b.line, b.id, a.line AS other FROM ${stage} a JOIN ${stage} b ON a.id = b.id AND b.seq > a.seq ORDER BY b.seq LIMIT 1`,
  );
  if (twice) {
    const problem = `event id ${twice.id} appears twice in the file (also on line ${twice.other}). ${nothing}`;
    candidates.push({ line: twice.line, error: lineError(twice.line, problem, { id: twice.id }) });
  }
  const stream = first<{ line: number; stream: string; stream_version: number }>(
    `SELECT s.line, s.stream, s.stream_version FROM ${stage} s WHERE s.stream IS NOT NULL AND EXISTS
       (SELECT 1 FROM main.queue q WHERE q.stream = s.stream AND q.stream_version = s.stream_version) ORDER BY s.seq LIMIT 1`,
  );
  if (stream) candidates.push({ line: stream.line, error: streamClash(stream.line, stream.stream, stream.stream_version, nothing) });
  const streamTwice = first<{ line: number; stream: string; stream_version: number }>(
    `SELECT b.line, b.stream, b.stream_version FROM ${stage} a JOIN ${stage} b
       ON a.stream = b.stream AND a.stream_version = b.stream_version AND b.seq > a.seq
     WHERE a.stream IS NOT NULL ORDER BY b.seq LIMIT 1`,
  );
  if (streamTwice) {
    const problem = `stream ${JSON.stringify(streamTwice.stream)} version ${streamTwice.stream_version} appears twice in the file. ${nothing}`;
    candidates.push({ line: streamTwice.line, error: lineError(streamTwice.line, problem) });
  }
  candidates.sort((a, b) => a.line - b.line);
  return candidates[0]?.error;
}

