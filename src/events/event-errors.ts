/**
 * The error thrown when user code (a model method or an `onEventStored` hook)
 * throws while an event is being written: the event and everything done for it
 * were rolled back.
 */
import { ValidationError } from '../core/errors.js';
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

/**
 * An event was rejected because its model method or a hook threw; nothing of it
 * was written. `cause` is what the user code threw.
 */
export class EventRejectedError extends ValidationError {
  readonly cmd: string;
  readonly handler: 'model' | 'hook';
  readonly index: number | undefined;
  /** The rejected event as it looked inside the rolled-back transaction. */
  readonly row: EventRow | undefined;

  constructor(init: EventRejectedErrorInit) {
    const reason = init.cause instanceof Error ? init.cause.message : String(init.cause);
    const who = init.handler === 'model' ? `the model method for \`${init.cmd}\`` : `an onEventStored hook (cmd \`${init.cmd}\`)`;
    const which = init.index === undefined ? 'The event' : `Event #${init.index} of the batch`;
    const scope = init.index === undefined ? 'It and its model changes were rolled back' : 'Every event and model change of the batch was rolled back';
    super(
      `${which} was rejected: ${who} threw: ${reason}. ${scope}; fix the data or the handler and store it again.`,
      [{ field: init.index === undefined ? 'cmd' : `events[${init.index}]`, message: reason }],
      { cause: init.cause, details: { cmd: init.cmd, handler: init.handler, index: init.index } },
    );
    this.cmd = init.cmd;
    this.handler = init.handler;
    this.index = init.index;
    this.row = init.row;
  }
}
