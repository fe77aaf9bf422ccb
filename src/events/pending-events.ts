/**
 * `storeWhen` and the pending events it keeps (see wait-conditions.ts). A
 * pending event lives in the queue's own file, so it survives restarts, and it
 * is released inside the write transaction of the event that satisfies it: the
 * satisfying event and the released one commit together or not at all. A
 * released event whose model throws is rolled back alone and left `ready` for
 * `executeReadyEvents`.
 */
import type Database from 'better-sqlite3';
import { ValidationError } from '../core/errors.js';
import { errorReport, reportError, runCallback } from './callbacks.js';
import { newCorrelationId } from './correlation-id.js';
import { isEventRejection } from './event-errors.js';
import { prepareEvent, takeDataCopy, type EventInput } from './event-input.js';
import type { EventRow } from './event-row.js';
import { sharesConnection, writeEvent } from './event-writer.js';
import { applyAndSettle } from './model-runner.js';
import type { Callbacks, Model } from './model-types.js';
import type { QueueContext, WriteTransaction } from './queue-context.js';
import { checkWaitFor, conditionRows, evaluate, type ConditionRow, type PendingEventRow, type WaitFor } from './wait-conditions.js';
import { inSavepoint, runWrite } from './write-transaction.js';

/** `storeWhen`'s event: an event plus what it waits for. */
export interface PendingEventInput extends EventInput {
  /** What the event waits for: `all`, `any`, `count` and/or `sequence` of {@link WaitFor}. Without it, `storeWhen` is `store`. */
  waitFor?: WaitFor;
  /** Milliseconds until the pending event expires (see `expirePendingEvents`); absent or 0: never. */
  timeout?: number;
}

/** What `storeWhen` returns for an event with `waitFor`. */
export interface StoreWhenResult {
  /** Id of the row in `pending_events` (for `cancelPendingEvent`), kept even when the event was stored at once. */
  pendingEventId: number;
  /**
   * `'executed'` when the conditions already held and the event was stored at once;
   * `'ready'` when they held but its model threw (rolled back alone, left for
   * `executeReadyEvents`); `'pending'` otherwise.
   */
  status: 'pending' | 'ready' | 'executed';
}

interface Statements {
  insert: Database.Statement;
  insertCondition: Database.Statement;
  byId: Database.Statement;
  byStatus: Database.Statement;
  conditions: Database.Statement;
  satisfy: Database.Statement;
  setStatus: Database.Statement;
  claim: Database.Statement;
  anyPending: Database.Statement;
  candidates: Database.Statement;
  expired: Database.Statement;
  parentCorrelation: Database.Statement;
}

function prepare(db: Database.Database): Statements {
  return {
    insert: db.prepare(
      `INSERT INTO pending_events (event_data, wait_conditions, created_at, expires_at, correlation_id, status) VALUES (?, ?, ?, ?, ?, 'pending')`,
    ),
    insertCondition: db.prepare(`INSERT INTO wait_conditions (pending_event_id, condition_type, condition_data, satisfied) VALUES (?, ?, ?, 0)`),
    byId: db.prepare(`SELECT * FROM pending_events WHERE id = ?`),
    byStatus: db.prepare(`SELECT * FROM pending_events WHERE status = ? ORDER BY created_at, id`),
    conditions: db.prepare(`SELECT * FROM wait_conditions WHERE pending_event_id = ? ORDER BY id`),
    satisfy: db.prepare(`UPDATE wait_conditions SET satisfied = 1 WHERE id = ?`),
    setStatus: db.prepare(`UPDATE pending_events SET status = ? WHERE id = ?`),
    claim: db.prepare(`UPDATE pending_events SET status = 'executed' WHERE id = ? AND status IN ('pending', 'ready')`),
    anyPending: db.prepare(`SELECT 1 FROM pending_events WHERE status = 'pending' LIMIT 1`).pluck(),
    candidates: db.prepare(
      `SELECT DISTINCT pe.* FROM pending_events pe JOIN wait_conditions wc ON wc.pending_event_id = pe.id
       WHERE pe.status = 'pending' AND (pe.expires_at IS NULL OR pe.expires_at >= ?) AND json_extract(wc.condition_data, '$.correlationId') = ?
       ORDER BY pe.id`,
    ),
    expired: db.prepare(`SELECT * FROM pending_events WHERE expires_at IS NOT NULL AND expires_at < ? AND status = 'pending' ORDER BY id`),
    parentCorrelation: db.prepare(`SELECT correlation_id FROM queue WHERE id = ?`).pluck(),
  };
}

/** The pending events of one queue. */
export class PendingEvents {
  readonly #ctx: QueueContext;
  readonly #fallback: () => { model: Model | undefined; callbacks: Callbacks | undefined };
  #statements: Statements | null = null;
  /** Model and callbacks given to `storeWhen` in this process, by pending id. */
  readonly #handlers = new Map<number, { model: Model | undefined; callbacks: Callbacks | undefined }>();
  /** Per write transaction: whether any pending event exists (checked once per transaction). */
  readonly #armed = new WeakMap<WriteTransaction, boolean>();

  constructor(ctx: QueueContext, fallback: () => { model: Model | undefined; callbacks: Callbacks | undefined }) {
    this.#ctx = ctx;
    this.#fallback = fallback;
  }

  get #q(): Statements {
    this.#statements ??= prepare(this.#ctx.db);
    return this.#statements;
  }

  /** Called inside the write transaction after each stored event: releases what it satisfies. */
  afterInsert(tx: WriteTransaction, row: EventRow): void {
    let armed = this.#armed.get(tx);
    if (armed === undefined) {
      armed = this.#q.anyPending.get() !== undefined;
      this.#armed.set(tx, armed);
    }
    if (!armed || row.correlation_id === null) return;
    const candidates = this.#q.candidates.all(this.#ctx.options.datetime(), row.correlation_id) as PendingEventRow[];
    for (const pending of candidates) this.#checkAndRelease(tx, pending);
  }

  storeWhen(input: PendingEventInput, model: Model | undefined, callbacks: Callbacks | undefined, hashed: EventInput): StoreWhenResult {
    const { waitFor, timeout } = input;
    checkWaitFor(waitFor);
    if (timeout !== undefined && timeout !== null && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0)) {
      throw new ValidationError('storeWhen: `timeout` must be a number of milliseconds from 0 and up.', [{ field: 'timeout', message: 'not a duration', actual: timeout }]);
    }
    // Validated as store would, so a pending event cannot fail for its shape when released.
    const event = prepareEvent(hashed);
    let result: StoreWhenResult | undefined;
    runWrite(this.#ctx, (tx) => {
      const parent = event.causationId === null ? undefined : (this.#q.parentCorrelation.get(event.causationId) as string | null | undefined);
      const correlationId = event.correlationId ?? parent ?? newCorrelationId();
      const stored = {
        cmd: event.cmd,
        data: JSON.parse(event.dataJson),
        user: event.user,
        ip: event.ip,
        version: event.version,
        correlationId,
        causationId: event.causationId ?? undefined,
        metadata: JSON.parse(event.metadataJson),
        ...(event.stream === null ? {} : { stream: event.stream, expectedVersion: event.expectedVersion }),
      };
      const createdAt = this.#ctx.options.datetime();
      const id = Number(
        this.#q.insert.run(JSON.stringify(stored), JSON.stringify(waitFor), createdAt, timeout ? createdAt + timeout : null, correlationId).lastInsertRowid,
      );
      for (const condition of conditionRows(waitFor)) this.#q.insertCondition.run(id, condition.type, condition.data);
      this.#armed.set(tx, true);
      this.#handlers.set(id, { model, callbacks });
      const status = this.#checkAndRelease(tx, this.#q.byId.get(id) as PendingEventRow);
      result = { pendingEventId: id, status };
    });
    return result!;
  }

  /** Evaluates every pending event; marks those whose conditions hold `ready`; returns the ready ones. */
  checkAllPendingEvents(): PendingEventRow[] {
    runWrite(this.#ctx, () => {
      for (const pending of this.#q.byStatus.all('pending') as PendingEventRow[]) {
        if (this.#evaluate(pending)) this.#q.setStatus.run('ready', pending.id);
      }
    });
    return this.#q.byStatus.all('ready') as PendingEventRow[];
  }

  /** Stores every `ready` pending event, each in its own transaction with its status change. */
  executeReadyEvents(model: Model | undefined, callbacks: Callbacks | undefined): Array<{ pendingEvent: PendingEventRow; result: unknown }> {
    const executed: Array<{ pendingEvent: PendingEventRow; result: unknown }> = [];
    for (const pending of this.#q.byStatus.all('ready') as PendingEventRow[]) {
      let outcome: { ok: boolean; result: unknown } = { ok: false, result: undefined };
      try {
        runWrite(this.#ctx, (tx) => {
          outcome = this.#release(tx, pending, { model, callbacks });
        });
        // (the after-commit work has run now: a foreign model's result is in `outcome`)
      } catch (error) {
        reportError(callbacks, model, { ...errorReportFor(pending, error) });
      }
      if (outcome.ok) executed.push({ pendingEvent: { ...pending, status: 'executed' }, result: outcome.result });
    }
    return executed;
  }

  /** Marks pending events past their timeout `expired` (calling `_timeout` of their callbacks) and returns them. */
  expirePendingEvents(): PendingEventRow[] {
    let expired: PendingEventRow[] = [];
    runWrite(this.#ctx, () => {
      expired = this.#q.expired.all(this.#ctx.options.datetime()) as PendingEventRow[];
      for (const pending of expired) this.#q.setStatus.run('expired', pending.id);
    });
    for (const pending of expired) {
      const handlers = this.#handlers.get(pending.id);
      this.#handlers.delete(pending.id);
      const onTimeout = handlers?.callbacks?._timeout;
      if (typeof onTimeout === 'function') onTimeout.call(handlers!.callbacks, JSON.parse(pending.event_data), pending);
    }
    return expired;
  }

  /** Cancels a pending event that has not run; true if it was pending. */
  cancelPendingEvent(id: number): boolean {
    let cancelled = false;
    runWrite(this.#ctx, () => {
      const pending = this.#q.byId.get(id) as PendingEventRow | undefined;
      if (pending?.status === 'pending' || pending?.status === 'ready') {
        this.#q.setStatus.run('cancelled', id);
        cancelled = true;
      }
    });
    if (cancelled) this.#handlers.delete(id);
    return cancelled;
  }

  byCorrelation(correlationId: string): PendingEventRow[] {
    return (this.#q.byStatus.all('pending') as PendingEventRow[]).filter((row) => row.correlation_id === correlationId);
  }

  byStatus(status: PendingEventRow['status']): PendingEventRow[] {
    return this.#q.byStatus.all(status) as PendingEventRow[];
  }

  #evaluate(pending: PendingEventRow): boolean {
    const conditions = this.#q.conditions.all(pending.id) as ConditionRow[];
    const { ready, satisfied } = evaluate(this.#ctx.db, pending, conditions);
    for (const id of satisfied) this.#q.satisfy.run(id);
    return ready;
  }

  #checkAndRelease(tx: WriteTransaction, pending: PendingEventRow): StoreWhenResult['status'] {
    if (pending.expires_at !== null && pending.expires_at < this.#ctx.options.datetime()) return 'pending';
    if (!this.#evaluate(pending)) return 'pending';
    const handlers = this.#handlers.get(pending.id) ?? this.#fallback();
    return this.#release(tx, pending, handlers).ok ? 'executed' : 'ready';
  }

  /**
   * Stores the pending event inside `tx`, in a savepoint: if it fails (its model
   * throws), only it is rolled back, it is left `ready`, and `_error` hears after commit.
   */
  #release(tx: WriteTransaction, pending: PendingEventRow, handlers: { model: Model | undefined; callbacks: Callbacks | undefined }): { ok: boolean; result: unknown } {
    const { model, callbacks } = handlers;
    const ctx = this.#ctx;
    try {
      const written = inSavepoint(ctx, () => {
        if (this.#q.claim.run(pending.id).changes !== 1) return null;
        const event = prepareEvent(JSON.parse(pending.event_data) as EventInput);
        takeDataCopy(event);
        return writeEvent(ctx, tx, event, model, undefined, true);
      });
      if (!written) return { ok: false, result: undefined };
      this.#handlers.delete(pending.id);
      const foreign = model !== undefined && !sharesConnection(ctx, model);
      // A model in another file runs after the commit; its result lands in `outcome` then.
      const outcome = { ok: true, result: written.result };
      tx.afterCommit.push(() => {
        if (foreign) outcome.result = applyAndSettle(model, [written.row], callbacks)[0]?.result;
        else runCallback(callbacks, written.result, written.row, model);
      });
      return outcome;
    } catch (error) {
      this.#q.setStatus.run('ready', pending.id);
      tx.afterCommit.push(() => {
        if (isEventRejection(error) && error.row) reportError(callbacks, model, errorReport(error.row, error.cause, true, error.message));
        else reportError(callbacks, model, errorReportFor(pending, error));
      });
      return { ok: false, result: undefined };
    }
  }
}

function errorReportFor(pending: PendingEventRow, error: unknown) {
  const event = JSON.parse(pending.event_data) as EventInput;
  const reason = error instanceof Error ? error.message : String(error);
  return {
    msg: `Pending event ${pending.id} (${event.cmd}) could not be stored: ${reason}`,
    error,
    code: (error as { code?: string } | null)?.code,
    data: event.data ?? {},
    user: event.user ?? '',
    ip: event.ip ?? '',
    cmd: event.cmd,
    id: null,
    version: event.version ?? 1,
    datetime: pending.created_at,
    correlation_id: pending.correlation_id,
    causation_id: event.causationId ?? null,
    metadata: event.metadata ?? {},
    rolledBack: true,
  };
}
