/**
 * What the backend-agnostic parts (replay, model writes) need of a backend's
 * transactions: run work in one write transaction, and in a savepoint of it.
 */
export interface TxRunner {
  /** Runs `work` in one write transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /** Inside `transaction`: runs `work` in a savepoint, so a throw undoes only what it did. */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
}
