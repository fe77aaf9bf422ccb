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
  /** Every row, in the order the SQL gives (an empty array for none). */
  all<T = any>(params?: StatementParams): Promise<T[]>;
}

/**
 * What model code sees of the database: the queue's own database, so model rows
 * written by a method commit in the event's transaction.
 */
export interface ModelDb {
  /** Which database the statements run on, for the rare SQL that differs between the two. */
  readonly backend: BackendName;
  /** Runs one or more statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /** Prepares a statement (`$name`, `@name` or `?` placeholders). */
  query(sql: string): AsyncStatement;
}

/** Handler of one cmd: may be async; its statements run in the event's transaction. */
export type AsyncModelMethod = (data: any, meta: EventMeta) => unknown;

/**
 * Options of `queue.modelSetup`: eventlite-sourcing's `modelSetup` shape, with
 * async statements. The model lives in the queue's own database (there is no
 * `dbName`), so an event and its model rows always commit together. Unknown
 * keys and non-function values throw `ValidationError`.
 */
export interface AsyncModelOptions<Q = Record<string, AsyncStatement>> {
  /** Creates the model's tables (`CREATE TABLE IF NOT EXISTS …`); awaited once, by `modelSetup`. @default undefined — no tables created */
  tables?: (db: ModelDb) => unknown;
  /** Prepares the model's statements; what it returns is `model._queries` and `methods`' first argument. @default undefined — no statements (`{}`) */
  queries?: (db: ModelDb) => Q;
  /**
   * One handler per cmd: `(data, meta) => result`, may return a promise. The handler
   * runs in the event's transaction; a throw rolls the event back (`EventRejectedError`).
   * @default undefined — no methods: every event goes to a query of its cmd's name or `default`
   */
  methods?: (queries: Q, db: ModelDb) => Record<string, AsyncModelMethod>;
  /** Upcasters per cmd: `{ cmd: [v1ToV2, v2ToV3] }`, applied to `data` before the handler sees it. @default {} — data passed as stored */
  migrations?: Migrations;
  /** Called inside the transaction after each handler with `(row, result)` and awaited; a throw rolls the event back. @default undefined — nothing runs */
  done?: (row: EventRow, result: unknown) => unknown;
  /** Called with eventlite's error object when a handler (or `done`) threw and the event was rolled back. @default undefined — reported only to `callbacks._error` and by the rejected promise */
  error?: (report: EventErrorReport) => void;
  /** Handler for cmds without a method. @default logs and returns '' (eventlite) */
  default?: AsyncModelMethod;
}

/** A model made by `queue.modelSetup`: its methods, its statements, and reads through them. */
export interface AsyncModel<Q = Record<string, AsyncStatement>> {
  /** The queue's database the model was made on; only that queue accepts the model (another throws `ValidationError`). */
  readonly _db: ModelDb;
  /** The statements `queries(db)` returned (eventlite's `_queries`). */
  readonly _queries: Q;
  /** Handler of a cmd with neither a method nor a query of its name: `default`, else one that logs and returns `''`. */
  _default?: AsyncModelMethod;
  /** The `done` option: awaited inside the transaction after each handler. */
  _done?: (row: EventRow, result: unknown) => unknown;
  /** The `error` option: hears about events rolled back because a handler threw. */
  _error?: (report: EventErrorReport) => void;
  /** The `migrations` option (`{}` when none). */
  _migrations?: Migrations;
  /** Runs the query named `cmd` and resolves to its first row. */
  get(cmd: string, data?: StatementParams): Promise<any>;
  /** Runs the query named `cmd` and resolves to all its rows. */
  all(cmd: string, data?: StatementParams): Promise<any[]>;
  [method: string]: any;
}

/**
 * Callbacks after commit (eventlite's shape): `callbacks[cmd](result, row)`, else
 * `_default(result, row)`, once the event is committed; never for a rolled-back event.
 */
export interface AsyncCallbacks {
  /** Called after commit for a cmd without its own callback. A throw is reported to `_error`; the event stays committed. */
  _default?: (result: any, row: EventRow) => void;
  /**
   * Gets eventlite's error object for an event its model rejected (rolled back; the
   * store's promise rejects as well) and for a callback that threw after commit.
   */
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
  /** The stored event, with its id, datetime, correlation id and stream version. */
  row: EventRow;
  /** What the model's handler returned (undefined without a model). */
  result: R;
}

/**
 * The async event queue returned by `openQueue`: the same methods on SQLite and
 * PostgreSQL, all returning promises.
 */
export interface EventStore {
  /** Which database this queue runs on. */
  readonly backend: BackendName;
  /**
   * Stores one event and applies it to `model` in one transaction; resolves, once
   * committed, to the model method's result. Concurrent calls share a transaction
   * (group commit), yet one failure rejects only its own promise and writes nothing
   * of that event. Callbacks run after commit.
   *
   * Rejects with `ValidationError` (bad event, or a model from another queue),
   * `EventRejectedError` (the handler threw; also reported to `_error`),
   * `ConflictError` (`expectedVersion` not met) or `ClosedError`. Unlike the
   * synchronous `EventQueue.store`, an `_error` callback never turns a failure into a resolve.
   */
  store<R = any>(event: EventInput, model?: AsyncModel, callbacks?: AsyncCallbacks): Promise<R>;
  /**
   * Runs `work` in one transaction of this queue's database and commits when it
   * resolves (rolls back when it rejects). Inside it, `openJobQueue(...).add()` on the
   * same database writes in this transaction (the outbox). On SQLite the transaction holds the queue's writer until it ends.
   * @example
   * await queue.transaction(async () => {
   *   await jobs.add('ship', { order: 7 });
   * });
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Stores every event in one transaction, or none: a bad event, a version conflict
   * or a throwing handler rolls back the whole batch, and the error names the event's
   * index. Ids follow the array order; callbacks run after commit, in order.
   */
  storeBulk<R = any>(events: readonly EventInput[], model?: AsyncModel, callbacks?: AsyncCallbacks): Promise<Array<StoredEvent<R>>>;
  /** The event with this id, or null when none has it (the synchronous `EventQueue.retrieveByID` gives undefined, as eventlite). */
  retrieveByID(id: number): Promise<EventRow | null>;
  /**
   * `retrieveByID` through the query cache (the `cache` option; without it, a plain read).
   * A cached row is deep-frozen and shared by every caller: read-only. Misses are not cached.
   */
  retrieveByIDCached(id: number): Promise<EventRow | null>;
  /** Every event of a correlation id, in id order (empty when none). */
  getTransaction(correlationId: string): Promise<EventRow[]>;
  /**
   * `getTransaction` through the query cache (deep-frozen, shared). This queue's own
   * writes drop the correlation's entry. Other processes' commits: on SQLite the cache
   * is emptied within 10 ms (`data_version`); on PostgreSQL on their commit
   * notification, and hits are served only while the LISTEN connection answered
   * within the last second (else the database is read), so with `poolSize: 1` every
   * call reads the database. SQL run directly on the pool needs `clearCache()`.
   */
  getTransactionCached(correlationId: string): Promise<readonly EventRow[]>;
  /** Current version of a stream (0 when it has no events). Throws `ValidationError` for an empty name. */
  getStreamVersion(stream: string): Promise<number>;
  /** One page of a correlation's events in id order, with the total, read in one snapshot. */
  getByCorrelationIdPaginated(correlationId: string, options?: PageOptions): Promise<Page>;
  /** One page of the direct children of `eventId` (events whose `causation_id` it is), in id order. */
  getChildEventsPaginated(eventId: number, options?: PageOptions): Promise<Page>;
  /** One page of a user's events, newest first (`datetime`, then id, descending). */
  getByUserPaginated(user: string, options?: PageOptions): Promise<Page>;
  /** One page of a cmd's events, newest first (`datetime`, then id, descending). */
  getByCmdPaginated(cmd: string, options?: PageOptions): Promise<Page>;
  /** One page of the events with `start <= datetime <= end` (Dates or ms since the epoch, both inclusive), newest first. */
  getByTimeRangePaginated(start: Date | number, end: Date | number, options?: PageOptions): Promise<Page>;
  /** Batches of committed events in id order; never skips an event committed out of id order. */
  streamEvents(options?: StreamOptions): AsyncGenerator<EventRow[], void, undefined>;
  /**
   * Follows the log from consumer `name`'s durable checkpoint: `handler` gets each event
   * in position order, a batch at a time, in one transaction with the new checkpoint
   * (with `transactional`, the default), so model writes made by the handler and the
   * checkpoint commit together. A throw rolls the batch back; it is retried after
   * `retryDelayMs`, without limit (see `stats().lastError`).
   *
   * One process at a time works for a name: it holds the name's lease (renewed as it
   * works); others wait on standby and take over when the lease runs out (a crash) or
   * is given back (`stop()`). Resolves once the consumer is started.
   *
   * @throws ValidationError for a bad name, handler or option; `ClosedError` after `close()`.
   * @example
   * const totals = await queue.modelSetup({
   *   tables: (db) => db.exec('CREATE TABLE IF NOT EXISTS totals (day TEXT PRIMARY KEY, n INTEGER NOT NULL)'),
   *   queries: (db) => ({ bump: db.query('INSERT INTO totals (day, n) VALUES ($day, 1) ON CONFLICT (day) DO UPDATE SET n = totals.n + 1') }),
   * });
   * const consumer = await queue.subscribe('daily-totals', { from: 'start' }, async (event) => {
   *   await totals._queries.bump.run({ day: new Date(event.datetime).toISOString().slice(0, 10) });
   * });
   * // on shutdown: await consumer.stop();
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
  /** Hits, misses, evictions, size and hit rate of the query cache (zeros when it is off). */
  getCacheStats(): Promise<CacheStatsReport>;
  /** Empties the query cache, e.g. after writing to the `queue` table with SQL directly. */
  clearCache(): Promise<void>;
  /** Stops this queue's consumers, commits pending stores, then closes the connection(s). Idempotent; stores after it reject with `ClosedError`. */
  close(): Promise<void>;
}
