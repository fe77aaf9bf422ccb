/**
 * The shape of a model (projection) as `store`, replay and snapshots see it:
 * eventlite-sourcing's `{ _db, _queries, _default, _done, _error, ...methods }`.
 */
import type Database from 'better-sqlite3';
import type { EventRow } from './event-row.js';

/** Second argument of a model method: the event's row fields, camel-cased as eventlite-sourcing passes them. */
export interface EventMeta {
  /** {@link EventRow.datetime}: ms since the epoch. */
  datetime: number;
  /** {@link EventRow.user}. */
  user: string;
  /** {@link EventRow.ip}. */
  ip: string;
  /** {@link EventRow.cmd}. */
  cmd: string;
  /** {@link EventRow.id}: the event's position in the log. */
  id: number;
  /** The stored version of `data`, before any upcast (the handler's `data` may be newer). */
  version: number;
  /** {@link EventRow.correlation_id}. */
  correlationId: string | null;
  /** {@link EventRow.causation_id}. */
  causationId: number | null;
  /** {@link EventRow.metadata}. */
  metadata: Record<string, any>;
  /** {@link EventRow.stream}. */
  stream: string | null;
  /** {@link EventRow.stream_version}. */
  streamVersion: number | null;
}

/**
 * A model's handler of one cmd: `(data, meta) => result`. `data` is the event's data
 * upcast by the model's migrations; the result goes to the caller of `store` and to
 * the cmd's callback. On the synchronous queue it must not return a promise.
 */
export type ModelMethod = (data: any, meta: EventMeta) => unknown;

/** Upcasters per cmd: `migrations[cmd][v - 1]` turns version v data into version v + 1. */
export type Migrations = Record<string, Array<((data: any) => any) | null | undefined>>;

/** What `_error` callbacks receive (eventlite's error object). */
export interface EventErrorReport {
  /** Human-readable summary (eventlite's `msg`): who did what, and why it failed. */
  msg: string;
  /** What was thrown: the typed error, or the user code's own error. */
  error: unknown;
  /** The error's `code`: an s3lite code, or SQLite's (`SQLITE_CONSTRAINT_UNIQUE`) when a model write broke a constraint. */
  code?: string;
  /** eventlite's urgency mark: 2 for an event without `cmd`. */
  priority?: number;
  /** eventlite's field for a partial result; s3lite never sets it. */
  res?: unknown;
  /** The event's data (as given when it failed before it had a row). */
  data: unknown;
  /** The event's user (`''` when not given). */
  user: string;
  /** The event's ip (`''` when not given). */
  ip: string;
  /** The event's cmd (`''` when it had none). */
  cmd: string;
  /** null when the event was rolled back (it has no id). */
  id: number | null;
  /** The event's data version. */
  version: number;
  /** When the event was written, or when it failed (ms since the epoch). */
  datetime: number;
  /** The event's correlation id (null when it failed before one was chosen and none was given). */
  correlation_id: string | null;
  /** The event's causation id, or null. */
  causation_id: number | null;
  /** The event's metadata. */
  metadata: Record<string, any>;
  /** True when the event itself was not kept. */
  rolledBack: boolean;
}

/** Internal bookkeeping of models made by `modelSetup`. */
export const MODEL_INTERNALS: unique symbol = Symbol('s3lite.model');

export interface ModelInternals {
  name: string;
  db: Database.Database;
  /** Records the last event id the model reflects, in the model's own file. */
  setPosition: (eventId: number) => void;
  getPosition: () => number;
  methodNames: ReadonlySet<string>;
}

/** A model: `_db` its connection, `_queries` its statements, one method per cmd. */
export interface Model {
  /** The model's connection; `{}` for a stub. A model whose `_db` is the queue's connection commits with the event. */
  _db?: Database.Database | Record<string, never>;
  /** Its prepared statements by name; a cmd without a method runs the query of its name. */
  _queries?: Record<string, any>;
  /** Handler of a cmd with neither a method nor a query of its name. */
  _default?: ModelMethod;
  /** Called inside the transaction after each handler with `(row, result)`; a throw rolls the event back. */
  _done?: (row: EventRow, result: unknown) => void;
  /** Gets the same error objects as `callbacks._error` for events stored or replayed with this model. */
  _error?: (report: EventErrorReport) => void;
  /** Upcasters per cmd, applied to `data` before the handler. */
  _migrations?: Migrations;
  [MODEL_INTERNALS]?: ModelInternals;
  [cmd: string]: any;
}

/** A callback set: `callbacks[cmd]` or `_default` after commit, `_error` on failure. */
export interface Callbacks {
  /** Called after commit for a cmd without its own callback, with `(result, row)`. A throw is reported to `_error`; the event stays. */
  _default?: (result: any, row: EventRow) => void;
  /**
   * Gets eventlite's error object for every failure of `store` (no cmd, bad fields, a
   * version conflict, a throwing handler) and for a callback that threw after commit.
   * Its presence makes the synchronous `store` return undefined instead of throwing.
   */
  _error?: (report: EventErrorReport) => void;
  [cmd: string]: ((...args: any[]) => void) | undefined;
}
