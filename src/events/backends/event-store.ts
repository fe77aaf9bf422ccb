/**
 * The seam between the async event-store API and its backends (SQLite, PostgreSQL).
 * Everything above this file is backend-agnostic; each backend folder implements
 * {@link EventStore} and {@link ModelDb} with the same method names.
 */
import type { EventInput } from '../event-input.js';
import type { EventRow } from '../event-row.js';
import type { CacheStatsReport } from '../init-queue.js';
import type { EventErrorReport, EventMeta, Migrations } from '../model-types.js';
import type { ExportOptions, ExportResult } from '../operations/event-export.js';
import type { ImportOptions, ImportResult } from '../operations/event-import.js';
import type { ExportTarget, ImportSource } from '../operations/line-io.js';
import type { Page, PageOptions } from '../pagination.js';
import type { ReplayRange, ReplaySummary } from '../replay.js';
import type { StreamOptions } from '../stream.js';
import type { Consumer, ConsumerHandler, SubscribeOptions } from './consumer.js';

/** Which database an {@link EventStore} runs on. */
export type BackendName = 'sqlite' | 'postgres';

/**
 * Parameters of a model statement: an object for `$name` / `@name` placeholders,
 * or an array (or a single value) for `?` placeholders. The same SQL runs on both backends.
 */
export type StatementParams = Record<string, unknown> | readonly unknown[] | string | number | boolean | null | undefined;

/** A prepared model statement; every call returns a promise. */
export interface AsyncStatement {
  /** Runs a write; resolves to the number of rows changed. */
  run(params?: StatementParams): Promise<{ changes: number }>;
  /** First row, or undefined. */
  get<T = any>(params?: StatementParams): Promise<T | undefined>;
  all<T = any>(params?: StatementParams): Promise<T[]>;
}

/**
 * What model code sees of the database: the queue's own database, so model rows
 * written by a method commit in the event's transaction.
 */
export interface ModelDb {
  readonly backend: BackendName;
  /** Runs one or more statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /** Prepares a statement (`$name`, `@name` or `?` placeholders). */
  query(sql: string): AsyncStatement;
}

/** Handler of one cmd: may be async; its statements run in the event's transaction. */
export type AsyncModelMethod = (data: any, meta: EventMeta) => unknown;

/** Options of `queue.modelSetup`: eventlite's shape with async statements. */
export interface AsyncModelOptions<Q = Record<string, AsyncStatement>> {
  /** Creates the model's tables (`CREATE TABLE IF NOT EXISTS …`). */
  tables?: (db: ModelDb) => unknown;
  /** Prepares the model's statements. */
  queries?: (db: ModelDb) => Q;
  /** One handler per cmd: `(data, meta) => result` (may return a promise). */
  methods?: (queries: Q, db: ModelDb) => Record<string, AsyncModelMethod>;
  /** Upcasters per cmd: `{ cmd: [v1ToV2, v2ToV3] }`. */
  migrations?: Migrations;
  /** Called inside the transaction after each handler. */
  done?: (row: EventRow, result: unknown) => unknown;
  /** Called with eventlite's error object when a handler fails. */
  error?: (report: EventErrorReport) => void;
  /** Handler for cmds without a method. @default logs and returns '' (eventlite) */
  default?: AsyncModelMethod;
}

/** A model made by `queue.modelSetup`: its methods, its statements, and reads through them. */
export interface AsyncModel<Q = Record<string, AsyncStatement>> {
  readonly _db: ModelDb;
  readonly _queries: Q;
  _default?: AsyncModelMethod;
  _done?: (row: EventRow, result: unknown) => unknown;
  _error?: (report: EventErrorReport) => void;
  _migrations?: Migrations;
  /** Runs the query named `cmd` and resolves to its first row. */
  get(cmd: string, data?: StatementParams): Promise<any>;
  /** Runs the query named `cmd` and resolves to all its rows. */
  all(cmd: string, data?: StatementParams): Promise<any[]>;
  [method: string]: any;
}

/** Callbacks after commit (eventlite's shape); `_error` also hears about rejected events. */
export interface AsyncCallbacks {
  _default?: (result: any, row: EventRow) => void;
  _error?: (report: EventErrorReport) => void;
  [cmd: string]: ((...args: any[]) => void) | undefined;
}

/**
 * Called inside the write transaction of each stored event, after its insert and
 * before its model; may be async. A throw (or rejection) rolls back that event only.
 */
export type StoredHook = (row: EventRow) => unknown;

/** One entry of `storeBulk`'s result. */
export interface StoredEvent<R = unknown> {
  row: EventRow;
  result: R;
}

/**
 * The async event queue returned by `openQueue`: the same methods on SQLite and
 * PostgreSQL, all returning promises.
 */
export interface EventStore {
  readonly backend: BackendName;
  /** Stores one event (group-committed with concurrent calls); resolves to the model method's result. */
  store<R = any>(event: EventInput, model?: AsyncModel, callbacks?: AsyncCallbacks): Promise<R>;
  /** Stores every event in one transaction, or none. */
  storeBulk<R = any>(events: readonly EventInput[], model?: AsyncModel, callbacks?: AsyncCallbacks): Promise<Array<StoredEvent<R>>>;
  retrieveByID(id: number): Promise<EventRow | null>;
  retrieveByIDCached(id: number): Promise<EventRow | null>;
  getTransaction(correlationId: string): Promise<EventRow[]>;
  getTransactionCached(correlationId: string): Promise<readonly EventRow[]>;
  /** Current version of a stream (0 when it has no events). */
  getStreamVersion(stream: string): Promise<number>;
  getByCorrelationIdPaginated(correlationId: string, options?: PageOptions): Promise<Page>;
  getChildEventsPaginated(eventId: number, options?: PageOptions): Promise<Page>;
  getByUserPaginated(user: string, options?: PageOptions): Promise<Page>;
  getByCmdPaginated(cmd: string, options?: PageOptions): Promise<Page>;
  getByTimeRangePaginated(start: Date | number, end: Date | number, options?: PageOptions): Promise<Page>;
  /** Batches of committed events in id order; never skips an event committed out of id order. */
  streamEvents(options?: StreamOptions): AsyncGenerator<EventRow[], void, undefined>;
  /**
   * Follows the log from consumer `name`'s durable checkpoint: `handler` gets each event in
   * position order, a batch at a time in one transaction with the new checkpoint (consumer.ts).
   */
  subscribe(name: string, options: SubscribeOptions, handler: ConsumerHandler): Promise<Consumer>;
  /** Replays the log into `model`; callbacks fire only if `whileCB` is given. */
  cycleThrough(model: AsyncModel, doneCB?: () => void, whileCB?: AsyncCallbacks, range?: ReplayRange | number): Promise<ReplaySummary>;
  /**
   * Registers `hook(row)`, awaited inside the transaction (savepoint) of each event
   * stored by `store` or `storeBulk`, before the model: what it writes through the
   * queue's database commits or rolls back with the event, and a throw rejects the
   * event. Imports do not run hooks. Returns the function that unregisters it.
   */
  onEventStored<D = unknown>(hook: (row: EventRow<D>) => unknown): () => void;
  /** Sets up a model whose statements run in the event's transaction. */
  modelSetup<Q = Record<string, AsyncStatement>>(options: AsyncModelOptions<Q>): Promise<AsyncModel<Q>>;
  /** Writes the log as JSONL (the same bytes on both backends). */
  exportToJSONL(target: ExportTarget, options?: ExportOptions): Promise<ExportResult>;
  /**
   * Reads a JSONL export back with its ids, all or nothing; lines identical to a stored
   * event are skipped. On PostgreSQL the ids must lie above the log's (an append) and
   * only `onProgress` is accepted.
   */
  importFromJSONL(source: ImportSource, options?: ImportOptions): Promise<ImportResult>;
  getCacheStats(): Promise<CacheStatsReport>;
  clearCache(): Promise<void>;
  /** Commits pending stores, then closes the connection(s). Idempotent. */
  close(): Promise<void>;
}
