/**
 * The queue behind group commit: items added during one turn of the event
 * loop are handed over together on the next turn (setImmediate), each with the
 * settle functions of the promise its caller waits on. Used by the synchronous
 * queue's `storeAsync` (group-commit.ts) and the async SQLite queue.
 */

/** What every queued item carries: the caller's promise, settled once its batch is written. */
export interface Settles {
  resolve: (value: any) => void;
  reject: (reason: unknown) => void;
}

export class TurnBatch<T extends Settles> {
  #pending: T[] = [];
  #scheduled = false;
  readonly #onTurn: () => void;

  /** `onTurn` runs on the turn after items were added; it calls `take()` when it can write them. */
  constructor(onTurn: () => void) {
    this.#onTurn = onTurn;
  }

  /** Items waiting. */
  get size(): number {
    return this.#pending.length;
  }

  /** Queues the item `make` builds from the promise's settle functions; resolves as the item is settled. */
  add<R>(make: (settle: Settles) => T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push(make({ resolve, reject }));
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#onTurn();
        });
      }
    });
  }

  /** Takes every waiting item out, in the order added. */
  take(): T[] {
    const batch = this.#pending;
    this.#pending = [];
    return batch;
  }
}
