/**
 * Writes a batch of prepared events in one PostgreSQL transaction: reserve
 * positions, resolve correlations and stream versions, one multi-row INSERT
 * (unnest of arrays: one statement whatever the batch size), then the model
 * methods in order on the same connection. Events that fail their checks
 * before the insert are left out; a failure after it (a model throwing, a
 * stream version taken by another process) fails the whole transaction and the
 * caller retries the events one by one. With `atomic` (storeBulk), any failing
 * event rolls back the whole batch and its error is thrown.
 */
import type pg from 'pg';
import { ConflictError, ValidationError } from '../../../core/errors.js';
import { newCorrelationId } from '../../correlation-id.js';
import type { PreparedEvent } from '../../event-input.js';
import type { EventRow } from '../../event-row.js';
import { applyAsyncModel, rejected } from '../async-model.js';
import type { AsyncModel } from '../event-store.js';
import { currentClient } from './pg-model-db.js';

export interface BatchItem {
  event: PreparedEvent;
  model: AsyncModel | undefined;
  /** Position in a storeBulk call, for error messages. */
  index?: number;
}

export interface ItemOutcome {
  row?: EventRow;
  result?: unknown;
  error?: unknown;
}

/** Thrown out of a batch transaction: item `at` failed after the insert, so nothing was kept. */
export class BatchAbort extends Error {
  constructor(
    readonly at: number,
    readonly error: unknown,
  ) {
    super('batch aborted');
  }
}

const INSERT = `INSERT INTO queue (id, version, datetime, "user", ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version)
SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::int[])`;

const INSERT_CHUNK = 10_000;

function label(index: number | undefined): string {
  return index === undefined ? 'The event' : `Event #${index} of the batch`;
}

/** True for a unique violation of (stream, stream_version). */
export function isStreamClash(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505' && (err as { constraint?: string }).constraint === 'idx_stream_version';
}

export function raceConflict(event: PreparedEvent, index: number | undefined, cause: unknown): ConflictError {
  return new ConflictError(`${label(index)} lost a race on stream \`${event.stream}\`: another writer stored that version first; reload the stream and retry.`, {
    cause,
    details: { stream: event.stream, index },
  });
}

async function streamVersions(client: pg.PoolClient, items: readonly BatchItem[]): Promise<Map<string, number>> {
  const streams = [...new Set(items.map((i) => i.event.stream).filter((s): s is string => s !== null))];
  const versions = new Map<string, number>();
  if (streams.length === 0) return versions;
  const { rows } = await client.query<{ stream: string; v: number }>(
    'SELECT stream, max(stream_version) AS v FROM queue WHERE stream = ANY($1::text[]) GROUP BY stream',
    [streams],
  );
  for (const row of rows) versions.set(row.stream, Number(row.v));
  return versions;
}

async function parentCorrelations(client: pg.PoolClient, items: readonly BatchItem[]): Promise<Map<number, string | null>> {
  const ids = [...new Set(items.filter((i) => i.event.correlationId === undefined && i.event.causationId !== null).map((i) => i.event.causationId!))];
  const parents = new Map<number, string | null>();
  if (ids.length === 0) return parents;
  const { rows } = await client.query<{ id: number; correlation_id: string | null }>('SELECT id, correlation_id FROM queue WHERE id = ANY($1::bigint[])', [ids]);
  for (const row of rows) parents.set(Number(row.id), row.correlation_id);
  return parents;
}

/**
 * Runs the batch in one transaction on `client` and returns one outcome per
 * item. Throws {@link BatchAbort} (after ROLLBACK) when an item failed after the
 * insert, or the database error when the insert or commit failed.
 */
export async function writeBatch(client: pg.PoolClient, items: readonly BatchItem[], clock: () => number, atomic = false): Promise<ItemOutcome[]> {
  const outcomes: ItemOutcome[] = items.map(() => ({}));
  await client.query('BEGIN');
  try {
    // Stream versions are read before positions are reserved: a version read here was
    // committed by a transaction that reserved earlier, so within a stream, position
    // order and version order agree (the other way round, v19 could sit below v18).
    const [versions, parents] = await Promise.all([streamVersions(client, items), parentCorrelations(client, items)]);
    const { rows: reserved } = await client.query<{ last: number }>('SELECT s3lite_reserve_ids($1) AS last', [items.length]);
    let nextId = Number(reserved[0]!.last) - items.length + 1;
    const columns: unknown[][] = Array.from({ length: 12 }, () => []);
    const accepted: number[] = [];
    items.forEach(({ event, index }, i) => {
      let correlationId = event.correlationId;
      if (correlationId === undefined) {
        if (event.causationId === null) correlationId = newCorrelationId();
        else if (!parents.has(event.causationId)) {
          outcomes[i]!.error = new ValidationError(
            `${label(index)} has causationId ${event.causationId}, but no event has that id. Pass the id of a stored event, or a correlationId.`,
            [{ field: index === undefined ? 'causationId' : `events[${index}].causationId`, message: 'no such event', actual: event.causationId }],
          );
          return;
        } else correlationId = parents.get(event.causationId) ?? newCorrelationId();
      }
      let streamVersion: number | null = null;
      if (event.stream !== null) {
        const current = versions.get(event.stream) ?? 0;
        if (event.expectedVersion !== 'any' && current !== event.expectedVersion) {
          outcomes[i]!.error = new ConflictError(
            `${label(index)} expected stream \`${event.stream}\` at version ${event.expectedVersion}, but it is at ${current}. Reload the stream, decide again, and retry with expectedVersion ${current}.`,
            { details: { stream: event.stream, expectedVersion: event.expectedVersion, actualVersion: current, index } },
          );
          return;
        }
        streamVersion = current + 1;
        versions.set(event.stream, streamVersion);
      }
      const row: EventRow = {
        id: nextId++,
        version: event.version,
        datetime: clock(),
        user: event.user,
        ip: event.ip,
        cmd: event.cmd,
        data: event.dataIsPlainJson ? event.data : event.dataJson === '{}' ? {} : JSON.parse(event.dataJson),
        correlation_id: correlationId,
        causation_id: event.causationId,
        metadata: event.metadataJson === '{}' ? {} : JSON.parse(event.metadataJson),
        stream: event.stream,
        stream_version: streamVersion,
      };
      const values = [row.id, row.version, row.datetime, row.user, row.ip, row.cmd, event.dataJson, correlationId, row.causation_id, event.metadataJson, row.stream, streamVersion];
      for (let c = 0; c < 12; c++) columns[c]!.push(values[c]);
      outcomes[i]!.row = row;
      accepted.push(i);
    });
    if (atomic) {
      const failed = outcomes.find((o) => o.error !== undefined);
      if (failed) throw failed.error;
    }
    // Chunks bound the size of one statement's arrays on very large bulks.
    for (let from = 0; from < accepted.length; from += INSERT_CHUNK) {
      await client.query(
        INSERT,
        columns.map((column) => column.slice(from, from + INSERT_CHUNK)),
      );
    }
    await currentClient.run(client, async () => {
      for (const i of accepted) {
        const { model, index } = items[i]!;
        if (!model) continue;
        const row = outcomes[i]!.row!;
        try {
          outcomes[i]!.result = await applyAsyncModel(row, model);
        } catch (cause) {
          throw new BatchAbort(i, rejected(row, cause, index));
        }
      }
    });
    await client.query('COMMIT');
    return outcomes;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
