/**
 * Runs writes in one SQLite transaction (BEGIN IMMEDIATE, so the write lock is
 * taken up front and a concurrent writer waits instead of failing mid-way),
 * or in a savepoint when a store happens inside one already.
 */
import { ClosedError, StorageError } from '../core/errors.js';
import { sqliteError } from './sqlite-errors.js';
import { MODEL_INTERNALS } from './model-types.js';
import { cacheKeyOfId, cacheKeyOfTransaction, cachesOnConnection, type QueueContext, type WriteTransaction } from './queue-context.js';

export function assertOpen(ctx: QueueContext): void {
  if (ctx.closed) throw new ClosedError(`The event queue on ${ctx.dbName} is closed; open a new one with initQueue().`);
}

/** Runs `fn` inside a savepoint of the current transaction; a throw rolls back only what `fn` did. */
export function inSavepoint<T>(ctx: QueueContext, fn: () => T): T {
  const { savepoint, release, rollbackTo } = ctx.statements;
  savepoint.run();
  try {
    const result = fn();
    release.run();
    return result;
  } catch (err) {
    rollbackTo.run();
    release.run();
    throw err;
  }
}

function writePositions(tx: WriteTransaction): void {
  for (const [model, eventId] of tx.positions) model[MODEL_INTERNALS]?.setPosition(eventId);
}

/**
 * Drops the cache entries the transaction's events affect: their correlation's
 * transaction, and their id (a read inside a rolled-back transaction could have
 * cached an event whose id will be reused).
 */
function finish(ctx: QueueContext, tx: WriteTransaction): void {
  if (tx.written.length === 0) return;
  // Every queue on this connection: they read the same rows (uncommitted ones too).
  for (const cache of cachesOnConnection(ctx)) {
    if (cache.size === 0) continue;
    for (const row of tx.written) {
      cache.delete(cacheKeyOfTransaction(row.correlation_id));
      cache.delete(cacheKeyOfId(row.id));
    }
  }
}

/** Runs every after-commit job even if one throws; the first error is rethrown at the end. */
function runAfterCommit(tx: WriteTransaction): void {
  let failure: { error: unknown } | null = null;
  for (const job of tx.afterCommit) {
    try {
      job();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}

/**
 * Runs `work` in a write transaction and then its after-commit jobs. Nested
 * calls (a store from a model method or a hook) become savepoints of the outer
 * transaction, and their after-commit jobs wait for the outer commit.
 */
export function runWrite<T>(ctx: QueueContext, work: (tx: WriteTransaction) => T): T {
  assertOpen(ctx);
  if (ctx.options.readonly) {
    throw new StorageError(`The event queue on ${ctx.dbName} was opened read-only (init.readonly); open it without that flag to store events.`);
  }
  if (ctx.current) {
    const outer = ctx.current;
    return inSavepoint(ctx, () => work(outer));
  }
  const tx: WriteTransaction = { written: [], positions: new Map(), afterCommit: [] };
  if (ctx.db.inTransaction) {
    // The caller runs its own transaction on queue.db: we cannot see its commit,
    // so callbacks run when our savepoint is released.
    ctx.current = tx;
    try {
      const result = inSavepoint(ctx, () => {
        const value = work(tx);
        writePositions(tx);
        return value;
      });
      ctx.current = null;
      finish(ctx, tx);
      runAfterCommit(tx);
      return result;
    } finally {
      if (ctx.current === tx) {
        ctx.current = null;
        finish(ctx, tx);
      }
    }
  }
  try {
    ctx.statements.begin.run();
  } catch (err) {
    throw sqliteError(err, 'start a write transaction', ctx.dbName);
  }
  ctx.current = tx;
  let result: T;
  try {
    result = work(tx);
    writePositions(tx);
    try {
      ctx.statements.commit.run();
    } catch (err) {
      throw sqliteError(err, 'commit', ctx.dbName);
    }
  } catch (err) {
    if (ctx.db.inTransaction) ctx.statements.rollback.run();
    throw err;
  } finally {
    ctx.current = null;
    finish(ctx, tx);
  }
  runAfterCommit(tx);
  return result;
}
