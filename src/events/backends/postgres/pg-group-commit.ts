/**
 * Group commit on PostgreSQL: `store` calls queue up, and each free connection
 * takes up to `maxBatch` of them into one transaction (one commit, one WAL
 * flush for the lot), each event in its own savepoint when it has a model or
 * hooks (pg-writer.ts), so each caller gets its own outcome.
 */
import type pg from 'pg';
import { errorReport, reportError, runCallback } from '../../callbacks.js';
import { EventRejectedError } from '../../event-errors.js';
import type { AsyncCallbacks, StoredHook } from '../event-store.js';
import { writeBatch, type BatchItem, type ItemOutcome } from './pg-writer.js';

export interface PendingStore extends BatchItem {
  callbacks: AsyncCallbacks | undefined;
  resolve: (value: any) => void;
  reject: (reason: unknown) => void;
}

/** Callbacks, `_error` reports and the caller's promise for one settled store. */
export function settle(p: PendingStore, outcome: ItemOutcome): void {
  if (outcome.error !== undefined) {
    const error = outcome.error;
    if (error instanceof EventRejectedError && error.row) reportError(p.callbacks as never, p.model as never, errorReport(error.row, error.cause, true, error.message));
    p.reject(error);
    return;
  }
  runCallback(p.callbacks as never, outcome.result, outcome.row!, p.model as never);
  p.resolve(outcome.result);
}

export class PgGroupCommit {
  readonly #pool: pg.Pool;
  readonly #clock: () => number;
  readonly #maxBatch: number;
  readonly #maxWriters: number;
  #pending: PendingStore[] = [];
  #writers = 0;
  #idle: Array<() => void> = [];
  /** Invalidates cache entries of the rows a batch committed. */
  readonly #onCommitted: (rows: ItemOutcome[]) => void;
  /** The store's `onEventStored` hooks (the live set). */
  readonly #hooks: ReadonlySet<StoredHook>;

  constructor(
    pool: pg.Pool,
    options: { clock: () => number; maxBatch: number; maxWriters: number; hooks: ReadonlySet<StoredHook>; onCommitted: (rows: ItemOutcome[]) => void },
  ) {
    this.#pool = pool;
    this.#clock = options.clock;
    this.#maxBatch = options.maxBatch;
    this.#maxWriters = options.maxWriters;
    this.#onCommitted = options.onCommitted;
    this.#hooks = options.hooks;
  }

  enqueue(p: PendingStore): void {
    this.#pending.push(p);
    this.#pump();
  }

  #pump(): void {
    while (this.#pending.length > 0 && this.#writers < this.#maxWriters) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      this.#writers += 1;
      void this.#run(batch).finally(() => {
        this.#writers -= 1;
        this.#pump();
        if (this.#writers === 0 && this.#pending.length === 0) for (const wake of this.#idle.splice(0)) wake();
      });
    }
  }

  async #run(batch: PendingStore[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    try {
      let outcomes: ItemOutcome[];
      try {
        outcomes = await writeBatch(client, batch, this.#clock, this.#hooks);
      } catch (err) {
        // The database failed: nothing of the batch was kept.
        for (const p of batch) p.reject(err);
        return;
      }
      this.#onCommitted(outcomes);
      batch.forEach((p, i) => settle(p, outcomes[i]!));
    } finally {
      client.release();
    }
  }

  /** Resolves when every store queued so far has settled. */
  drain(): Promise<void> {
    if (this.#writers === 0 && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
