/**
 * The async queue on PostgreSQL: group-committed stores, atomic bulk writes,
 * models in the event's transaction, reads that never skip a late commit.
 */
import type pg from 'pg';
import { ClosedError, ValidationError } from '../../../core/errors.js';
import { errorReport, reportError, runCallback } from '../../callbacks.js';
import { EventRejectedError } from '../../event-errors.js';
import { prepareEvent, takeDataCopy, type EventInput } from '../../event-input.js';
import type { EventRow } from '../../event-row.js';
import type { CacheStatsReport } from '../../init-queue.js';
import type { ExportOptions, ExportResult } from '../../operations/event-export.js';
import type { ImportOptions, ImportResult } from '../../operations/event-import.js';
import type { ExportTarget, ImportSource } from '../../operations/line-io.js';
import type { ResolvedQueueOptions } from '../../options.js';
import { toMillis, type Page, type PageOptions } from '../../pagination.js';
import type { ReplayRange, ReplaySummary } from '../../replay.js';
import type { StreamOptions } from '../../stream.js';
import { addHook, buildAsyncModel, isModelOf } from '../async-model.js';
import { replayAsync } from '../async-replay.js';
import type { AsyncCallbacks, AsyncModel, AsyncModelOptions, EventStore, StoredEvent, StoredHook } from '../event-store.js';
import type { TxRunner } from '../tx-runner.js';
import { startConsumer, stopConsumers, type Consumer, type ConsumerHandler, type SubscribeOptions } from '../consumer.js';
import { pgConsumerBackend } from './pg-consumer.js';
import { exportPg } from './pg-export.js';
import { importHooksOf } from '../../operations/import-hooks.js';
import { importPg } from './pg-import.js';
import { PgGroupCommit } from './pg-group-commit.js';
import { currentClient, PgModelDb } from './pg-model-db.js';
import * as reads from './pg-reads.js';
import { PgReadCache } from './pg-read-cache.js';
import { ensurePgSchema } from './pg-schema.js';
import { BatchAbort, isStreamClash, raceConflict, writeAtomic, type ItemOutcome } from './pg-writer.js';

export interface PgEventStoreOptions {
  /** Where errors say the queue is (the URL without credentials). */
  label: string;
  queue: Pick<ResolvedQueueOptions, 'cache' | 'datetime'>;
  /** Most events per group-commit transaction. @default 1000 */
  maxBatch?: number;
  /**
   * Group-commit transactions in flight at once. One gives the largest batches (fewest
   * commits per event): measured best for 100 callers and for 4 processes x 25. @default 1
   */
  maxWriters?: number;
}

export class PgEventStore implements EventStore, TxRunner {
  readonly backend = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #label: string;
  readonly #clock: () => number;
  readonly #modelDb: PgModelDb;
  readonly #group: PgGroupCommit;
  readonly #cache: PgReadCache;
  readonly #hooks = new Set<StoredHook>();
  #savepoints = 0;
  #closed = false;

  private constructor(pool: pg.Pool, options: PgEventStoreOptions, cache: PgReadCache) {
    this.#pool = pool;
    this.#label = options.label;
    this.#clock = options.queue.datetime;
    this.#modelDb = new PgModelDb(pool);
    this.#cache = cache;
    this.#group = new PgGroupCommit(pool, {
      clock: this.#clock,
      maxBatch: options.maxBatch ?? 1000,
      maxWriters: options.maxWriters ?? 1,
      hooks: this.#hooks,
      onCommitted: (outcomes) => cache.invalidate(outcomes.map((o) => o.row)),
    });
  }

  /** Connects, creates the schema if needed, and returns the queue. */
  static async open(pool: pg.Pool, options: PgEventStoreOptions): Promise<PgEventStore> {
    // Before the first connection: the cache tells this pool's commits from other processes'.
    const cache = new PgReadCache(pool, options.queue.cache);
    const client = await pool.connect();
    try {
      await ensurePgSchema(client, { notify: cache.enabled });
    } finally {
      client.release();
    }
    return new PgEventStore(pool, options, cache);
  }

  /** The connection pool (for SQL the queue does not cover). */
  get pool(): pg.Pool {
    return this.#pool;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError(`The event queue on ${this.#label} is closed; open a new one with openQueue().`);
  }

  #checkModel(model: AsyncModel | undefined): void {
    if (model !== undefined && !isModelOf(model, this.#modelDb)) {
      throw new ValidationError('The model was not made by this queue: pass a model from `await queue.modelSetup({ tables, queries, methods })`.');
    }
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const value = await currentClient.run(client, work);
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    } finally {
      client.release();
    }
  }

  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const client = currentClient.getStore();
    if (!client) throw new ValidationError('savepoint() runs only inside transaction().');
    const name = `s3lite_async_${++this.#savepoints}`;
    await client.query(`SAVEPOINT ${name}`);
    try {
      const value = await work();
      await client.query(`RELEASE SAVEPOINT ${name}`);
      return value;
    } catch (err) {
      await client.query(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
      throw err;
    }
  }

  store<R = any>(input: EventInput, model?: AsyncModel, callbacks?: AsyncCallbacks): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      try {
        this.#assertOpen();
        this.#checkModel(model);
        const event = prepareEvent(input);
        // Copied now: the caller may change its data before the batch is written.
        takeDataCopy(event);
        this.#group.enqueue({ event, model, callbacks, resolve, reject });
      } catch (err) {
        reject(err);
      }
    });
  }

  async storeBulk<R = any>(inputs: readonly EventInput[], model?: AsyncModel, callbacks?: AsyncCallbacks): Promise<Array<StoredEvent<R>>> {
    this.#assertOpen();
    this.#checkModel(model);
    if (!Array.isArray(inputs)) {
      throw new ValidationError('storeBulk expects an array of events like [{ cmd, data }].', [{ field: 'events', message: 'not an array' }]);
    }
    if (inputs.length === 0) return [];
    const items = inputs.map((input, index) => ({ event: prepareEvent(input, index), model, index }));
    const client = await this.#pool.connect();
    let outcomes: ItemOutcome[];
    try {
      outcomes = await writeAtomic(client, items, this.#clock, this.#hooks);
    } catch (err) {
      if (err instanceof BatchAbort) {
        const error = err.error;
        if (error instanceof EventRejectedError && error.row) reportError(callbacks as never, model as never, errorReport(error.row, error.cause, true, error.message));
        throw error;
      }
      if (isStreamClash(err)) throw raceConflict(items[0]!.event, undefined, err);
      throw err;
    } finally {
      client.release();
    }
    this.#cache.invalidate(outcomes.map((o) => o.row));
    for (const { row, result } of outcomes) runCallback(callbacks as never, result, row!, model as never);
    return outcomes.map(({ row, result }) => ({ row: row!, result: result as R }));
  }

  async retrieveByID(id: number): Promise<EventRow | null> {
    return reads.retrieveByID(this.#pool, id);
  }

  retrieveByIDCached(id: number): Promise<EventRow | null> {
    return this.#cache.byId(id, () => reads.retrieveByID(this.#pool, id));
  }

  async getTransaction(correlationId: string): Promise<EventRow[]> {
    return reads.getTransaction(this.#pool, correlationId);
  }

  /** Cached; another process's commit to the correlation shows within pg-read-cache.ts's bound. */
  getTransactionCached(correlationId: string): Promise<readonly EventRow[]> {
    return this.#cache.transaction(correlationId, () => reads.getTransaction(this.#pool, correlationId));
  }

  getStreamVersion(stream: string): Promise<number> {
    return reads.getStreamVersion(this.#pool, stream);
  }

  getByCorrelationIdPaginated(correlationId: string, options?: PageOptions): Promise<Page> {
    return reads.readPage(this.#pool, reads.PAGED.correlation, [correlationId], options);
  }

  getChildEventsPaginated(eventId: number, options?: PageOptions): Promise<Page> {
    return reads.readPage(this.#pool, reads.PAGED.children, [eventId], options);
  }

  getByUserPaginated(user: string, options?: PageOptions): Promise<Page> {
    return reads.readPage(this.#pool, reads.PAGED.user, [user], options);
  }

  getByCmdPaginated(cmd: string, options?: PageOptions): Promise<Page> {
    return reads.readPage(this.#pool, reads.PAGED.cmd, [cmd], options);
  }

  async getByTimeRangePaginated(start: Date | number, end: Date | number, options?: PageOptions): Promise<Page> {
    return reads.readPage(this.#pool, reads.PAGED.timeRange, [toMillis('start', start), toMillis('end', end)], options);
  }

  streamEvents(options?: StreamOptions): AsyncGenerator<EventRow[], void, undefined> {
    return reads.streamEvents(this.#pool, options);
  }

  async subscribe(name: string, options: SubscribeOptions, handler: ConsumerHandler): Promise<Consumer> {
    this.#assertOpen();
    return startConsumer(this, () => pgConsumerBackend(this.#pool, this), name, options, handler);
  }

  async cycleThrough(model: AsyncModel, doneCB?: () => void, whileCB?: AsyncCallbacks, range?: ReplayRange | number): Promise<ReplaySummary> {
    this.#checkModel(model);
    await this.#group.drain();
    return replayAsync((options) => reads.streamEvents(this.#pool, options), this, model, doneCB, whileCB, range);
  }

  onEventStored<D = unknown>(hook: (row: EventRow<D>) => unknown): () => void {
    return addHook(this.#hooks, hook);
  }

  async modelSetup<Q>(options: AsyncModelOptions<Q>): Promise<AsyncModel<Q>> {
    this.#assertOpen();
    return buildAsyncModel(this.#modelDb, options);
  }

  async exportToJSONL(target: ExportTarget, options?: ExportOptions): Promise<ExportResult> {
    await this.#group.drain();
    return exportPg(this.#pool, target, options);
  }

  async importFromJSONL(source: ImportSource, options?: ImportOptions): Promise<ImportResult> {
    this.#assertOpen();
    await this.#group.drain();
    const result = await importPg(this.#pool, source, options, importHooksOf(this));
    this.#cache.clear();
    return result;
  }

  async getCacheStats(): Promise<CacheStatsReport> {
    return this.#cache.stats();
  }

  async clearCache(): Promise<void> {
    this.#cache.clear();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await stopConsumers(this);
    await this.#group.drain();
    await this.#cache.close();
    await this.#pool.end();
  }
}
