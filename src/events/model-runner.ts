/**
 * Applies already-stored events to a model outside the queue's write path:
 * models in another file (after the event committed), replay and `execute`.
 * All events of one call share one model transaction, each in its own
 * savepoint, so one failing handler loses only its own changes.
 */
import type Database from 'better-sqlite3';
import { errorReport, reportError, runCallback } from './callbacks.js';
import type { EventRow } from './event-row.js';
import { executeModel } from './model-dispatch.js';
import { MODEL_INTERNALS, type Callbacks, type Model } from './model-types.js';

export interface AppliedEvent {
  row: EventRow;
  result: unknown;
  failed: boolean;
  error?: unknown;
}

interface SavepointStatements {
  begin: Database.Statement;
  mark: Database.Statement;
  release: Database.Statement;
  undo: Database.Statement;
}

const statementsOf = new WeakMap<Database.Database, SavepointStatements>();

function savepointStatements(db: Database.Database): SavepointStatements {
  let statements = statementsOf.get(db);
  if (!statements) {
    statements = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      mark: db.prepare('SAVEPOINT s3lite_apply_event'),
      release: db.prepare('RELEASE s3lite_apply_event'),
      undo: db.prepare('ROLLBACK TO s3lite_apply_event'),
    };
    statementsOf.set(db, statements);
  }
  return statements;
}

function transactional(db: unknown): db is Database.Database {
  return typeof db === 'object' && db !== null && typeof (db as Database.Database).prepare === 'function' && (db as Database.Database).open === true;
}

/**
 * Runs each row's handler in the model's own transaction and returns what each
 * gave or threw; nothing is reported yet (see {@link settleApplied}).
 */
export function applyToModel(model: Model, rows: readonly EventRow[]): AppliedEvent[] {
  const db = model._db;
  const outcomes: AppliedEvent[] = [];
  if (!transactional(db)) {
    for (const row of rows) {
      try {
        outcomes.push({ row, result: executeModel(row, model), failed: false });
      } catch (error) {
        outcomes.push({ row, result: undefined, failed: true, error });
      }
    }
  } else {
    const internals = model[MODEL_INTERNALS];
    const nested = db.inTransaction;
    const statements = savepointStatements(db);
    if (nested) db.exec('SAVEPOINT s3lite_apply');
    else statements.begin.run();
    try {
      let last = 0;
      for (const row of rows) {
        statements.mark.run();
        try {
          const result = executeModel(row, model);
          statements.release.run();
          outcomes.push({ row, result, failed: false });
        } catch (error) {
          statements.undo.run();
          statements.release.run();
          outcomes.push({ row, result: undefined, failed: true, error });
        }
        // A failed event is still processed (reported), so the position moves past it.
        last = row.id;
      }
      if (last > 0) internals?.setPosition(last);
      db.exec(nested ? 'RELEASE s3lite_apply' : 'COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec(nested ? 'ROLLBACK TO s3lite_apply; RELEASE s3lite_apply' : 'ROLLBACK');
      throw err;
    }
  }
  return outcomes;
}

/** After commit: `_error` for a failed handler (the event stays stored), else the event's callback. */
export function settleApplied(outcome: AppliedEvent, model: Model | undefined, callbacks: Callbacks | undefined): void {
  if (outcome.failed) reportError(callbacks, model, errorReport(outcome.row, outcome.error, false));
  else runCallback(callbacks, outcome.result, outcome.row, model);
}

/** {@link applyToModel} then {@link settleApplied} for each row, in order. */
export function applyAndSettle(model: Model, rows: readonly EventRow[], callbacks: Callbacks | undefined): AppliedEvent[] {
  const outcomes = applyToModel(model, rows);
  for (const outcome of outcomes) settleApplied(outcome, model, callbacks);
  return outcomes;
}
