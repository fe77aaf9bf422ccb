/**
 * The shape of a model (projection) as `store`, replay and snapshots see it:
 * eventlite-sourcing's `{ _db, _queries, _default, _done, _error, ...methods }`.
 */
import type Database from 'better-sqlite3';
import type { EventRow } from './event-row.js';

/** Second argument of a model method. */
export interface EventMeta {
  datetime: number;
  user: string;
  ip: string;
  cmd: string;
  id: number;
  version: number;
  correlationId: string | null;
  causationId: number | null;
  metadata: Record<string, any>;
  stream: string | null;
  streamVersion: number | null;
}

export type ModelMethod = (data: any, meta: EventMeta) => unknown;

/** Upcasters per cmd: `migrations[cmd][v - 1]` turns version v data into version v + 1. */
export type Migrations = Record<string, Array<((data: any) => any) | null | undefined>>;

/** What `_error` callbacks receive (eventlite's error object). */
export interface EventErrorReport {
  msg: string;
  error: unknown;
  /** The error's `code`: an s3lite code, or SQLite's (`SQLITE_CONSTRAINT_UNIQUE`) when a model write broke a constraint. */
  code?: string;
  /** eventlite's urgency mark: 2 for an event without `cmd`. */
  priority?: number;
  res?: unknown;
  data: unknown;
  user: string;
  ip: string;
  cmd: string;
  /** null when the event was rolled back (it has no id). */
  id: number | null;
  version: number;
  datetime: number;
  correlation_id: string | null;
  causation_id: number | null;
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
  _db?: Database.Database | Record<string, never>;
  _queries?: Record<string, any>;
  _default?: ModelMethod;
  _done?: (row: EventRow, result: unknown) => void;
  _error?: (report: EventErrorReport) => void;
  _migrations?: Migrations;
  [MODEL_INTERNALS]?: ModelInternals;
  [cmd: string]: any;
}

/** A callback set: `callbacks[cmd]` or `_default` after commit, `_error` on failure. */
export interface Callbacks {
  _default?: (result: any, row: EventRow) => void;
  _error?: (report: EventErrorReport) => void;
  [cmd: string]: ((...args: any[]) => void) | undefined;
}
