/**
 * Writes a batch of prepared events: resolve correlations and stream versions,
 * reserve positions, insert, then hooks and model methods on the same
 * connection. A batch without models or hooks is one statement (reservation and
 * insert together). One with them is one transaction with a savepoint per
 * event, so an event whose hook or model throws rolls back only its own writes
 * and no other event's method runs again. `storeBulk` (atomic) is one
 * transaction without savepoints: any failing event rolls back the batch.
 */
import type pg from 'pg';
import { ConflictError } from '../../../core/errors.js';
import { newCorrelationId } from '../../correlation-id.js';
import type { PreparedEvent } from '../../event-input.js';
import type { EventRow } from '../../event-row.js';
import { applyStored } from '../async-model.js';
import type { AsyncModel, StoredHook } from '../event-store.js';
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

/** Attempts of an `expectedVersion: 'any'` event that keeps losing stream-version races. */
const ANY_VERSION_ATTEMPTS = 20;

function label(index: number | undefined): string {
  return index === undefined ? 'The event' : `Event #${index} of the batch`;
}

/** True for a unique violation of (stream, stream_version). */
export function isStreamClash(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505' && (err as { constraint?: string }).constraint === 'idx_stream_version';
}

/**
 * A race with another writer on the event table: a stream version it took, or a
 * deadlock (two batches inserting versions of the same streams in other orders,
 * each waiting for the other's uncommitted row). Either way the insert can be
 * tried again in a fresh transaction.
 */
function isInsertRace(err: unknown): boolean {
  return isStreamClash(err) || (err as { code?: string })?.code === '40P01';
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

type Built = { row: EventRow; values: unknown[] } | { error: ConflictError };

/**
 * The row of one item (id 0, filled in later) and its column values without `id`
 * (table order from `version`), or the check it failed. Takes the next version of
 * its stream in `lookups`, so later items of the batch follow it.
 */
function buildRow({ event, index }: BatchItem, lookups: Lookups, clock: () => number): Built {
  const { versions, parents } = lookups;
  let correlationId = event.correlationId;
  if (correlationId === undefined) {
    // A causation id naming no stored event is kept as given, with a fresh correlation (as eventlite does).
    correlationId = (event.causationId === null ? undefined : parents.get(event.causationId)) ?? newCorrelationId();
  }
  let streamVersion: number | null = null;
  if (event.stream !== null) {
    const current = versions.get(event.stream) ?? 0;
    if (event.expectedVersion !== 'any' && current !== event.expectedVersion) {
      return {
        error: new ConflictError(
          `${label(index)} expected stream \`${event.stream}\` at version ${event.expectedVersion}, but it is at ${current}. Reload the stream, decide again, and retry with expectedVersion ${current}.`,
          { details: { stream: event.stream, expectedVersion: event.expectedVersion, actualVersion: current, index } },
        ),
      };
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
  return { row, values };
}

interface BuiltBatch {
  /** Items that passed their checks, by index into the batch. */
  accepted: number[];
  /** Column arrays of the accepted rows, without `id`. */
  columns: unknown[][];
}

/** Every item's row; items failing a check get their error in `outcomes` and are left out. */
function buildAll(items: readonly BatchItem[], lookups: Lookups, clock: () => number, outcomes: ItemOutcome[]): BuiltBatch {
  const columns: unknown[][] = Array.from({ length: 11 }, () => []);
  const accepted: number[] = [];
  items.forEach((item, i) => {
    const built = buildRow(item, lookups, clock);
    if ('error' in built) {
      outcomes[i]!.error = built.error;
      return;
    }
    for (let c = 0; c < 11; c++) columns[c]!.push(built.values[c]);
    outcomes[i]!.row = built.row;
    accepted.push(i);
  });
  return { accepted, columns };
}

/** Gives the accepted rows consecutive ids from `first`, in batch order. */
function assignIds(built: BuiltBatch, outcomes: ItemOutcome[], first: number): number[] {
  return built.accepted.map((i, k) => (outcomes[i]!.row!.id = first + k));
}

/**
 * One statement, one implicit transaction: reserve positions and insert the rows.
 * For batches without models or hooks (the common group commit): one round trip.
 */
const INSERT_RESERVING = `WITH r AS MATERIALIZED (SELECT s3lite_reserve_ids($12::int) AS last)
INSERT INTO queue (id, version, datetime, "user", ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version)
SELECT r.last - $12::int + t.ord, t.version, t.datetime, t.u, t.ip, t.cmd, t.data, t.corr, t.caus, t.meta, t.stream, t.sv
FROM r, unnest($1::int[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::int[])
  WITH ORDINALITY AS t(version, datetime, u, ip, cmd, data, corr, caus, meta, stream, sv, ord)
RETURNING id`;

async function writeWithoutTransaction(client: pg.PoolClient, items: readonly BatchItem[], clock: () => number, outcomes: ItemOutcome[]): Promise<void> {
  const built = buildAll(items, await lookup(client, items), clock, outcomes);
  const n = built.accepted.length;
  if (n === 0) return;
  const { rows } = await client.query<{ id: number }>(INSERT_RESERVING, [...built.columns, n]);
  assignIds(built, outcomes, Math.min(...rows.map((r) => Number(r.id))));
}

/** One reservation per transaction: position blocks must come in transaction-id order (pg-schema.ts). */
async function reserve(client: pg.PoolClient, n: number): Promise<number> {
  const { rows } = await client.query<{ last: number }>('SELECT s3lite_reserve_ids($1) AS last', [n]);
  return Number(rows[0]!.last) - n + 1;
}

/**
 * Writes the batch in one transaction, all or nothing: lookups, one position
 * reservation, chunked insert, then hooks and models in order. Throws the first
 * failed check (atomic), {@link BatchAbort} when an item failed after the insert,
 * or the database error; the transaction is rolled back first.
 */
async function writeAllOrNothing(client: pg.PoolClient, items: readonly BatchItem[], clock: () => number, hooks: ReadonlySet<StoredHook>, atomic: boolean): Promise<ItemOutcome[]> {
  const outcomes: ItemOutcome[] = items.map(() => ({}));
  await client.query('BEGIN');
  try {
    // Stream versions are read before positions are reserved: a version read here was
    // committed by a transaction that reserved earlier, so within a stream, position
    // order and version order agree (the other way round, v19 could sit below v18).
    const built = buildAll(items, await lookup(client, items), clock, outcomes);
    if (atomic) {
      const failed = outcomes.find((o) => o.error !== undefined);
      if (failed) throw failed.error;
    }
    const n = built.accepted.length;
    if (n > 0) {
      const ids = assignIds(built, outcomes, await reserve(client, n));
      // Chunks bound the size of one statement's arrays on very large bulks.
      for (let from = 0; from < n; from += INSERT_CHUNK) {
        await client.query(INSERT, [ids.slice(from, from + INSERT_CHUNK), ...built.columns.map((column) => column.slice(from, from + INSERT_CHUNK))]);
      }
    }
    if (hooks.size > 0 || items.some((item) => item.model !== undefined)) {
      await currentClient.run(client, async () => {
        for (const i of built.accepted) {
          const { model, index } = items[i]!;
          try {
            outcomes[i]!.result = await applyStored(outcomes[i]!.row!, model, hooks, index);
          } catch (error) {
            throw new BatchAbort(i, error);
          }
        }
      });
    }
    await client.query('COMMIT');
    return outcomes;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** `storeBulk`: every event or none. */
export function writeAtomic(client: pg.PoolClient, items: readonly BatchItem[], clock: () => number, hooks: ReadonlySet<StoredHook>): Promise<ItemOutcome[]> {
  return writeAllOrNothing(client, items, clock, hooks, true);
}

const SAVEPOINT = 's3lite_event';

/**
 * The INSERT of one row with its values as literals, so it can share a round trip
 * with the savepoint commands (a multi-statement query takes no parameters).
 * Strings go through pg's `escapeLiteral`; anything but a string, a finite number
 * or null is refused.
 */
function insertLiteral(client: pg.PoolClient, id: number, values: readonly unknown[]): string {
  const literal = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string') return client.escapeLiteral(value);
    throw new TypeError(`Cannot write ${typeof value} as an event column`);
  };
  return `INSERT INTO queue (id, version, datetime, "user", ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version) VALUES (${[id, ...values].map(literal).join(', ')})`;
}

/**
 * One transaction, one savepoint per event: insert, hooks, model; a throw rolls
 * back to the event's savepoint (its stream version is given to the next event)
 * and the others go on. Positions are reserved for every item up front; those of
 * rejected events are left unused. Stops at an item whose insert lost a
 * race to another writer (a stream version, a deadlock), commits what came before, and returns
 * that item's index (`items.length` when all were settled): its model has not run,
 * so it and those after it can be written in a fresh transaction.
 */
async function writeEachInSavepoint(
  client: pg.PoolClient,
  items: readonly BatchItem[],
  clock: () => number,
  hooks: ReadonlySet<StoredHook>,
  outcomes: ItemOutcome[],
): Promise<number> {
  await client.query('BEGIN');
  try {
    const lookups = await lookup(client, items);
    let next = await reserve(client, items.length);
    let open = false;
    let stop = items.length;
    await currentClient.run(client, async () => {
      for (const [i, item] of items.entries()) {
        const { stream } = item.event;
        const before = stream === null ? 0 : (lookups.versions.get(stream) ?? 0);
        const built = buildRow(item, lookups, clock);
        if ('error' in built) {
          outcomes[i]!.error = built.error;
          continue;
        }
        built.row.id = next;
        // One round trip: the previous event's savepoint released, this one's set, the row inserted.
        const savepoint = open ? `RELEASE SAVEPOINT ${SAVEPOINT}; SAVEPOINT ${SAVEPOINT}` : `SAVEPOINT ${SAVEPOINT}`;
        open = true;
        try {
          await client.query(`${savepoint}; ${insertLiteral(client, next, built.values)}`);
        } catch (err) {
          if (!isInsertRace(err)) throw err;
          await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
          stop = i;
          return;
        }
        try {
          outcomes[i]!.result = await applyStored(built.row, item.model, hooks, item.index);
          outcomes[i]!.row = built.row;
          next += 1;
        } catch (error) {
          await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
          if (stream !== null) lookups.versions.set(stream, before);
          outcomes[i]!.error = error;
        }
      }
    });
    await client.query('COMMIT');
    return stop;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/**
 * Writes a group-committed batch and returns one outcome per item. Without
 * models or hooks: one statement. Otherwise (or when that statement lost a
 * stream-version race): one savepoint per event. An event that loses a race
 * to another process is written in a fresh transaction with what follows it
 * (retrying `expectedVersion: 'any'` with the next version), so no model
 * method runs twice. Throws only when the database failed (nothing was kept).
 */
export async function writeBatch(client: pg.PoolClient, items: readonly BatchItem[], clock: () => number, hooks: ReadonlySet<StoredHook>): Promise<ItemOutcome[]> {
  if (hooks.size === 0 && items.every((item) => item.model === undefined)) {
    try {
      if (items.length > INSERT_CHUNK) return await writeAllOrNothing(client, items, clock, hooks, false);
      const outcomes: ItemOutcome[] = items.map(() => ({}));
      await writeWithoutTransaction(client, items, clock, outcomes);
      return outcomes;
    } catch (err) {
      if (!isInsertRace(err)) throw err;
      // Nothing was kept and nothing ran: write them one savepoint each.
    }
  }
  const outcomes: ItemOutcome[] = items.map(() => ({}));
  let from = 0;
  let races = 0;
  while (from < items.length) {
    const stop = from + (await writeEachInSavepoint(client, items.slice(from), clock, hooks, outcomes.slice(from)));
    if (stop === items.length) break;
    races = stop === from ? races + 1 : 1;
    const item = items[stop]!;
    if (races >= ANY_VERSION_ATTEMPTS) {
      outcomes[stop]!.error = raceConflict(item.event, item.index, undefined);
      from = stop + 1;
      races = 0;
    } else {
      from = stop;
    }
  }
  return outcomes;
}
