/**
 * The state one queue's modules share: its connection, prepared statements,
 * cache, hooks and the write transaction in progress. Internal.
 */
import type Database from 'better-sqlite3';
import type { Cache } from '../core/cache.js';
import type { RecentCheck } from '../core/recent-check.js';
import type { CompatDatabase } from './connection.js';
import { EVENT_COLUMNS, type EventRow, type RawEventRow } from './event-row.js';
import type { Model } from './model-types.js';
import type { ResolvedQueueOptions } from './options.js';

/** A write transaction in progress: what to invalidate and run once it commits. */
export interface WriteTransaction {
  /** Events written in it: their cache entries are invalidated when it ends, committed or not. */
  written: EventRow[];
  /** Last event id each same-file model applied in it; written just before COMMIT. */
  positions: Map<Model, number>;
  /** Work that must wait for the commit: foreign-file models, callbacks. */
  afterCommit: Array<() => void>;
}

export interface QueueStatements {
  insert: Database.Statement;
  byId: Database.Statement;
  byCorrelation: Database.Statement;
  children: Database.Statement;
  parentCorrelation: Database.Statement;
  streamVersion: Database.Statement;
  lastId: Database.Statement;
  begin: Database.Statement;
  commit: Database.Statement;
  rollback: Database.Statement;
  savepoint: Database.Statement;
  release: Database.Statement;
  rollbackTo: Database.Statement;
  /** `PRAGMA data_version`: changes when another connection (another process) commits to the file. */
  dataVersion: Database.Statement;
}

export interface QueueContext {
  db: CompatDatabase;
  dbName: string;
  options: ResolvedQueueOptions;
  statements: QueueStatements;
  cache: Cache<EventRow | EventRow[]> | null;
  /** The file's data_version when the cache was last known current (reads.ts). */
  seenVersion: number;
  /** Whether data_version was read under DATA_VERSION_MS ago (reads.ts). */
  versionCheck: RecentCheck;
  hooks: Set<(row: EventRow) => void>;
  /** The outermost write transaction this queue runs, if any. */
  current: WriteTransaction | null;
  /** Runs after each event is written (and its same-file model applied), inside the transaction: releases pending events it satisfies. */
  afterInsert: ((tx: WriteTransaction, row: EventRow) => void) | null;
  closed: boolean;
}

export function prepareStatements(db: CompatDatabase, readonly: boolean): QueueStatements {
  const select = `SELECT ${EVENT_COLUMNS} FROM queue`;
  const writable = (sql: string): Database.Statement => (readonly ? db.prepare('SELECT 1') : db.prepare(sql));
  return {
    insert: writable(
      `INSERT INTO queue (version, datetime, user, ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    byId: db.prepare(`${select} WHERE id = ?`),
    byCorrelation: db.prepare(`${select} WHERE correlation_id = ? ORDER BY id`),
    children: db.prepare(`${select} WHERE causation_id = ? ORDER BY id`),
    parentCorrelation: db.prepare(`SELECT correlation_id FROM queue WHERE id = ?`).raw(),
    streamVersion: db.prepare(`SELECT max(stream_version) FROM queue WHERE stream = ?`).pluck(),
    lastId: db.prepare(`SELECT max(id) FROM queue`).pluck(),
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT s3lite_event'),
    release: db.prepare('RELEASE s3lite_event'),
    rollbackTo: db.prepare('ROLLBACK TO s3lite_event'),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
  };
}

/** The queues of this process on each connection: queues on one file share it (connection.ts). */
const onConnection = new WeakMap<object, Set<QueueContext>>();

/** Counts `ctx` among the users of its connection until `leaveConnection`. */
export function joinConnection(ctx: QueueContext): void {
  const users = onConnection.get(ctx.db) ?? new Set<QueueContext>();
  users.add(ctx);
  onConnection.set(ctx.db, users);
}

export function leaveConnection(ctx: QueueContext): void {
  onConnection.get(ctx.db)?.delete(ctx);
}

/**
 * The caches of every queue on `ctx`'s connection: a write by one shows at once to the others,
 * and data_version (another connection's commits) does not tell them.
 */
export function cachesOnConnection(ctx: QueueContext): Array<NonNullable<QueueContext['cache']>> {
  const users = onConnection.get(ctx.db) ?? [ctx];
  const caches: Array<NonNullable<QueueContext['cache']>> = [];
  for (const user of users) if (user.cache) caches.push(user.cache);
  return caches;
}

export function cacheKeyOfId(id: number): string {
  return `id:${id}`;
}

export function cacheKeyOfTransaction(correlationId: string | null): string {
  return `tx:${correlationId}`;
}

export type { RawEventRow };
