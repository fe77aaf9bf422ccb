/**
 * What the operations need from an event queue (the object `initQueue` returns,
 * or an `openQueue` store): its connection, its cache, and its store hook. Kept
 * structural so this folder depends on the queue's contract, not on how it is built.
 */
import type Database from 'better-sqlite3';
import type { EventRow } from '../event-row.js';
import type { AddJobOptions } from './job-types.js';

/**
 * What `BulkOperations` (and, with its hook, `EventJobProcessor`) need from an
 * event queue: the `EventQueue` from `initQueue` has it. Structural, so a wrapper
 * around a queue works too.
 */
export interface EventStoreHandle {
  /** The connection every write of the queue goes through. */
  readonly db: Database.Database;
  /** Path of the queue's file; scratch files of an import go beside it. Falls back to `db.name`. */
  readonly dbName?: string;
  /** Drops cached reads; called after an import wrote rows with SQL. */
  clearCache?(): void;
}

/** An event queue that can call a hook inside the write transaction of each stored event. */
export interface HookableEventStore extends EventStoreHandle {
  /**
   * Registers `hook(row)`, called synchronously inside the write transaction after
   * each event is inserted (a throw rolls that event back); returns the unregister function.
   */
  onEventStored(hook: (row: EventRow) => void): () => void;
}

/**
 * An `openQueue` store as the operations see it: hooks awaited inside each event's
 * transaction. The SQLite one also shows its synchronous queue (`queue`), the
 * PostgreSQL one its connection pool (`pool`).
 */
export interface AsyncEventStoreHandle {
  /** Which database the store writes to. */
  readonly backend: 'sqlite' | 'postgres';
  /** Registers a hook awaited inside each event's transaction (savepoint); a throw rejects that event. Returns the unregister function. */
  onEventStored(hook: (row: EventRow) => unknown): () => void;
  /** SQLite: the synchronous queue on the store's connection (its hooks run in the same transaction). */
  readonly queue?: HookableEventStore;
  /** PostgreSQL: the store's `pg.Pool`; a linked job queue checks through it that it reaches the same job table. */
  readonly pool?: unknown;
}

/**
 * A job queue that adds jobs inside another store's event transaction (the
 * PostgreSQL queue from `openJobQueue`): it checks it shares the store's database
 * and adds on the transaction's own connection.
 */
export interface TransactionalJobQueue {
  /** Checks the job queue shares the store's database (ConfigurationError if not) and remembers the store. */
  linkEventStore(store: AsyncEventStoreHandle): Promise<void>;
  /** Adds a job on the connection of the event transaction in progress, so it commits or rolls back with the event; resolves with the job id. */
  addInEventTransaction(name: string, data: unknown, options: AddJobOptions): Promise<number>;
  /** Adds a job in its own transaction (or the `openQueue` transaction in progress); resolves with the job id. */
  add(name: string, data: unknown, options?: AddJobOptions): Promise<number>;
}
