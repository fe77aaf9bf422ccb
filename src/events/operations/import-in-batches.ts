/**
 * The non-atomic import: each batch commits on its own, and a failure says how
 * many events were committed and which line to resume from. Lines identical to
 * a stored event are skipped, so resuming from an earlier line is harmless.
 */
import type { S3liteError } from '../../core/errors.js';
import { rowToEvent, type RawEventRow } from '../event-row.js';
import { decodeEventLine, lineError } from './event-line.js';
import type { ImportResult, ResolvedImportOptions } from './event-import.js';
import type { EventStoreHandle } from './event-store-handle.js';
import { idClash, streamClash } from './import-diagnostics.js';
import type { ImportHook } from './import-hooks.js';
import { COLUMN_LIST, isConstraint, PLACEHOLDERS, rowValues, storedDifference } from './import-rows.js';
import { describeTarget, readLines, type ImportSource } from './line-io.js';

class LineFailure extends Error {
  constructor(
    readonly index: number,
    readonly error: Error,
  ) {
    super(error.message);
  }
}

type Numbered = [row: RawEventRow, line: number];

export async function importInBatches(
  queue: EventStoreHandle,
  source: ImportSource,
  options: ResolvedImportOptions,
  hooks: ReadonlySet<ImportHook>,
  written: { any: boolean },
): Promise<ImportResult> {
  const { db } = queue;
  // Only an id clash is left to us (to tell identical from different); a stream clash still throws.
  const insert = db.prepare(`INSERT INTO main.queue (${COLUMN_LIST}) VALUES (${PLACEHOLDERS}) ON CONFLICT (id) DO NOTHING`);
  const tail = 'Nothing from this line on was imported.';
  let imported = 0;
  let skipped = 0;
  let firstId: number | null = null;
  let lastId: number | null = null;
  /** Writes `batch`; returns the rows actually inserted (the others were identical to stored ones). */
  const write = db.transaction((batch: Numbered[]): RawEventRow[] => {
    const inserted: RawEventRow[] = [];
    batch.forEach(([row, line], index) => {
      try {
        if (insert.run(...rowValues(row)).changes === 0) {
          const columns = storedDifference(db, row) ?? [];
          if (columns.length > 0) throw idClash(line, row.id, columns, tail);
          return;
        }
        inserted.push(row);
        if (hooks.size > 0) {
          const event = rowToEvent(row);
          for (const hook of hooks) hook(event);
        }
      } catch (err) {
        const mapped =
          (err as S3liteError).code === 'CONFLICT'
            ? (err as Error)
            : isConstraint(err, 'UNIQUE')
              ? streamClash(line, row.stream, row.stream_version, tail)
              : lineError(line, `${(err as Error).message}. ${tail}`);
        throw new LineFailure(index, mapped);
      }
    });
    return inserted;
  });
  const count = (batch: Numbered[], inserted: RawEventRow[]) => {
    skipped += batch.length - inserted.length;
    if (inserted.length === 0) return;
    written.any = true;
    imported += inserted.length;
    firstId ??= (inserted[0] as RawEventRow).id;
    lastId = (inserted[inserted.length - 1] as RawEventRow).id;
  };
  const commit = (batch: Numbered[]) => {
    try {
      count(batch, write.immediate(batch));
    } catch (err) {
      if (!(err instanceof LineFailure)) throw err;
      const good = batch.slice(0, err.index);
      count(good, write.immediate(good)); // the rows before the failing one still commit, so resuming at it is exact
      throw err.error;
    }
  };

  let batch: Numbered[] = [];
  let lines = 0;
  try {
    for await (const chunk of readLines(source)) {
      for (const [text, line] of chunk) {
        lines = line;
        if (line < options.fromLine) continue;
        let row: RawEventRow;
        try {
          row = decodeEventLine(text, line);
        } catch (err) {
          commit(batch); // everything before the bad line is valid: keep it
          batch = [];
          throw err;
        }
        batch.push([row, line]);
        if (batch.length >= options.batchSize) {
          commit(batch);
          batch = [];
          options.onProgress?.({ lines, events: imported });
        }
      }
    }
    commit(batch);
  } catch (err) {
    const failed = err as S3liteError;
    const line = (failed.details as { line?: number } | undefined)?.line;
    if (line !== undefined) {
      failed.message += ` ${imported} event(s) before it were committed; fix the line and resume with { atomic: false, fromLine: ${line} }.`;
      Object.assign(failed.details, { imported, skipped, resumeFromLine: line });
    }
    throw err;
  }
  options.onProgress?.({ lines, events: imported });
  return { imported, skipped, lines, firstId, lastId, path: describeTarget(source) };
}
