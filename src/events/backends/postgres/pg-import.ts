/**
 * `importFromJSONL` on PostgreSQL: appends the lines of an export with their
 * ids, all or nothing, in multi-row inserts. Lines identical to a stored event
 * are skipped (re-import is harmless); an id stored with other content is a
 * ConflictError. New ids must lie above every position handed out so far
 * (claimed under the reservation lock, so readers never skip them); import
 * into the past is refused.
 */
import type pg from 'pg';
import { ConflictError } from '../../../core/errors.js';
import { assertKnownOptions, invalidOption } from '../../../core/options.js';
import { rowToEvent, type RawEventRow } from '../../event-row.js';
import { decodeEventLine, encodeEventLine, LINE_COLUMNS, type RawEventTuple } from '../../operations/event-line.js';
import type { ImportResult } from '../../operations/event-import.js';
import type { ImportHook } from '../../operations/import-hooks.js';
import { describeTarget, readLines, type ImportSource } from '../../operations/line-io.js';
import { currentClient } from './pg-model-db.js';
import { PG_EVENT_COLUMNS } from './pg-sql.js';

const INSERT = `INSERT INTO queue (id, version, datetime, "user", ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version)
SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::int[])`;
const CHUNK = 5000;

export interface PgImportOptions {
  /** Called after each chunk of lines is read. */
  onProgress?: (progress: { lines: number; events: number }) => void;
}

const tuple = (row: RawEventRow): RawEventTuple => LINE_COLUMNS.map((c) => row[c]) as RawEventTuple;

/**
 * Appends the export's lines; `hooks` (EventJobProcessor's import hooks) are awaited
 * for each new event inside the import transaction, on its connection.
 */
export async function importPg(pool: pg.Pool, source: ImportSource, options: PgImportOptions = {}, hooks: ReadonlySet<ImportHook> = new Set()): Promise<ImportResult> {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object', options);
  const known = ['onProgress'];
  assertKnownOptions('importEvents (PostgreSQL)', options, known);
  // Read and check every line before writing anything.
  const rows: RawEventRow[] = [];
  let lines = 0;
  for await (const chunk of readLines(source)) {
    for (const [text, number] of chunk) {
      lines = number;
      if (text.trim() === '') continue;
      rows.push(decodeEventLine(text, number));
    }
    options.onProgress?.({ lines, events: rows.length });
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      const ids = rows.map((r) => r.id);
      const { rows: existing } = await client.query({ text: `SELECT ${PG_EVENT_COLUMNS} FROM queue WHERE id = ANY($1::bigint[])`, values: [ids], rowMode: 'array' });
      const stored = new Map((existing as RawEventTuple[]).map((t) => [Number(t[0]), encodeEventLine(t)]));
      const fresh: RawEventRow[] = [];
      for (const row of rows) {
        const have = stored.get(row.id);
        if (have === undefined) fresh.push(row);
        else if (have !== encodeEventLine(tuple(row))) {
          throw new ConflictError(`Event ${row.id} is stored with other content; the import wrote nothing. Import into an empty log, or remove that line.`, { details: { id: row.id } });
        }
      }
      fresh.sort((x, y) => x.id - y.id);
      if (fresh.length > 0) {
        try {
          await client.query('SELECT s3lite_claim_ids($1, $2)', [fresh[0]!.id, fresh[fresh.length - 1]!.id]);
        } catch (err) {
          throw new ConflictError(`The import's ids (${fresh[0]!.id}-${fresh[fresh.length - 1]!.id}) are not above the log's positions: ${(err as Error).message}. PostgreSQL imports append; import into an empty log.`, { cause: err });
        }
        for (let from = 0; from < fresh.length; from += CHUNK) {
          const part = fresh.slice(from, from + CHUNK);
          await client.query(INSERT, LINE_COLUMNS.map((c) => part.map((r) => r[c])));
        }
        if (hooks.size > 0) {
          await currentClient.run(client, async () => {
            for (const raw of fresh) {
              const event = rowToEvent(raw);
              for (const hook of hooks) await hook(event);
            }
          });
        }
      }
      await client.query('COMMIT');
      return {
        imported: fresh.length,
        skipped: rows.length - fresh.length,
        lines,
        firstId: fresh[0]?.id ?? null,
        lastId: fresh[fresh.length - 1]?.id ?? null,
        path: describeTarget(source),
      };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  } finally {
    client.release();
  }
}
