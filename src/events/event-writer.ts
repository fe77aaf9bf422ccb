/**
 * Writes one prepared event inside the current transaction: correlation,
 * expected-version check, insert, `onEventStored` hooks, and the model when it
 * shares the queue's file. Anything that throws here rolls the event back.
 */
import { ConflictError } from '../core/errors.js';
import { newCorrelationId } from './correlation-id.js';
import { eventRejection } from './event-errors.js';
import type { PreparedEvent } from './event-input.js';
import type { EventRow } from './event-row.js';
import { executeModel } from './model-dispatch.js';
import type { Model } from './model-types.js';
import type { QueueContext, WriteTransaction } from './queue-context.js';
import { isStreamVersionClash, sqliteError } from './sqlite-errors.js';

export interface WrittenEvent {
  row: EventRow;
  result: unknown;
}

/** True when `model` writes through the queue's own connection (same file). */
export function sharesConnection(ctx: QueueContext, model: Model | undefined): boolean {
  return model !== undefined && model._db === ctx.db;
}

function label(index: number | undefined): string {
  return index === undefined ? 'The event' : `Event #${index} of the batch`;
}

/**
 * The event's correlation id: as given; else its cause's; else a new one. A
 * `causationId` naming no stored event is kept as given (as eventlite does: the
 * cause may live in another store) and the event starts a new correlation.
 */
function resolveCorrelation(ctx: QueueContext, event: PreparedEvent): string {
  if (event.correlationId !== undefined) return event.correlationId;
  if (event.causationId === null) return newCorrelationId();
  const parent = ctx.statements.parentCorrelation.get(event.causationId) as [string | null] | undefined;
  return parent?.[0] ?? newCorrelationId();
}

function nextStreamVersion(ctx: QueueContext, event: PreparedEvent, index: number | undefined): number | null {
  if (event.stream === null) return null;
  const current = (ctx.statements.streamVersion.get(event.stream) as number | null) ?? 0;
  if (event.expectedVersion !== 'any' && current !== event.expectedVersion) {
    throw new ConflictError(
      `${label(index)} expected stream \`${event.stream}\` at version ${event.expectedVersion}, but it is at ${current}. Reload the stream, decide again, and retry with expectedVersion ${current}.`,
      { details: { stream: event.stream, expectedVersion: event.expectedVersion, actualVersion: current, index } },
    );
  }
  return current + 1;
}

/**
 * Inserts `event` and runs hooks and (same-file) model for it. Must run inside
 * a write transaction; throws typed errors and leaves the rollback to the caller.
 */
export function writeEvent(
  ctx: QueueContext,
  tx: WriteTransaction,
  event: PreparedEvent,
  model: Model | undefined,
  index?: number,
  shareData = false,
): WrittenEvent {
  const correlationId = resolveCorrelation(ctx, event);
  const streamVersion = nextStreamVersion(ctx, event, index);
  const datetime = ctx.options.datetime();
  let id: number;
  try {
    id = Number(
      ctx.statements.insert.run(
        event.version,
        datetime,
        event.user,
        event.ip,
        event.cmd,
        event.dataJson,
        correlationId,
        event.causationId,
        event.metadataJson,
        event.stream,
        streamVersion,
      ).lastInsertRowid,
    );
  } catch (err) {
    if (isStreamVersionClash(err)) {
      throw new ConflictError(`${label(index)} lost a race on stream \`${event.stream}\` version ${streamVersion}; reload the stream and retry.`, {
        cause: err,
        details: { stream: event.stream, index },
      });
    }
    throw sqliteError(err, 'store the event', ctx.dbName);
  }
  const row: EventRow = {
    id,
    version: event.version,
    datetime,
    user: event.user,
    ip: event.ip,
    cmd: event.cmd,
    // What a replay will see: parsed back from the stored text, unless `event.data` is
    // exactly that already (plain JSON data: the caller's own in a bulk, else a copy).
    data: shareData && event.dataIsPlainJson ? event.data : event.dataJson === '{}' ? {} : JSON.parse(event.dataJson),
    correlation_id: correlationId,
    causation_id: event.causationId,
    metadata: event.metadataJson === '{}' ? {} : JSON.parse(event.metadataJson),
    stream: event.stream,
    stream_version: streamVersion,
  };
  tx.written.push(row);
  if (ctx.hooks.size > 0) {
    for (const hook of ctx.hooks) {
      try {
        hook(row);
      } catch (cause) {
        throw eventRejection({ cmd: event.cmd, handler: 'hook', index, cause, row });
      }
    }
  }
  let result: unknown;
  if (model !== undefined && sharesConnection(ctx, model)) {
    try {
      result = executeModel(row, model);
    } catch (cause) {
      throw eventRejection({ cmd: event.cmd, handler: 'model', index, cause, row });
    }
    tx.positions.set(model, id);
  }
  ctx.afterInsert?.(tx, row);
  return { row, result };
}
