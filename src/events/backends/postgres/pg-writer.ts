/**
 * Writes a batch of prepared events: resolve correlations and stream versions,
 * reserve positions, one multi-row INSERT (unnest of arrays), then the model
 * methods in order on the same connection. A batch without models is one
 * statement (reservation and insert together); one with models is one explicit
 * transaction. Events that fail their checks before the insert are left out; a
 * failure after it (a model throwing, a stream version taken by another
 * process) fails the whole batch and the caller retries the events one by one.
 * With `atomic` (storeBulk), any failing event rolls back the whole batch.
 */
import type pg from 'pg';
import { ConflictError } from '../../../core/errors.js';
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

interface Lookups {
  versions: Map<string, number>;
  parents: Map<number, string | null>;
}

async function lookup(client: pg.PoolClient, items: readonly BatchItem[]): Promise<Lookups> {
  return { versions: await streamVersions(client, items), parents: await parentCorrelations(client, items) };
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

interface Built {
  /** Items that passed their checks, by index into the batch. */
  accepted: number[];
  /** Column arrays of the accepted rows, without `id` (table order from `version`). */
  columns: unknown[][];
}

/**
 * Correlation, stream version and row of each item; items failing a check get
 * their error in `outcomes` and are left out. Ids are filled in by {@link assignIds}.
 */
function build(items: readonly BatchItem[], lookups: Lookups, clock: () => number, outcomes: ItemOutcome[]): Built {
  const { versions, parents } = lookups;
  const columns: unknown[][] = Array.from({ length: 11 }, () => []);
  const accepted: number[] = [];
  items.forEach(({ event, index }, i) => {
    let correlationId = event.correlationId;
    if (correlationId === undefined) {
      // A causation id naming no stored event is kept as given, with a fresh correlation (as eventlite does).
      correlationId = (event.causationId === null ? undefined : parents.get(event.causationId)) ?? newCorrelationId();
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
      id: 0,
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
    const values = [row.version, row.datetime, row.user, row.ip, row.cmd, event.dataJson, correlationId, row.causation_id, event.metadataJson, row.stream, streamVersion];
    for (let c = 0; c < 11; c++) columns[c]!.push(values[c]);
    outcomes[i]!.row = row;
    accepted.push(i);
  });
  return { accepted, columns };
}

/** Gives the accepted rows consecutive ids from `first`, in batch order. */
function assignIds(built: Built, outcomes: ItemOutcome[], first: number): number[] {
  const ids = built.accepted.map((i, k) => (outcomes[i]!.row!.id = first + k));
  return ids;
}

/**
 * One statement, one implicit transaction: reserve positions and insert the rows.
 * For batches without models (the common group commit): one round trip.
 */
const INSERT_RESERVING = `WITH r AS MATERIALIZED (SELECT s3lite_reserve_ids($12::int) AS last)
INSERT INTO queue (id, version, datetime, "user", ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version)
SELECT r.last - $12::int + t.ord, t.version, t.datetime, t.u, t.ip, t.cmd, t.data, t.corr, t.caus, t.meta, t.stream, t.sv
FROM r, unnest($1::int[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::int[])
  WITH ORDINALITY AS t(version, datetime, u, ip, cmd, data, corr, caus, meta, stream, sv, ord)
RETURNING id`;

async function writeWithoutTransaction(client: pg.PoolClient, items: readonly BatchItem[], clock: () => number, outcomes: ItemOutcome[]): Promise<ItemOutcome[]> {
  const built = build(items, await lookup(client, items), clock, outcomes);
  const n = built.accepted.length;
  if (n === 0) return outcomes;
  const { rows } = await client.query<{ id: number }>(INSERT_RESERVING, [...built.columns, n]);
  assignIds(built, outcomes, Math.min(...rows.map((r) => Number(r.id))));
  return outcomes;
}

/**
 * Writes the batch and returns one outcome per item. Batches with a model (or
 * `atomic`) run in one explicit transaction: lookups, one position reservation,
 * insert, model methods in order, commit. Throws {@link BatchAbort} (after
 * ROLLBACK) when an item failed after the insert, or the database error when
 * the insert or commit failed.
 */
export async function writeBatch(client: pg.PoolClient, items: readonly BatchItem[], clock: () => number, atomic = false): Promise<ItemOutcome[]> {
  const outcomes: ItemOutcome[] = items.map(() => ({}));
  if (!atomic && items.length <= INSERT_CHUNK && items.every((item) => item.model === undefined)) return writeWithoutTransaction(client, items, clock, outcomes);
  await client.query('BEGIN');
  try {
    // Stream versions are read before positions are reserved: a version read here was
    // committed by a transaction that reserved earlier, so within a stream, position
    // order and version order agree (the other way round, v19 could sit below v18).
    const built = build(items, await lookup(client, items), clock, outcomes);
    if (atomic) {
      const failed = outcomes.find((o) => o.error !== undefined);
      if (failed) throw failed.error;
    }
    const n = built.accepted.length;
    if (n > 0) {
      // One reservation per transaction: positions must come in transaction-id order.
      const { rows: reserved } = await client.query<{ last: number }>('SELECT s3lite_reserve_ids($1) AS last', [n]);
      const ids = assignIds(built, outcomes, Number(reserved[0]!.last) - n + 1);
      // Chunks bound the size of one statement's arrays on very large bulks.
      for (let from = 0; from < n; from += INSERT_CHUNK) {
        await client.query(INSERT, [ids.slice(from, from + INSERT_CHUNK), ...built.columns.map((column) => column.slice(from, from + INSERT_CHUNK))]);
      }
    }
    await currentClient.run(client, async () => {
      for (const i of built.accepted) {
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
