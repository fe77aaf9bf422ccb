/**
 * Group commit on PostgreSQL: `store` calls queue up, and each free connection
 * takes up to `maxBatch` of them into one transaction (one commit, one WAL
 * flush for the lot). When a batch fails after its insert, its events are
 * retried one per transaction so each caller gets its own outcome; an event
 * with `expectedVersion: 'any'` that loses a stream-version race to another
 * process is retried with the next version.
 */
import type pg from 'pg';
import { errorReport, reportError, runCallback } from '../../callbacks.js';
import { EventRejectedError } from '../../event-errors.js';
import type { AsyncCallbacks } from '../event-store.js';
import { BatchAbort, isStreamClash, raceConflict, writeBatch, type BatchItem, type ItemOutcome } from './pg-writer.js';

export interface PendingStore extends BatchItem {
  callbacks: AsyncCallbacks | undefined;
  resolve: (value: any) => void;
  reject: (reason: unknown) => void;
}

/** Attempts of an `expectedVersion: 'any'` event that keeps losing stream-version races. */
const ANY_VERSION_ATTEMPTS = 20;

/** Writes one item in its own transaction, retrying 'any'-version races. */
export async function writeAlone(client: pg.PoolClient, item: BatchItem, clock: () => number): Promise<ItemOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await writeBatch(client, [item], clock))[0]!;
    } catch (err) {
      if (err instanceof BatchAbort) return { error: err.error };
      if (!isStreamClash(err)) return { error: err };
      if (item.event.expectedVersion !== 'any' || attempt >= ANY_VERSION_ATTEMPTS) return { error: raceConflict(item.event, item.index, err) };
    }
  }
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

  constructor(pool: pg.Pool, options: { clock: () => number; maxBatch: number; maxWriters: number; onCommitted: (rows: ItemOutcome[]) => void }) {
    this.#pool = pool;
    this.#clock = options.clock;
    this.#maxBatch = options.maxBatch;
    this.#maxWriters = options.maxWriters;
    this.#onCommitted = options.onCommitted;
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
        outcomes = await writeBatch(client, batch, this.#clock);
      } catch {
        // Someone failed after the insert (or a race): nothing was kept; one transaction each.
        outcomes = [];
        for (const p of batch) outcomes.push(await writeAlone(client, p, this.#clock));
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
