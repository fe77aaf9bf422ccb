/**
 * The async queue on SQLite: wraps the synchronous {@link EventQueue} (its
 * writer, reads, streaming and export). Async model methods need a transaction
 * that stays open across awaits, so writes run one transaction at a time
 * through a promise chain: concurrent `store` calls queued during one turn of
 * the event loop share one transaction (group commit), each event in a savepoint.
 */
import { ClosedError, ValidationError } from '../../../core/errors.js';
import { errorReport, reportError, runCallback } from '../../callbacks.js';
import { EventRejectedError } from '../../event-errors.js';
import { prepareEvent, takeDataCopy, type EventInput } from '../../event-input.js';
import type { EventRow } from '../../event-row.js';
import { EventQueue, type CacheStatsReport } from '../../init-queue.js';
import type { ExportOptions, ExportResult } from '../../operations/event-export.js';
import { BulkOperations } from '../../operations/bulk-operations.js';
import type { ImportOptions, ImportResult } from '../../operations/event-import.js';
import type { ExportTarget, ImportSource } from '../../operations/line-io.js';
import type { QueueOptions } from '../../options.js';
import type { Page, PageOptions } from '../../pagination.js';
import type { ReplayRange, ReplaySummary } from '../../replay.js';
import type { StreamOptions } from '../../stream.js';
import { addHook, applyStored, buildAsyncModel, isModelOf } from '../async-model.js';
import { replayAsync } from '../async-replay.js';
import type { AsyncCallbacks, AsyncModel, AsyncModelOptions, EventStore, StoredEvent, StoredHook } from '../event-store.js';
import type { TxRunner } from '../tx-runner.js';
import { startConsumer, stopConsumers, type Consumer, type ConsumerHandler, type SubscribeOptions } from '../consumer.js';
import { TurnBatch, type Settles } from '../../turn-batch.js';
import { sqliteConsumerBackend } from './sqlite-consumer.js';
import { SqliteModelDb } from './sqlite-model-db.js';

interface Pending extends Settles {
  event: EventInput;
  model: AsyncModel | undefined;
  callbacks: AsyncCallbacks | undefined;
}

/**
 * The tail of each connection's write chain: a transaction starts after the previous
 * one settled. Per connection, since queues on one file in one process share it.
 */
const chains = new WeakMap<object, Promise<void>>();

export class SqliteEventStore implements EventStore, TxRunner {
  readonly backend = 'sqlite' as const;
  readonly #queue: EventQueue;
  readonly #modelDb: SqliteModelDb;
  readonly #pending = new TurnBatch<Pending>(() => void this.#flush());
  readonly #hooks = new Set<StoredHook>();
  #savepoints = 0;
  #closed = false;

  constructor(options: QueueOptions) {
    this.#queue = new EventQueue(options);
    this.#modelDb = new SqliteModelDb(this.#queue.db);
  }

  /** The synchronous queue underneath (for code that needs the eventlite API). */
  get queue(): EventQueue {
    return this.#queue;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError(`The event queue on ${this.#queue.dbName} is closed; open a new one with openQueue().`);
  }

  #checkModel(model: AsyncModel | undefined): void {
    if (model !== undefined && !isModelOf(model, this.#modelDb)) {
      throw new ValidationError('The model was not made by this queue: pass a model from `await queue.modelSetup({ tables, queries, methods })`.');
    }
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const db = this.#queue.db;
    const run = (chains.get(db) ?? Promise.resolve()).then(work);
    chains.set(
      db,
      run.then(
        () => undefined,
        () => undefined,
      ),
    );
    return run;
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      const db = this.#queue.db;
      db.exec('BEGIN IMMEDIATE');
      try {
        const value = await work();
        db.exec('COMMIT');
        return value;
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        // Reads cached inside the rolled-back transaction may name events that no longer exist.
        this.#queue.clearCache();
        throw err;
      }
    });
  }

  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const db = this.#queue.db;
    const name = `s3lite_async_${++this.#savepoints}`;
    db.exec(`SAVEPOINT ${name}`);
    try {
      const value = await work();
      db.exec(`RELEASE ${name}`);
      return value;
    } catch (err) {
      db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      this.#queue.clearCache();
      throw err;
    }
  }

  store<R = any>(input: EventInput, model?: AsyncModel, callbacks?: AsyncCallbacks): Promise<R> {
    let event: EventInput;
    try {
      this.#assertOpen();
      this.#checkModel(model);
      // Validated and copied now, as on PostgreSQL: the caller may change its objects before the batch is written.
      const prepared = prepareEvent(input);
      takeDataCopy(prepared);
      event = { ...input, data: prepared.data, metadata: JSON.parse(prepared.metadataJson) };
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#pending.add<R>((settle) => ({ event, model, callbacks, ...settle }));
  }

  async #flush(): Promise<void> {
    const batch = this.#pending.take();
    if (batch.length === 0) return;
    const outcomes: Array<{ row?: EventRow; result?: unknown; error?: unknown }> = [];
    try {
      await this.transaction(async () => {
        for (const p of batch) {
          let row: EventRow | undefined;
          try {
            const result = await this.savepoint(async () => {
              row = this.#queue.storeBulk([p.event])[0]!.row;
              return applyStored(row, p.model, this.#hooks);
            });
            outcomes.push({ row, result });
          } catch (error) {
            outcomes.push({ row, error });
          }
        }
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const { row, result, error } = outcomes[i]!;
      if (error !== undefined) {
        if (error instanceof EventRejectedError && row) reportError(p.callbacks as never, p.model as never, errorReport(row, error.cause, true, error.message));
        p.reject(error);
      } else {
        runCallback(p.callbacks as never, result, row!, p.model as never);
        p.resolve(result);
      }
    });
  }

  async storeBulk<R = any>(events: readonly EventInput[], model?: AsyncModel, callbacks?: AsyncCallbacks): Promise<Array<StoredEvent<R>>> {
    this.#assertOpen();
    this.#checkModel(model);
    await this.#drain();
    let current: EventRow | undefined;
    let index = 0;
    try {
      const stored = await this.transaction(async () => {
        const written = this.#queue.storeBulk(events).map(({ row }) => ({ row, result: undefined as unknown }));
        if (model || this.#hooks.size > 0) {
          for (index = 0; index < written.length; index++) {
            current = written[index]!.row;
            written[index]!.result = await applyStored(current, model, this.#hooks, index);
          }
        }
        return written;
      });
      for (const { row, result } of stored) runCallback(callbacks as never, result, row, model as never);
      return stored as Array<StoredEvent<R>>;
    } catch (err) {
      if (err instanceof EventRejectedError && current) reportError(callbacks as never, model as never, errorReport(current, err.cause, true, err.message));
      throw err;
    }
  }

  /** Waits for the stores queued so far to settle. */
  async #drain(): Promise<void> {
    if (this.#pending.size > 0) await this.#flush();
    await chains.get(this.#queue.db);
  }

  async retrieveByID(id: number): Promise<EventRow | null> {
    return this.#queue.retrieveByID(id) ?? null;
  }

  async retrieveByIDCached(id: number): Promise<EventRow | null> {
    return this.#queue.retrieveByIDCached(id) ?? null;
  }

  async getTransaction(correlationId: string): Promise<EventRow[]> {
    return this.#queue.getTransaction(correlationId);
  }

  async getTransactionCached(correlationId: string): Promise<readonly EventRow[]> {
    return this.#queue.getTransactionCached(correlationId);
  }

  async getStreamVersion(stream: string): Promise<number> {
    return this.#queue.getStreamVersion(stream);
  }

  async getByCorrelationIdPaginated(correlationId: string, options?: PageOptions): Promise<Page> {
    return this.#queue.getByCorrelationIdPaginated(correlationId, options);
  }

  async getChildEventsPaginated(eventId: number, options?: PageOptions): Promise<Page> {
    return this.#queue.getChildEventsPaginated(eventId, options);
  }

  async getByUserPaginated(user: string, options?: PageOptions): Promise<Page> {
    return this.#queue.getByUserPaginated(user, options);
  }

  async getByCmdPaginated(cmd: string, options?: PageOptions): Promise<Page> {
    return this.#queue.getByCmdPaginated(cmd, options);
  }

  async getByTimeRangePaginated(start: Date | number, end: Date | number, options?: PageOptions): Promise<Page> {
    return this.#queue.getByTimeRangePaginated(start, end, options);
  }

  streamEvents(options?: StreamOptions): AsyncGenerator<EventRow[], void, undefined> {
    // SQLite has one writer: ids are assigned in commit order, so id order never skips.
    return this.#queue.streamEvents(options);
  }

  async subscribe(name: string, options: SubscribeOptions, handler: ConsumerHandler): Promise<Consumer> {
    this.#assertOpen();
    return startConsumer(this, () => sqliteConsumerBackend(this.#queue.db, this), name, options, handler);
  }

  async cycleThrough(model: AsyncModel, doneCB?: () => void, whileCB?: AsyncCallbacks, range?: ReplayRange | number): Promise<ReplaySummary> {
    this.#checkModel(model);
    await this.#drain();
    return replayAsync((options) => this.#queue.streamEvents(options), this, model, doneCB, whileCB, range);
  }

  onEventStored<D = unknown>(hook: (row: EventRow<D>) => unknown): () => void {
    return addHook(this.#hooks, hook);
  }

  async modelSetup<Q>(options: AsyncModelOptions<Q>): Promise<AsyncModel<Q>> {
    this.#assertOpen();
    return buildAsyncModel(this.#modelDb, options);
  }

  async exportToJSONL(target: ExportTarget, options?: ExportOptions): Promise<ExportResult> {
    await this.#drain();
    return new BulkOperations(this.#queue).exportToJSONL(target, options);
  }

  async importFromJSONL(source: ImportSource, options?: ImportOptions): Promise<ImportResult> {
    this.#assertOpen();
    await this.#drain();
    // Through the write chain: the import's transaction must not interleave with ours.
    return this.#exclusive(() => new BulkOperations(this.#queue).importFromJSONL(source, options));
  }

  async getCacheStats(): Promise<CacheStatsReport> {
    return this.#queue.getCacheStats();
  }

  async clearCache(): Promise<void> {
    this.#queue.clearCache();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await stopConsumers(this);
    await this.#drain();
    this.#closed = true;
    this.#queue.close();
  }
}
