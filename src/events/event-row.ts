/**
 * The event row: what every read returns, what hooks, model methods and
 * callbacks receive, and how it maps to the SQLite row (JSON text columns).
 */
import { StorageError } from '../core/errors.js';

/**
 * One stored event.
 *
 * Types follow what eventlite-sourcing stores: `datetime` is milliseconds since
 * the epoch (INTEGER), `correlation_id` is null only in rows written by
 * eventlite before v0.2, `causation_id` is the id of the parent event.
 */
export interface EventRow<D = unknown, M = Record<string, unknown>> {
  /**
   * Position in the log, unique and increasing. On PostgreSQL ids are reserved before
   * commit, so they may commit out of order; positional reads (`streamEvents`,
   * `subscribe`, replay) still never skip one.
   */
  id: number;
  /** Schema version of `data` (model migrations upcast older versions). */
  version: number;
  /** Milliseconds since the epoch, from the queue's `datetime` clock when the event was written. */
  datetime: number;
  /** Who caused the event (`''` when not given). */
  user: string;
  /** Client address as given (`''` when not given). */
  ip: string;
  /** The command: names the model method and callback that handle the event. */
  cmd: string;
  /** Parsed JSON. */
  data: D;
  /** Groups the events of one business transaction (`getTransaction` reads by it); null only in rows eventlite wrote before v0.2. */
  correlation_id: string | null;
  /** Id of the event that caused this one, or null for a root event. */
  causation_id: number | null;
  /** Parsed JSON object. */
  metadata: M;
  /** The stream this event was appended to, or null. */
  stream: string | null;
  /** Version of `stream` this event made (1 for its first event), or null outside a stream. */
  stream_version: number | null;
}

/** The row as SQLite holds it: `data` and `metadata` are JSON text. */
export interface RawEventRow {
  /** {@link EventRow.id}. */
  id: number;
  /** {@link EventRow.version}; NULL (read as 1) in rows written outside s3lite. */
  version: number | null;
  /** {@link EventRow.datetime}, ms since the epoch. */
  datetime: number;
  /** {@link EventRow.user}; NULL reads as `''`. */
  user: string | null;
  /** {@link EventRow.ip}; NULL reads as `''`. */
  ip: string | null;
  /** {@link EventRow.cmd}. */
  cmd: string;
  /** JSON text of {@link EventRow.data}; NULL or `''` reads as null. */
  data: string | null;
  /** {@link EventRow.correlation_id}. */
  correlation_id: string | null;
  /** {@link EventRow.causation_id}. */
  causation_id: number | null;
  /** JSON text of {@link EventRow.metadata}; NULL or `''` reads as `{}`. */
  metadata: string | null;
  /** {@link EventRow.stream}. */
  stream: string | null;
  /** {@link EventRow.stream_version}. */
  stream_version: number | null;
}

/** Column list of `queue`, in table order, for SELECTs. */
export const EVENT_COLUMNS = 'id, version, datetime, user, ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version';

function parseJson(text: string | null, fallback: unknown, column: string, id: number): any {
  if (text === null || text === '') return fallback;
  if (text === '{}') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StorageError(`Event ${id} has ${column} that is not valid JSON; the row was written outside s3lite. Repair or delete that row.`, {
      cause: err,
      details: { id, column },
    });
  }
}

/** Raw SQLite row → {@link EventRow} (JSON parsed, eventlite's NULL defaults filled in). */
export function rowToEvent(raw: RawEventRow): EventRow {
  return {
    id: raw.id,
    version: raw.version ?? 1,
    datetime: raw.datetime,
    user: raw.user ?? '',
    ip: raw.ip ?? '',
    cmd: raw.cmd,
    data: parseJson(raw.data, null, 'data', raw.id),
    correlation_id: raw.correlation_id,
    causation_id: raw.causation_id,
    metadata: parseJson(raw.metadata, {}, 'metadata', raw.id),
    stream: raw.stream ?? null,
    stream_version: raw.stream_version ?? null,
  };
}

/** {@link EventRow} → raw SQLite row (JSON text), the inverse of {@link rowToEvent}. */
export function eventToRow(event: EventRow): RawEventRow {
  return {
    id: event.id,
    version: event.version,
    datetime: event.datetime,
    user: event.user,
    ip: event.ip,
    cmd: event.cmd,
    data: event.data === undefined ? null : JSON.stringify(event.data),
    correlation_id: event.correlation_id,
    causation_id: event.causation_id,
    metadata: JSON.stringify(event.metadata ?? {}),
    stream: event.stream,
    stream_version: event.stream_version,
  };
}

/** A row read with `statement.raw()`: the columns of {@link EVENT_COLUMNS}, in order. */
export type RawEventTuple = [
  id: number,
  version: number | null,
  datetime: number,
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

/** {@link rowToEvent} for a raw tuple (faster: SQLite builds no intermediate object). */
export function tupleToEvent(t: RawEventTuple): EventRow {
  const id = t[0];
  return {
    id,
    version: t[1] ?? 1,
    datetime: t[2],
    user: t[3] ?? '',
    ip: t[4] ?? '',
    cmd: t[5],
    data: parseJson(t[6], null, 'data', id),
    correlation_id: t[7],
    causation_id: t[8],
    metadata: parseJson(t[9], {}, 'metadata', id),
    stream: t[10] ?? null,
    stream_version: t[11] ?? null,
  };
}
