/**
 * `cycleThrough`: replays the log into a model with keyset paging (no OFFSET,
 * so each page costs the same however long the log is). Callbacks fire only
 * when a callback set is passed.
 */
import { ValidationError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import { eventCallbacks } from './callbacks.js';
import { EVENT_COLUMNS, tupleToEvent, type RawEventTuple } from './event-row.js';
import { applyAndSettle } from './model-runner.js';
import type { Callbacks, Model } from './model-types.js';
import { toMillis } from './pagination.js';
import type { QueueContext } from './queue-context.js';
import { assertOpen } from './write-transaction.js';

/** Which events `cycleThrough` replays: ids from `start` up to, not including, `stop`. */
export interface ReplayRange {
  /** First event id replayed (inclusive). @default 1 */
  start?: number;
  /**
   * Stop before this event id (a number), or before the first event at or after this
   * time (a Date or a date string `new Date()` parses).
   * @default null — to the end of the log
   */
  stop?: number | Date | string | null;
}

/** What `cycleThrough` returns (resolves to, on `openQueue` queues) once the replay is done. */
export interface ReplaySummary {
  /** Events applied (including ones whose handler failed and was reported). */
  count: number;
  /** Id of the last event applied, or null when none was. */
  lastId: number | null;
  /** Events whose handler threw (reported to `_error`). */
  failed: number;
}

const PAGE = 1000;

/** Replays events into `model`; see `EventQueue.cycleThrough`. */
export function cycleThrough(
  ctx: QueueContext,
  model: Model,
  doneCB: (() => void) | undefined,
  whileCB: Callbacks | undefined,
  range: ReplayRange | number | undefined,
): ReplaySummary {
  assertOpen(ctx);
  if (typeof model !== 'object' || model === null) throw invalidOption('model', 'a model from modelSetup()', model);
  const { start = 1, stop = null } = typeof range === 'number' ? { start: range } : (range ?? {});
  if (typeof start !== 'number' || !Number.isInteger(start)) throw invalidOption('start', 'an integer event id', start);
  let stopClause = '';
  let stopValue: number | null = null;
  if (stop !== null && stop !== undefined) {
    if (typeof stop === 'number') {
      if (!Number.isInteger(stop)) throw invalidOption('stop', 'an integer event id or a date', stop);
      stopClause = ' AND id < ?';
      stopValue = stop;
    } else {
      const date = typeof stop === 'string' ? new Date(stop) : stop;
      if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
        throw new ValidationError(`\`stop\` ${JSON.stringify(stop)} is neither an event id nor a date. Pass an id, a Date, or an ISO date string.`);
      }
      stopClause = ' AND datetime < ?';
      stopValue = toMillis('stop', date);
    }
  }
  const page = ctx.db.prepare(`SELECT ${EVENT_COLUMNS} FROM queue WHERE id > ?${stopClause} ORDER BY id LIMIT ${PAGE}`).raw();
  const callbacks = whileCB ?? eventCallbacks.void;
  const summary: ReplaySummary = { count: 0, lastId: null, failed: 0 };
  let last = start - 1;
  for (;;) {
    const raw = (stopValue === null ? page.all(last) : page.all(last, stopValue)) as RawEventTuple[];
    if (raw.length === 0) break;
    const outcomes = applyAndSettle(model, raw.map(tupleToEvent), callbacks);
    summary.count += outcomes.length;
    summary.failed += outcomes.filter((o) => o.failed).length;
    last = raw[raw.length - 1]![0];
    summary.lastId = last;
    if (raw.length < PAGE) break;
  }
  doneCB?.();
  return summary;
}
