/**
 * The errors thrown when user code (a model method or an `onEventStored` hook)
 * throws while an event is being written: the event and everything done for it
 * were rolled back. A SQLite constraint the model's write broke (a UNIQUE
 * column, say) is a conflict with stored state, not bad input, so it gets its
 * own class and code (`CONSTRAINT`).
 */
import { ConstraintError, ValidationError } from '../core/errors.js';
import type { EventRow } from './event-row.js';

export interface EventRejectedErrorInit {
  cmd: string;
  /** `'model'` for a model method (or `_default`/`_done`), `'hook'` for an `onEventStored` hook. */
  handler: 'model' | 'hook';
  /** Position in a `storeBulk` batch. */
  index?: number;
  cause: unknown;
  /** The event as it was before the rollback (its id was not kept). */
  row?: EventRow;
}

function rejectionMessage(init: EventRejectedErrorInit): { message: string; reason: string } {
  const reason = init.cause instanceof Error ? init.cause.message : String(init.cause);
  const who = init.handler === 'model' ? `the model method for \`${init.cmd}\`` : `an onEventStored hook (cmd \`${init.cmd}\`)`;
  const which = init.index === undefined ? 'The event' : `Event #${init.index} of the batch`;
  const scope = init.index === undefined ? 'It and its model changes were rolled back' : 'Every event and model change of the batch was rolled back';
  return { message: `${which} was rejected: ${who} threw: ${reason}. ${scope}; fix the data or the handler and store it again.`, reason };
}

/**
 * An event was rejected because its model method or a hook threw; nothing of it
 * was written (in `storeBulk`, nothing of the batch). `cause` is what the user
 * code threw. Code `VALIDATION` (a subclass of `ValidationError`); test for either
 * rejection class with {@link isEventRejection}.
 */
export class EventRejectedError extends ValidationError {
  /** The rejected event's cmd. */
  readonly cmd: string;
  /** `'model'`: a model method (or `_default` / `_done`) threw; `'hook'`: an `onEventStored` hook threw (an EventJobProcessor rule's `map`, say). */
  readonly handler: 'model' | 'hook';
  /** Position of the event in the `storeBulk` batch rolled back with it, when it came from one. */
  readonly index: number | undefined;
  /** The rejected event as it looked inside the rolled-back transaction. */
  readonly row: EventRow | undefined;

  constructor(init: EventRejectedErrorInit) {
    const { message, reason } = rejectionMessage(init);
    super(message, [{ field: init.index === undefined ? 'cmd' : `events[${init.index}]`, message: reason }], {
      cause: init.cause,
      details: { cmd: init.cmd, handler: init.handler, index: init.index },
    });
    this.cmd = init.cmd;
    this.handler = init.handler;
    this.index = init.index;
    this.row = init.row;
  }
}

/**
 * An event was rejected because a SQLite constraint (UNIQUE, NOT NULL, CHECK,
 * FOREIGN KEY) refused its model's write; nothing of it was written. Code `CONSTRAINT`.
 */
export class EventConstraintError extends ConstraintError {
  /** The rejected event's cmd. */
  readonly cmd: string;
  /** `'model'` when a model method's write broke the constraint, `'hook'` when an `onEventStored` hook's did. */
  readonly handler: 'model' | 'hook';
  /** Position of the event in the `storeBulk` batch rolled back with it, when it came from one. */
  readonly index: number | undefined;
  /** The rejected event as it looked inside the rolled-back transaction. */
  readonly row: EventRow | undefined;
  /** SQLite's extended code, e.g. `SQLITE_CONSTRAINT_UNIQUE`. */
  readonly sqliteCode: string;

  constructor(init: EventRejectedErrorInit & { sqliteCode: string }) {
    super(rejectionMessage(init).message, {
      cause: init.cause,
      details: { cmd: init.cmd, handler: init.handler, index: init.index, sqliteCode: init.sqliteCode },
    });
    this.cmd = init.cmd;
    this.handler = init.handler;
    this.index = init.index;
    this.row = init.row;
    this.sqliteCode = init.sqliteCode;
  }
}

/** The error for user code that threw `init.cause` while an event was written. */
export function eventRejection(init: EventRejectedErrorInit): EventRejectedError | EventConstraintError {
  const code = (init.cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) return new EventConstraintError({ ...init, sqliteCode: code });
  return new EventRejectedError(init);
}

/** True for either rejection error. */
export function isEventRejection(err: unknown): err is EventRejectedError | EventConstraintError {
  return err instanceof EventRejectedError || err instanceof EventConstraintError;
}
