/**
 * `store` and `storeBulk`: synchronous writes, one transaction each, callbacks
 * after commit. A same-file model runs inside the transaction (atomic); a
 * model in another file runs after the event committed, as in eventlite.
 */
import { ValidationError } from '../core/errors.js';
import { errorReport, inputErrorReport, reportError, runCallback } from './callbacks.js';
import { isEventRejection } from './event-errors.js';
import { prepareEvent, takeDataCopy, type EventInput } from './event-input.js';
import type { EventRow } from './event-row.js';
import { sharesConnection, writeEvent, type WrittenEvent } from './event-writer.js';
import { applyAndSettle } from './model-runner.js';
import type { Callbacks, Model } from './model-types.js';
import type { QueueContext } from './queue-context.js';
import { runWrite } from './write-transaction.js';

/** One entry of `storeBulk`'s result. */
export interface BulkResult<R = unknown> {
  /** The stored event, with its id, datetime and correlation id. */
  row: EventRow;
  /** What the model's handler returned (undefined without a model; for a model in another file, its result after commit). */
  result: R;
}

/** Tells `_error` about a rejected event (its handler threw), then lets the caller rethrow. */
export function reportRejection(err: unknown, model: Model | undefined, callbacks: Callbacks | undefined): void {
  if (isEventRejection(err) && err.row) reportError(callbacks, model, errorReport(err.row, err.cause, true, err.message));
}

/**
 * eventlite's error model for `store`: with a `callbacks._error` the failure is
 * reported there (and to `model._error`) and `store` returns undefined; without
 * one it is thrown. Either way nothing of the event was kept.
 */
function failStore(ctx: QueueContext, err: unknown, input: EventInput, model: Model | undefined, callbacks: Callbacks | undefined): undefined {
  if (typeof callbacks?._error !== 'function') {
    reportRejection(err, model, callbacks);
    throw err;
  }
  if (isEventRejection(err) && err.row) reportError(callbacks, model, errorReport(err.row, err.cause, true, err.message));
  else reportError(callbacks, model, inputErrorReport(input, err, ctx.options.datetime()));
  return undefined;
}

/** Writes one event (see `EventQueue.store`). */
export function storeOne(ctx: QueueContext, input: EventInput, model: Model | undefined, callbacks: Callbacks | undefined): unknown {
  let event;
  try {
    event = prepareEvent(input);
  } catch (err) {
    return failStore(ctx, err, input, model, callbacks);
  }
  takeDataCopy(event);
  const foreign = model !== undefined && !sharesConnection(ctx, model);
  let result: unknown;
  try {
    runWrite(ctx, (tx) => {
      const written = writeEvent(ctx, tx, event, model, undefined, true);
      result = written.result;
      tx.afterCommit.push(() => {
        if (foreign) result = applyAndSettle(model, [written.row], callbacks)[0]?.result;
        else runCallback(callbacks, written.result, written.row, model);
      });
    });
  } catch (err) {
    return failStore(ctx, err, input, model, callbacks);
  }
  return result;
}

/** Writes every event or none (see `EventQueue.storeBulk`). */
export function storeMany(
  ctx: QueueContext,
  inputs: readonly EventInput[],
  model: Model | undefined,
  callbacks: Callbacks | undefined,
): BulkResult[] {
  if (!Array.isArray(inputs)) {
    throw new ValidationError('storeBulk expects an array of events like [{ cmd, data }].', [{ field: 'events', message: 'not an array' }]);
  }
  if (inputs.length === 0) return [];
  const foreign = model !== undefined && !sharesConnection(ctx, model);
  try {
    return runWrite(ctx, (tx) => {
      const written: WrittenEvent[] = new Array(inputs.length);
      // Validated as it goes (an invalid event rolls the batch back): no array of
      // prepared events outlives its insert, which keeps large batches off the old heap.
      for (let i = 0; i < inputs.length; i++) written[i] = writeEvent(ctx, tx, prepareEvent(inputs[i]!, i), model, i, true);
      tx.afterCommit.push(() => {
        if (foreign) {
          const outcomes = applyAndSettle(model, written.map((w) => w.row), callbacks);
          for (let i = 0; i < outcomes.length; i++) written[i]!.result = outcomes[i]!.result;
        } else if (callbacks) {
          for (const w of written) runCallback(callbacks, w.result, w.row, model);
        }
      });
      return written;
    });
  } catch (err) {
    reportRejection(err, model, callbacks);
    throw err;
  }
}
