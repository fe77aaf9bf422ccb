/**
 * `storeAsync`: concurrent calls are group-committed. Events queued during one
 * turn of the event loop are written in one transaction (one fsync), each in
 * its own savepoint, so a failing handler rejects only its own promise.
 */
import { ClosedError } from '../core/errors.js';
import { runCallback } from './callbacks.js';
import { prepareEvent, takeDataCopy, type EventInput, type PreparedEvent } from './event-input.js';
import { sharesConnection, writeEvent, type WrittenEvent } from './event-writer.js';
import { applyToModel, settleApplied, type AppliedEvent } from './model-runner.js';
import type { Callbacks, Model } from './model-types.js';
import type { QueueContext } from './queue-context.js';
import { reportRejection } from './store.js';
import { TurnBatch, type Settles } from './turn-batch.js';
import { inSavepoint, runWrite } from './write-transaction.js';

interface PendingStore extends Settles {
  event: PreparedEvent;
  model: Model | undefined;
  callbacks: Callbacks | undefined;
  written?: WrittenEvent;
  failed?: boolean;
  error?: unknown;
}

export class GroupCommit {
  readonly #ctx: QueueContext;
  readonly #pending = new TurnBatch<PendingStore>(() => this.flush());

  constructor(ctx: QueueContext) {
    this.#ctx = ctx;
  }

  /** Events waiting for the next group commit. */
  get pending(): number {
    return this.#pending.size;
  }

  enqueue<R>(input: EventInput, model: Model | undefined, callbacks: Callbacks | undefined): Promise<R> {
    if (this.#ctx.closed) return Promise.reject(new ClosedError(`The event queue on ${this.#ctx.dbName} is closed; open a new one with initQueue().`));
    let event: PreparedEvent;
    try {
      event = prepareEvent(input);
      // Copied now: the caller may change its data before the batch is written.
      takeDataCopy(event);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#pending.add<R>((settle) => ({ event, model, callbacks, ...settle }));
  }

  /** Commits every queued event now (synchronously) and settles their promises. */
  flush(): void {
    const ctx = this.#ctx;
    // Inside a write transaction the batch would commit with it; it waits for its own turn.
    if (this.#pending.size === 0 || ctx.current !== null) return;
    const batch = this.#pending.take();
    try {
      runWrite(ctx, (tx) => {
        for (const item of batch) {
          try {
            // Only user code (hooks, a same-file model) can fail after the insert; a lone
            // insert is atomic by itself, so it skips the savepoint.
            item.written =
              ctx.hooks.size > 0 || sharesConnection(ctx, item.model)
                ? inSavepoint(ctx, () => writeEvent(ctx, tx, item.event, item.model, undefined, true))
                : writeEvent(ctx, tx, item.event, item.model, undefined, true);
          } catch (error) {
            item.failed = true;
            item.error = error;
          }
        }
      });
    } catch (err) {
      for (const item of batch) item.reject(item.failed ? item.error : err);
      return;
    }
    this.#settle(batch);
  }

  #settle(batch: PendingStore[]): void {
    const ctx = this.#ctx;
    // Models in other files: one model transaction per model for the whole batch.
    const applied = new Map<PendingStore, AppliedEvent>();
    const byModel = new Map<Model, PendingStore[]>();
    for (const item of batch) {
      if (item.failed || item.model === undefined || sharesConnection(ctx, item.model)) continue;
      const list = byModel.get(item.model) ?? [];
      list.push(item);
      byModel.set(item.model, list);
    }
    for (const [model, items] of byModel) {
      try {
        const outcomes = applyToModel(model, items.map((item) => item.written!.row));
        items.forEach((item, i) => applied.set(item, outcomes[i]!));
      } catch (error) {
        for (const item of items) applied.set(item, { row: item.written!.row, result: undefined, failed: true, error });
      }
    }
    for (const item of batch) {
      try {
        if (item.failed) {
          reportRejection(item.error, item.model, item.callbacks);
          item.reject(item.error);
          continue;
        }
        const written = item.written!;
        const outcome = applied.get(item);
        if (outcome) {
          settleApplied(outcome, item.model, item.callbacks);
          item.resolve(outcome.result);
        } else {
          runCallback(item.callbacks, written.result, written.row, item.model);
          item.resolve(written.result);
        }
      } catch (error) {
        item.reject(error);
      }
    }
  }
}
