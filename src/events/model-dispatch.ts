/**
 * Runs one event against a model with eventlite's dispatch rules: migrations
 * upcast old data, then the method named by `cmd`, else a query of that name,
 * else `_default`.
 */
import { ValidationError } from '../core/errors.js';
import type { EventRow } from './event-row.js';
import { MODEL_INTERNALS, type EventMeta, type Model, type ModelMethod } from './model-types.js';

/** `data` of `row` upcast to the model's latest version of its cmd (the row is not changed). */
export function upcast(row: EventRow, model: Model | undefined): unknown {
  const steps = model?._migrations?.[row.cmd];
  if (!steps) return row.data;
  let data = row.data;
  for (let v = row.version; v <= steps.length; v++) {
    const step = steps[v - 1];
    if (step) data = step(data);
  }
  return data;
}

/** A copy of `row` whose data is upcast to the model's latest version (`version` updated). */
export function upcastRow(row: EventRow, model: Model | undefined): EventRow {
  const steps = model?._migrations?.[row.cmd];
  if (!steps || row.version > steps.length) return row;
  return { ...row, data: upcast(row, model), version: steps.length + 1 };
}

/** The model's own method for `cmd`, or null (queries and `_default` are the caller's fallbacks). */
export function pickMethod(model: Model, cmd: string): ModelMethod | null {
  const internals = model[MODEL_INTERNALS];
  if (internals ? internals.methodNames.has(cmd) : !cmd.startsWith('_') && typeof model[cmd] === 'function') {
    return model[cmd] as ModelMethod;
  }
  return null;
}

/** The second argument of a model method. */
export function metaOf(row: EventRow): EventMeta {
  return {
    datetime: row.datetime,
    user: row.user,
    ip: row.ip,
    cmd: row.cmd,
    id: row.id,
    version: row.version,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    metadata: row.metadata,
    stream: row.stream,
    streamVersion: row.stream_version,
  };
}

/**
 * Calls the model's handler for `row` and then `_done(row, result)`. Throws what
 * they throw; a handler returning a promise is refused, since its work would
 * escape the transaction.
 */
export function executeModel(row: EventRow, model: Model): unknown {
  const data = upcast(row, model);
  const method = pickMethod(model, row.cmd);
  let result: unknown;
  if (method) {
    result = method.call(model, data, metaOf(row));
  } else if (model._queries && Object.hasOwn(model._queries, row.cmd) && typeof model.get === 'function') {
    result = model.get(row.cmd, data);
  } else if (typeof model._default === 'function') {
    result = model._default.call(model, data, metaOf(row));
  } else {
    throw new ValidationError(`The model has no method for cmd \`${row.cmd}\` and no \`_default\`. Add a method named \`${row.cmd}\` or a \`default\` handler.`);
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    throw new ValidationError(
      `The model method for \`${row.cmd}\` returned a promise. Model methods run inside the write transaction and must be synchronous; do async work in a callback.`,
    );
  }
  model._done?.(row, result);
  return result;
}
