/**
 * `cycleThrough` for the async queue on any backend: reads the log with the
 * backend's `streamEvents` (which never skips an event) and applies each page
 * to the model in one transaction, each event in a savepoint, so a failing
 * handler is reported to `_error` and the replay goes on.
 */
import { ValidationError } from '../../core/errors.js';
import { invalidOption } from '../../core/options.js';
import { errorReport, reportError, runCallback } from '../callbacks.js';
import type { ReplayRange, ReplaySummary } from '../replay.js';
import type { StreamOptions } from '../stream.js';
import type { EventRow } from '../event-row.js';
import { applyAsyncModel } from './async-model.js';
import type { AsyncCallbacks, AsyncModel } from './event-store.js';
import type { TxRunner } from './tx-runner.js';

const PAGE = 1000;

/** `{ start, stop }` as streamEvents options. */
export function replayBounds(range: ReplayRange | number | undefined): StreamOptions {
  const { start = 1, stop = null } = typeof range === 'number' ? { start: range } : (range ?? {});
  if (typeof start !== 'number' || !Number.isInteger(start)) throw invalidOption('start', 'an integer event id', start);
  const options: StreamOptions = { batchSize: PAGE, startId: start };
  if (stop === null || stop === undefined) return options;
  if (typeof stop === 'number') {
    if (!Number.isInteger(stop)) throw invalidOption('stop', 'an integer event id or a date', stop);
    return { ...options, endId: stop - 1 };
  }
  const date = typeof stop === 'string' ? new Date(stop) : stop;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new ValidationError(`\`stop\` ${JSON.stringify(stop)} is neither an event id nor a date. Pass an id, a Date, or an ISO date string.`);
  }
  // stop is exclusive; datetime is whole milliseconds.
  return { ...options, until: date.getTime() - 1 };
}

export async function replayAsync(
  stream: (options: StreamOptions) => AsyncGenerator<EventRow[], void, undefined>,
  tx: TxRunner,
  model: AsyncModel,
  doneCB: (() => void) | undefined,
  whileCB: AsyncCallbacks | undefined,
  range: ReplayRange | number | undefined,
): Promise<ReplaySummary> {
  if (typeof model !== 'object' || model === null) throw invalidOption('model', 'a model from queue.modelSetup()', model);
  const summary: ReplaySummary = { count: 0, lastId: null, failed: 0 };
  for await (const page of stream(replayBounds(range))) {
    const settled = await tx.transaction(async () => {
      const out: Array<{ row: EventRow; result: unknown; error?: unknown }> = [];
      for (const row of page) {
        try {
          out.push({ row, result: await tx.savepoint(() => applyAsyncModel(row, model)) });
        } catch (error) {
          out.push({ row, result: undefined, error });
        }
      }
      return out;
    });
    for (const { row, result, error } of settled) {
      summary.count += 1;
      summary.lastId = row.id;
      if (error !== undefined) {
        summary.failed += 1;
        reportError(whileCB as never, model as never, errorReport(row, error, false));
      } else if (whileCB) runCallback(whileCB as never, result, row, model as never);
    }
  }
  doneCB?.();
  return summary;
}
