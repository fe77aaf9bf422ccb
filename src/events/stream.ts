/**
 * `streamEvents`: batches of events in id order with keyset paging (`id > last`),
 * so memory stays constant and each batch costs the same on any log size.
 */
import { assertKnownOptions, invalidOption } from '../core/options.js';
import { EVENT_COLUMNS, tupleToEvent, type EventRow, type RawEventTuple } from './event-row.js';
import { toMillis } from './pagination.js';
import type { QueueContext } from './queue-context.js';
import { assertOpen } from './write-transaction.js';

/**
 * Options of `streamEvents`: every filter given must match (equality, in SQL).
 * Unknown keys and bad values throw `ValidationError`.
 */
export interface StreamOptions {
  /** Events per batch (1 and up). @default 1000 */
  batchSize?: number;
  /** First id (inclusive). @default undefined — from the first event */
  startId?: number;
  /** Last id (inclusive). @default undefined — to the end of the log as each batch is read */
  endId?: number;
  /** Only events of this correlation id. @default undefined — any */
  correlationId?: string;
  /** Only events of this user. @default undefined — any */
  user?: string;
  /** Only events with this cmd. @default undefined — any */
  cmd?: string;
  /** Only events at or after this time (a Date or ms since the epoch). @default undefined — no lower bound */
  since?: Date | number;
  /** Only events at or before this time (a Date or ms since the epoch). @default undefined — no upper bound */
  until?: Date | number;
}

const KNOWN = ['batchSize', 'startId', 'endId', 'correlationId', 'user', 'cmd', 'since', 'until'];

function optionalId(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidOption(name, 'an integer event id', value);
  return value;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidOption(name, 'a string', value);
  return value;
}

/** Async generator of event batches matching every given filter. */
export async function* streamEvents(ctx: QueueContext, options: StreamOptions = {}): AsyncGenerator<EventRow[], void, undefined> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  assertKnownOptions('streamEvents', options, KNOWN);
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidOption('batchSize', 'an integer from 1 and up', batchSize);
  const startId = optionalId('startId', options.startId);
  const endId = optionalId('endId', options.endId);
  const filters: string[] = ['id > ?'];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown): void => {
    filters.push(clause);
    params.push(value);
  };
  if (endId !== undefined) add('id <= ?', endId);
  const correlationId = optionalString('correlationId', options.correlationId);
  if (correlationId !== undefined) add('correlation_id = ?', correlationId);
  const user = optionalString('user', options.user);
  if (user !== undefined) add('user = ?', user);
  const cmd = optionalString('cmd', options.cmd);
  if (cmd !== undefined) add('cmd = ?', cmd);
  if (options.since !== undefined) add('datetime >= ?', toMillis('since', options.since));
  if (options.until !== undefined) add('datetime <= ?', toMillis('until', options.until));

  assertOpen(ctx);
  const statement = ctx.db.prepare(`SELECT ${EVENT_COLUMNS} FROM queue WHERE ${filters.join(' AND ')} ORDER BY id LIMIT ?`).raw();
  let last = startId === undefined ? 0 : startId - 1;
  for (;;) {
    assertOpen(ctx);
    const raw = statement.all(last, ...params, batchSize) as RawEventTuple[];
    if (raw.length === 0) return;
    const batch = new Array<EventRow>(raw.length);
    for (let i = 0; i < raw.length; i++) batch[i] = tupleToEvent(raw[i]!);
    last = batch[batch.length - 1]!.id;
    yield batch;
    if (raw.length < batchSize) return;
  }
}
