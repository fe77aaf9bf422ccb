/**
 * Errors of an import that name the offending line: ids or stream versions
 * already in the store with other content, or repeated within the file.
 */
import { ConflictError, type ValidationError } from '../../core/errors.js';
import { lineError } from './event-line.js';
import type { EventStoreHandle } from './event-store-handle.js';
import { stagedDifference } from './import-rows.js';

type Db = EventStoreHandle['db'];

/** An id the store holds with other content (`columns`: the ones that differ). */
export function idClash(line: number, id: number, columns: readonly string[], tail: string): ConflictError {
  return new ConflictError(
    `Line ${line}: event id ${id} already exists in the event store with different content (${columns.join(', ')} differ). ${tail} ` +
      'Lines identical to the stored event are skipped; to add these events under new ids instead, pass { preserveIds: false } ' +
      '(causation links are rewritten to match).',
    { details: { line, id, columns: [...columns] } },
  );
}

export function streamClash(line: number, stream: unknown, version: unknown, tail: string): ConflictError {
  return new ConflictError(
    `Line ${line}: stream ${JSON.stringify(stream)} already has version ${String(version)} in the event store, held by another event. ${tail}`,
    { details: { line, stream, stream_version: version } },
  );
}

function first<T>(db: Db, sql: string): T | undefined {
  return db.prepare(sql).get() as T | undefined;
}

/** The first line whose id already appeared earlier in the file, as an error. */
export function duplicateInFile(db: Db, schema: string, stage: string, nothing: string): ValidationError | undefined {
  db.exec(`CREATE INDEX IF NOT EXISTS ${schema}.events_id ON events (id)`);
  const twice = first<{ line: number; id: number; other: number }>(
    db,
    `SELECT b.line, b.id, a.line AS other FROM ${stage} a JOIN ${stage} b ON a.id = b.id AND b.seq > a.seq ORDER BY b.seq LIMIT 1`,
  );
  if (!twice) return undefined;
  const problem = `event id ${twice.id} appears twice in the file (also on line ${twice.other}). ${nothing}`;
  return lineError(twice.line, problem, { id: twice.id });
}

/**
 * Finds the first line behind a constraint failure of the copy (only runs when it
 * failed). `skipped` names the scratch table of lines identical to stored rows
 * (they were not copied, so they cannot clash), or is null.
 */
export function diagnoseClash(db: Db, schema: string, stage: string, preserveIds: boolean, skipped: string | null, nothing: string): Error | undefined {
  db.exec(`CREATE INDEX IF NOT EXISTS ${schema}.events_stream ON events (stream, stream_version) WHERE stream IS NOT NULL`);
  const copied = (alias: string) => (skipped ? `NOT EXISTS (SELECT 1 FROM ${skipped} k WHERE k.id = ${alias}.id AND k.seq = ${alias}.seq)` : '1');
  const candidates: Array<{ line: number; error: Error }> = [];
  if (preserveIds) {
    const clash = first<{ seq: number; line: number; id: number }>(
      db,
      `SELECT s.seq, s.line, s.id FROM ${stage} s WHERE ${copied('s')} AND EXISTS (SELECT 1 FROM main.queue q WHERE q.id = s.id) ORDER BY s.seq LIMIT 1`,
    );
    if (clash) {
      const columns = stagedDifference(db, stage, clash.seq) ?? [];
      candidates.push({ line: clash.line, error: idClash(clash.line, clash.id, columns, nothing) });
    }
  }
  const twice = duplicateInFile(db, schema, stage, nothing);
  if (twice) candidates.push({ line: Number(twice.details.line), error: twice });
  const stream = first<{ line: number; stream: string; stream_version: number }>(
    db,
    `SELECT s.line, s.stream, s.stream_version FROM ${stage} s WHERE s.stream IS NOT NULL AND ${copied('s')} AND EXISTS
       (SELECT 1 FROM main.queue q WHERE q.stream = s.stream AND q.stream_version = s.stream_version) ORDER BY s.seq LIMIT 1`,
  );
  if (stream) candidates.push({ line: stream.line, error: streamClash(stream.line, stream.stream, stream.stream_version, nothing) });
  const streamTwice = first<{ line: number; stream: string; stream_version: number }>(
    db,
    `SELECT b.line, b.stream, b.stream_version FROM ${stage} a JOIN ${stage} b
       ON a.stream = b.stream AND a.stream_version = b.stream_version AND b.seq > a.seq
     WHERE a.stream IS NOT NULL AND ${copied('a')} AND ${copied('b')} ORDER BY b.seq LIMIT 1`,
  );
  if (streamTwice) {
    const problem = `stream ${JSON.stringify(streamTwice.stream)} version ${streamTwice.stream_version} appears twice in the file. ${nothing}`;
    candidates.push({ line: streamTwice.line, error: lineError(streamTwice.line, problem) });
  }
  candidates.sort((a, b) => a.line - b.line);
  return candidates[0]?.error;
}
