/**
 * What the operations need from an event queue (the object `initQueue` returns):
 * its connection, its cache, and its store hook. Kept structural so this folder
 * depends on the queue's contract, not on how it is built.
 */
import type Database from 'better-sqlite3';
import type { EventRow } from '../event-row.js';

export interface EventStoreHandle {
  /** The connection every write of the queue goes through. */
  readonly db: Database.Database;
  readonly dbName?: string;
  /** Drops cached reads; called after an import wrote rows with SQL. */
  clearCache?(): void;
}

/** An event queue that can call a hook inside the write transaction of each stored event. */
export interface HookableEventStore extends EventStoreHandle {
  onEventStored(hook: (row: EventRow) => void): () => void;
}
