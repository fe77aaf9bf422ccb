/**
 * Callback sets (eventlite's `eventCallbacks`) and how they are called: after
 * commit for stored events, `_error` for failures.
 */
import type { EventRow } from './event-row.js';
import type { Callbacks, EventErrorReport, Model } from './model-types.js';

function logError({ msg, error, cmd, data, ...row }: EventErrorReport): void {
  console.log(msg, error, cmd, 'and then the data', data, 'and finally the rest of the row data', row);
}

/**
 * Ready-made callback sets: `void` (silent), `stub` (logs everything), `error`
 * (logs errors only) and `done` (a no-op completion function for `cycleThrough`).
 *
 * @example
 * queue.cycleThrough(model, eventCallbacks.done, eventCallbacks.void);
 */
export const eventCallbacks = {
  void: {
    _error() {},
    _default() {},
  } satisfies Callbacks,
  stub: {
    _error: logError,
    _default(result: unknown, row: EventRow) {
      console.log(`${row.cmd} sent to be processed by main program with response`, result, 'and data', row.data);
    },
  } satisfies Callbacks,
  error: {
    _error: logError,
    _default() {},
  } satisfies Callbacks,
  done: (): void => {},
};

/** eventlite's error object for `row`; `rolledBack` says whether the event was kept. */
export function errorReport(row: EventRow, error: unknown, rolledBack: boolean, msg?: string): EventErrorReport {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    msg: msg ?? `${row.user} at ${row.ip} initiated ${row.cmd} that led to an error: ${reason}`,
    error,
    code: (error as { code?: unknown } | null)?.code as string | undefined,
    data: row.data,
    user: row.user,
    ip: row.ip,
    cmd: row.cmd,
    id: rolledBack ? null : row.id,
    version: row.version,
    datetime: row.datetime,
    correlation_id: row.correlation_id,
    causation_id: row.causation_id,
    metadata: row.metadata,
    rolledBack,
  };
}

function field<T>(input: unknown, key: string, fallback: T): T {
  const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[key] : undefined;
  return (value ?? fallback) as T;
}

/**
 * eventlite's error object for an event that failed before it had a row (no
 * `cmd`, bad fields, a version conflict, a locked file): built from the input.
 */
export function inputErrorReport(input: unknown, error: unknown, datetime: number): EventErrorReport {
  const cmd = field<string>(input, 'cmd', '');
  const user = field<string>(input, 'user', '');
  const ip = field<string>(input, 'ip', '');
  const reason = error instanceof Error ? error.message : String(error);
  const noCmd = typeof cmd !== 'string' || cmd === '';
  return {
    msg: noCmd ? `No command given; nothing was stored. ${reason}` : `${user} at ${ip} initiated ${cmd} that led to an error: ${reason}`,
    ...(noCmd ? { priority: 2 } : {}),
    error,
    code: (error as { code?: unknown } | null)?.code as string | undefined,
    data: field(input, 'data', {}),
    user,
    ip,
    cmd,
    id: null,
    version: field(input, 'version', 1),
    datetime,
    correlation_id: field(input, 'correlationId', null),
    causation_id: field(input, 'causationId', null),
    metadata: field(input, 'metadata', {}),
    rolledBack: true,
  };
}

/** Tells `callbacks._error` and `model._error` about a failure. */
export function reportError(callbacks: Callbacks | undefined, model: Model | undefined, report: EventErrorReport): void {
  callbacks?._error?.(report);
  model?._error?.(report);
}

/**
 * Runs `callbacks[cmd]` (or `_default`) for a committed event. A throwing
 * callback cannot undo the commit; it is reported to `_error` instead.
 */
export function runCallback(callbacks: Callbacks | undefined, result: unknown, row: EventRow, model?: Model): void {
  if (!callbacks) return;
  // Inherited Object.prototype members (a cmd named `toString`) are not callbacks.
  const own = row.cmd.startsWith('_') || row.cmd in Object.prototype ? undefined : callbacks[row.cmd];
  const fn = own ?? callbacks._default;
  if (typeof fn !== 'function') return;
  try {
    fn.call(callbacks, result, row);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    reportError(callbacks, model, errorReport(row, error, false, `The callback for ${row.cmd} threw after event ${row.id} was committed: ${reason}`));
  }
}
