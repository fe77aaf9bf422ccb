/**
 * `initQueue`: the event store on one SQLite file. This class wires the
 * modules together (writes, group commit, reads, pagination, streaming,
 * replay) and owns the connection.
 */
import { ValidationError } from '../core/errors.js';
import { releaseConnection, type CompatDatabase } from './connection.js';
import type { EventInput } from './event-input.js';
import type { EventRow } from './event-row.js';
import { eventliteQueries, PENDING_QUERIES, type EventliteQueries } from './eventlite-queries.js';
import { GroupCommit } from './group-commit.js';
import { PendingEvents, type PendingEventInput, type StoreWhenResult } from './pending-events.js';
import type { PendingEventRow } from './wait-conditions.js';
import { cacheStats, openQueueContext, readSettings, type CacheStatsReport, type QueueSettings } from './queue-open.js';
import { withHashedPassword } from './password-hash.js';
import { applyAndSettle } from './model-runner.js';
import type { Callbacks, Model } from './model-types.js';
import { resolveQueueOptions, type QueueOptions } from './options.js';
import { preparePagedQueries, readPage, toMillis, type Page, type PagedQueries, type PageOptions } from './pagination.js';
import { cachesOnConnection, leaveConnection, type QueueContext } from './queue-context.js';
import * as reads from './reads.js';
import { cycleThrough, type ReplayRange, type ReplaySummary } from './replay.js';
import { applyIndexes, CREATE_QUEUE_TABLE, ensureQueueSchema } from './schema.js';
import { storeMany, storeOne, type BulkResult } from './store.js';
import { streamEvents, type StreamOptions } from './stream.js';
import { assertOpen, runWrite } from './write-transaction.js';

export type { QueueSettings, CacheStatsReport } from './queue-open.js';
export { PAGE_CACHE_KIB } from './queue-open.js';

/** Context passed by `storeWithContext`; each field given wins over the event's own. */
export interface StoreContext {
  /** Correlation id of the event (else the event's `correlationId`). */
  correlationId?: string;
  /** Id of the causing event (else `parentEventId`, else the event's `causationId`). */
  causationId?: number;
  /** eventlite's other name of `causationId` (used when `causationId` is absent). */
  parentEventId?: number;
  /** Merged over the event's `metadata` (keys here win). */
  metadata?: Record<string, any>;
}

/**
 * The event queue. Made by {@link initQueue}.
 *
 * Contract for code building on the queue (bulk import/export, outbox jobs):
 * - `queue.db` is the better-sqlite3 connection every write goes through;
 *   `queue.dbName` the resolved file path.
 * - `queue.onEventStored(hook)` runs `hook(row)` synchronously inside the write
 *   transaction right after each event row is inserted (by `store`, `storeAsync`
 *   inside that event's savepoint, and `storeBulk`). A throwing hook rolls that
 *   event back exactly like a throwing model method (`EventRejectedError` with
 *   `handler: 'hook'`). It returns a function that unregisters the hook.
 * - Rows inserted with SQL directly into `queue` must be followed by `queue.clearCache()`.
 */
export class EventQueue {
  readonly #ctx: QueueContext;
  readonly #group: GroupCommit;
  readonly #paged: PagedQueries;
  /** Model used when `store` gets none (eventlite's `_model`). */
  _model: Model | undefined;
  /** Callbacks used when `store` gets none (eventlite's `_cb`). */
  _cb: Callbacks | undefined;
  /** Deletes every event (only with `risky: true`). */
  readonly reset?: () => void;
  #queries: EventliteQueries | undefined;
  readonly #pending: PendingEvents;

  constructor(options: QueueOptions = {}) {
    this.#ctx = openQueueContext(resolveQueueOptions(options));
    const { db, options: resolved } = this.#ctx;
    this.#pending = new PendingEvents(this.#ctx, () => ({ model: this._model, callbacks: this._cb }));
    if (!resolved.readonly) this.#ctx.afterInsert = (tx, row) => this.#pending.afterInsert(tx, row);
    this.#group = new GroupCommit(this.#ctx);
    this.#paged = preparePagedQueries(db);
    if (resolved.risky) {
      this.reset = () => {
        assertOpen(this.#ctx);
        this.#group.flush();
        db.transaction(() => {
          db.exec('DROP TABLE IF EXISTS queue');
          db.exec(CREATE_QUEUE_TABLE);
        }).immediate();
        ensureQueueSchema(db, false);
        applyIndexes(db, resolved.indexes);
        this.clearCache();
      };
    }
  }

  /**
   * eventlite's prepared statements by its names (`_queries.getLastRow.get().id`),
   * on this queue's schema; see eventlite-queries.ts. Writes through them bypass
   * hooks and the cache.
   */
  get _queries(): EventliteQueries {
    assertOpen(this.#ctx);
    this.#queries ??= eventliteQueries(this.#ctx.db, {
      ...PENDING_QUERIES,
      ...(this.#ctx.options.risky ? { drop: 'DROP TABLE IF EXISTS queue' } : {}),
    });
    return this.#queries;
  }

  /** eventlite's docs spell the queue's methods `eventQueue.methods.x()`: the queue itself. */
  get methods(): this {
    return this;
  }

  /** eventlite's docs' name of {@link _queries}. */
  get queries(): EventliteQueries {
    return this._queries;
  }

  /** The newest event, or undefined when the log is empty (eventlite's docs: `methods.getLastRow().id`). */
  getLastRow(): EventRow | undefined {
    assertOpen(this.#ctx);
    const id = this.#ctx.statements.lastId.get() as number | null;
    return id === null ? undefined : this.retrieveByID(id);
  }

  /** The better-sqlite3 connection every write goes through. */
  get db(): CompatDatabase {
    return this.#ctx.db;
  }

  /** Resolved path of the database file. */
  get dbName(): string {
    return this.#ctx.dbName;
  }

  /** Pragmas as SQLite reports them, and the merged options. */
  settings(): QueueSettings {
    return readSettings(this.#ctx);
  }

  /**
   * Stores an event and applies it to the model; returns the model method's result.
   * Synchronous: with a model on the queue's file, the event and the model's changes
   * are committed together before it returns, and a throwing model method rolls both
   * back. As in eventlite, a failure (no cmd, a throwing model method, a broken
   * constraint) goes to `callbacks._error` and `store` returns undefined; without an
   * `_error` callback the typed error is thrown. A model in another file runs after the
   * event committed; its failures go to `_error`. Callbacks run after commit.
   *
   * @example
   * const user = queue.store({ cmd: 'createUser', data: { name: 'Ann' } }, model, callbacks);
   * queue.store({ cmd: 'ship', data, stream: 'order-7', expectedVersion: 3 }, model); // ConflictError if not at 3
   */
  store<R = unknown>(event: EventInput, model?: Model, callbacks?: Callbacks): R {
    assertOpen(this.#ctx);
    this.#group.flush();
    return storeOne(this.#ctx, withHashedPassword(event, this.#ctx.options.hash), model ?? this._model, callbacks ?? this._cb) as R;
  }

  /**
   * Like `store`, but resolves once the event and its model changes are durably
   * committed. Concurrent calls share one transaction and one fsync (group commit);
   * each event runs in its own savepoint, so a failing one rejects only its own promise.
   *
   * @example
   * await Promise.all(orders.map((data) => queue.storeAsync({ cmd: 'placeOrder', data }, model)));
   */
  storeAsync<R = unknown>(event: EventInput, model?: Model, callbacks?: Callbacks): Promise<R> {
    return this.#group.enqueue<R>(withHashedPassword(event, this.#ctx.options.hash), model ?? this._model, callbacks ?? this._cb);
  }

  /**
   * Stores every event in one transaction, or none: an invalid event, a version
   * conflict or a throwing same-file model method rolls back the whole batch and
   * throws an error naming the event's index. Callbacks run after commit, in order.
   * As in eventlite, `row.data` is the caller's own object when it is plain JSON data
   * (no copy), else the value parsed back from the stored text.
   *
   * @example
   * const results = queue.storeBulk(events, model, callbacks); // [{ row, result }]
   */
  storeBulk<R = unknown>(events: readonly EventInput[], model?: Model, callbacks?: Callbacks): Array<BulkResult<R>> {
    assertOpen(this.#ctx);
    this.#group.flush();
    const hash = this.#ctx.options.hash;
    const inputs = hash === null || !Array.isArray(events) ? events : events.map((event) => withHashedPassword(event, hash));
    return storeMany(this.#ctx, inputs, model ?? this._model, callbacks ?? this._cb) as Array<BulkResult<R>>;
  }

  /** `store` with correlation, causation (`causationId` or `parentEventId`) and metadata taken from `context`. */
  storeWithContext<R = unknown>(event: EventInput, context: StoreContext, model?: Model, callbacks?: Callbacks): R {
    return this.store<R>(
      {
        ...event,
        correlationId: context.correlationId ?? event.correlationId,
        causationId: context.causationId ?? context.parentEventId ?? event.causationId,
        metadata: { ...event.metadata, ...context.metadata },
      },
      model,
      callbacks,
    );
  }

  /** Applies an already stored event to a model (its own transaction) and runs its callback. */
  execute<R = unknown>(row: EventRow, model: Model, callbacks: Callbacks = {}): R | undefined {
    assertOpen(this.#ctx);
    return applyAndSettle(model, [row], callbacks)[0]?.result as R | undefined;
  }

  /**
   * Registers `hook(row)`, called inside the write transaction after each insert
   * (see the class notes). Returns the function that unregisters it.
   */
  onEventStored<D = unknown>(hook: (row: EventRow<D>) => void): () => void {
    if (typeof hook !== 'function') throw new ValidationError('onEventStored expects a function (row) => void.');
    const entry = (row: EventRow): void => hook(row as EventRow<D>);
    this.#ctx.hooks.add(entry);
    return () => {
      this.#ctx.hooks.delete(entry);
    };
  }

  /** The event with this id, or undefined (as eventlite documents). */
  retrieveByID<D = unknown>(id: number): EventRow<D> | undefined {
    return reads.retrieveByID(this.#ctx, id) as EventRow<D> | undefined;
  }

  /** Cached `retrieveByID`; the value is deep-frozen (shared, read-only). */
  retrieveByIDCached<D = unknown>(id: number): EventRow<D> | undefined {
    return reads.retrieveByIDCached(this.#ctx, id) as EventRow<D> | undefined;
  }

  /** Every event of a correlation id, in id order. */
  getTransaction<D = unknown>(correlationId: string): EventRow<D>[] {
    return reads.getTransaction(this.#ctx, correlationId) as EventRow<D>[];
  }

  /** The name eventlite's performance guide uses for {@link getTransaction}. */
  getByCorrelationId(correlationId: string): EventRow[] {
    return this.getTransaction(correlationId);
  }

  /**
   * Cached `getTransaction`, deep-frozen (shared, read-only). Writes through any queue
   * on this file in this process drop cached entries at once; another process's
   * commits empty the cache within 10 ms (SQLite's `data_version`, looked at once per
   * 10 ms at most). Writes made with SQL outside the queue need `clearCache()`.
   */
  getTransactionCached(correlationId: string): readonly EventRow[] {
    return reads.getTransactionCached(this.#ctx, correlationId);
  }

  /** Direct children of `eventId` (events whose `causation_id` it is), in id order. */
  getChildEvents(eventId: number): EventRow[] {
    return reads.getChildEvents(this.#ctx, eventId);
  }

  /** The event with its parent and direct children, or null when no event has this id. */
  getEventLineage(eventId: number): reads.EventLineage | null {
    return reads.getEventLineage(this.#ctx, eventId);
  }

  /** Current version of a stream (0 when it has no events). */
  getStreamVersion(stream: string): number {
    if (typeof stream !== 'string' || stream === '') throw new ValidationError('getStreamVersion expects a stream name (a non-empty string).');
    return (this.#ctx.statements.streamVersion.get(stream) as number | null) ?? 0;
  }

  /**
   * One page of a correlation's events with the total, read in one snapshot.
   * @example
   * const { events, totalCount, hasMore, nextOffset } = queue.getByCorrelationIdPaginated(id, { limit: 100, offset: 0 });
   */
  getByCorrelationIdPaginated(correlationId: string, options: PageOptions = {}): Page {
    return readPage(this.#ctx.db, this.#paged.correlation, [correlationId], options);
  }

  /** One page of the direct children of `eventId`, in id order, with the total (one snapshot). */
  getChildEventsPaginated(eventId: number, options: PageOptions = {}): Page {
    return readPage(this.#ctx.db, this.#paged.children, [eventId], options);
  }

  /** A user's events, newest first. */
  getByUserPaginated(user: string, options: PageOptions = {}): Page {
    return readPage(this.#ctx.db, this.#paged.user, [user], options);
  }

  /** A cmd's events, newest first. */
  getByCmdPaginated(cmd: string, options: PageOptions = {}): Page {
    return readPage(this.#ctx.db, this.#paged.cmd, [cmd], options);
  }

  /** Events with `start <= datetime <= end`, newest first. */
  getByTimeRangePaginated(start: Date | number, end: Date | number, options: PageOptions = {}): Page {
    return readPage(this.#ctx.db, this.#paged.timeRange, [toMillis('start', start), toMillis('end', end)], options);
  }

  /** eventlite's name of `getByUserPaginated`. */
  getEventsByUserPaginated(user: string, options: PageOptions = {}): Page {
    return this.getByUserPaginated(user, options);
  }

  /** eventlite's name of `getByCmdPaginated`. */
  getEventsByCmdPaginated(cmd: string, options: PageOptions = {}): Page {
    return this.getByCmdPaginated(cmd, options);
  }

  /** eventlite's name of `getByTimeRangePaginated`. */
  getEventsInTimeRangePaginated(start: Date | number, end: Date | number, options: PageOptions = {}): Page {
    return this.getByTimeRangePaginated(start, end, options);
  }

  /**
   * Batches of events in id order (keyset paging: constant memory on any log size).
   * @example
   * for await (const batch of queue.streamEvents({ batchSize: 1000, cmd: 'orderPlaced' })) await processBatch(batch);
   */
  streamEvents<D = unknown>(options: StreamOptions = {}): AsyncGenerator<EventRow<D>[], void, undefined> {
    return streamEvents(this.#ctx, options) as AsyncGenerator<EventRow<D>[], void, undefined>;
  }

  /**
   * Replays the log into `model` (keyset paging). Callbacks fire only if `whileCB`
   * is given. `range` is `{ start, stop }` (stop: an id, exclusive, or a date) or a start id.
   * @example
   * queue.cycleThrough(freshModel, () => console.log('rebuilt'), eventCallbacks.void, { start: 1 });
   */
  cycleThrough(model: Model, doneCB?: () => void, whileCB?: Callbacks, range?: ReplayRange | number): ReplaySummary {
    this.#group.flush();
    return cycleThrough(this.#ctx, model, doneCB, whileCB, range);
  }

  /** Hits, misses, evictions, size and hit rate of the query cache. */
  getCacheStats(): CacheStatsReport {
    return cacheStats(this.#ctx);
  }

  /**
   * Empties the query cache (needed after writing to `queue` with SQL directly), and those of
   * the other queues of this process on the same file, which share the connection.
   */
  clearCache(): void {
    for (const cache of cachesOnConnection(this.#ctx)) cache.clear();
  }

  /**
   * eventlite's `storeWhen`: keeps the event pending (durably, in this file) until
   * `waitFor` holds, then stores it in the same transaction as the event that
   * satisfied it (both commit or neither). Without `waitFor` it is `store`. See
   * `waitFor` in {@link PendingEventInput} for the kinds of conditions; a condition
   * needs a `correlationId`.
   * @example
   * queue.storeWhen({ cmd: 'shipOrder', data: { orderId: 7 }, correlationId: 'order-7',
   *   waitFor: { all: [{ pattern: 'paymentReceived', correlationId: 'order-7' }] }, timeout: 300_000 }, model, callbacks);
   */
  storeWhen(event: PendingEventInput, model?: Model, callbacks?: Callbacks): StoreWhenResult | any {
    if (event === null || typeof event !== 'object' || event.waitFor === undefined || event.waitFor === null) {
      return this.store(event as EventInput, model, callbacks);
    }
    assertOpen(this.#ctx);
    this.#group.flush();
    const { waitFor: _waitFor, timeout: _timeout, ...plain } = event;
    return this.#pending.storeWhen(event, model ?? this._model, callbacks ?? this._cb, withHashedPassword(plain, this.#ctx.options.hash));
  }

  /** Evaluates every pending event; marks those whose conditions hold `ready` and returns them (eventlite). */
  checkAllPendingEvents(): PendingEventRow[] {
    assertOpen(this.#ctx);
    this.#group.flush();
    return this.#pending.checkAllPendingEvents();
  }

  /** Stores every `ready` pending event with `model` and `callbacks`; returns `[{ pendingEvent, result }]`. */
  executeReadyEvents(model?: Model, callbacks?: Callbacks): Array<{ pendingEvent: PendingEventRow; result: unknown }> {
    assertOpen(this.#ctx);
    this.#group.flush();
    return this.#pending.executeReadyEvents(model ?? this._model, callbacks ?? this._cb);
  }

  /** Marks pending events past their `timeout` as expired (calling `callbacks._timeout` given to storeWhen) and returns them. */
  expirePendingEvents(): PendingEventRow[] {
    assertOpen(this.#ctx);
    return this.#pending.expirePendingEvents();
  }

  /** Cancels a pending (or ready) event; true if it had not run. */
  cancelPendingEvent(pendingEventId: number): boolean {
    assertOpen(this.#ctx);
    return this.#pending.cancelPendingEvent(pendingEventId);
  }

  /** Pending events (status `pending`) whose own correlation id is `correlationId`. */
  getPendingEventsByCorrelation(correlationId: string): PendingEventRow[] {
    assertOpen(this.#ctx);
    return this.#pending.byCorrelation(correlationId);
  }

  /** Pending events with `status` (`pending`, `ready`, `executed`, `expired`, `cancelled`). */
  getPendingEventsByStatus(status: PendingEventRow['status']): PendingEventRow[] {
    assertOpen(this.#ctx);
    return this.#pending.byStatus(status);
  }

  /** Commits pending `storeAsync` events, then releases the file. Idempotent. */
  close(): void {
    if (this.#ctx.closed) return;
    this.#group.flush();
    this.#ctx.closed = true;
    this.#ctx.cache?.clear();
    this.#ctx.versionCheck.reset();
    this.#ctx.hooks.clear();
    leaveConnection(this.#ctx);
    releaseConnection(this.#ctx.db);
  }

  /**
   * Runs `fn` in one write transaction of this queue: events stored inside it
   * (and any SQL run on `queue.db`) commit together, and their callbacks run after
   * that commit. A throw rolls everything back.
   * @example
   * queue.transaction(() => { queue.store(a, model); queue.store(b, model); });
   */
  transaction<T>(fn: () => T): T {
    this.#group.flush();
    return runWrite(this.#ctx, () => fn());
  }
}

/**
 * Opens (or creates) the synchronous event queue on one SQLite file: the
 * eventlite-sourcing API (`store`, `storeBulk`, reads, `cycleThrough`, `storeWhen`)
 * over better-sqlite3. Pragmas, schema and indexes are set on open; a file written
 * by eventlite opens as is (missing columns are added). Queues, models, snapshot
 * managers and job queues on one file in one process share one connection, which
 * is what makes an event and its same-file model changes commit together.
 * For an async API that also runs on PostgreSQL, see `openQueue`.
 *
 * @throws ValidationError for an unknown or invalid option (the message names it).
 * @throws ConfigurationError when the file is already open in this process with another `durability`, `WAL` or `busyTimeout`.
 * @throws StorageError when the file cannot be opened (locked, not a database, read-only, disk full).
 * @example
 * const queue = initQueue({ dbName: 'data/events.sqlite' });
 * const model = modelSetup({
 *   dbName: 'data/events.sqlite', // the queue's file: event and model rows commit together
 *   tables: (db) => db.query('CREATE TABLE IF NOT EXISTS users (name TEXT)').run(),
 *   queries: (db) => ({ add: db.query('INSERT INTO users (name) VALUES ($name)') }),
 *   methods: (q) => ({ userAdded: ({ name }) => q.add.run({ name }) }),
 * });
 * queue.store({ cmd: 'userAdded', data: { name: 'Ann' } }, model, eventCallbacks.error);
 * queue.close();
 * @example
 * const queue = initQueue({ dbName: 'data/events.sqlite', profile: 'balanced', indexes: { user: true } });
 * @example
 * const fastQueue = initQueue({ WAL: true, indexes: { correlation_id: true, causation_id: true }, cache: { enabled: false } });
 */
export function initQueue(options: QueueOptions = {}): EventQueue {
  return new EventQueue(options);
}
