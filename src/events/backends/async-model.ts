/**
 * Models for the async queue: built from `{ tables, queries, methods }` over a
 * backend's {@link ModelDb}, and applied with eventlite's dispatch rules
 * (migrations, method, query of that name, `_default`), awaiting async handlers.
 */
import { ValidationError } from '../../core/errors.js';
import { assertKnownOptions, invalidOption } from '../../core/options.js';
import { EventRejectedError } from '../event-errors.js';
import type { EventRow } from '../event-row.js';
import { metaOf, upcast } from '../model-dispatch.js';
import type { AsyncModel, AsyncModelMethod, AsyncModelOptions, AsyncStatement, ModelDb, StatementParams, StoredHook } from './event-store.js';

const KNOWN = ['tables', 'queries', 'methods', 'migrations', 'done', 'error', 'default'];

const defaultHandler: AsyncModelMethod = (data, meta) => {
  console.log(`${meta.cmd} is unknown to model.`, 'The data is', data);
  return '';
};

/** Builds a model over `db`; `tables` runs first (awaited). */
export async function buildAsyncModel<Q>(db: ModelDb, options: AsyncModelOptions<Q>): Promise<AsyncModel<Q>> {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  assertKnownOptions('modelSetup', options, KNOWN);
  for (const name of ['tables', 'queries', 'methods', 'done', 'error', 'default'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw invalidOption(name, 'a function', options[name]);
  }
  await options.tables?.(db);
  const queries = (options.queries?.(db) ?? {}) as Q;
  const methods = options.methods?.(queries, db) ?? {};
  const names = new Set(Object.keys(methods).filter((key) => typeof methods[key] === 'function'));
  const lookup = (cmd: string): AsyncStatement => {
    const statement = (queries as Record<string, AsyncStatement | undefined>)[cmd];
    if (!statement || typeof statement.get !== 'function') throw new ValidationError(`The model has no query named \`${cmd}\`.`);
    return statement;
  };
  const model: AsyncModel<Q> = {
    _db: db,
    _queries: queries,
    _default: options.default ?? defaultHandler,
    _done: options.done,
    _error: options.error,
    _migrations: options.migrations ?? {},
    ...methods,
    get: (cmd: string, data?: StatementParams) => lookup(cmd).get(data),
    all: (cmd: string, data?: StatementParams) => lookup(cmd).all(data),
  };
  METHODS.set(model, names);
  return model;
}

/** Method names per model: a cmd named `get` or `_done` is not a handler unless `methods` made it. */
const METHODS = new WeakMap<object, ReadonlySet<string>>();

/**
 * Runs `row` through the model and then `_done`, awaiting both. Throws what they
 * throw (the caller rolls the event back).
 */
export async function applyAsyncModel(row: EventRow, model: AsyncModel): Promise<unknown> {
  const data = upcast(row, model as never);
  const names = METHODS.get(model);
  const own = names ? names.has(row.cmd) : !row.cmd.startsWith('_') && typeof model[row.cmd] === 'function';
  let result: unknown;
  if (own) result = await (model[row.cmd] as AsyncModelMethod).call(model, data, metaOf(row));
  else if (model._queries && Object.hasOwn(model._queries as object, row.cmd)) result = await model.get(row.cmd, data as StatementParams);
  else if (typeof model._default === 'function') result = await model._default.call(model, data, metaOf(row));
  else throw new ValidationError(`The model has no method for cmd \`${row.cmd}\` and no \`_default\`. Add a method named \`${row.cmd}\` or a \`default\` handler.`);
  await model._done?.(row, result);
  return result;
}

/** True when `model` was made by `modelSetup` of a queue on `db`'s backend instance. */
export function isModelOf(model: unknown, db: ModelDb): model is AsyncModel {
  return typeof model === 'object' && model !== null && (model as AsyncModel)._db === db;
}

/** Wraps a model's (or hook's) throw the way the synchronous queue does. */
export function rejected(row: EventRow, cause: unknown, index?: number, handler: 'model' | 'hook' = 'model'): EventRejectedError {
  return cause instanceof EventRejectedError ? cause : new EventRejectedError({ cmd: row.cmd, handler, index, cause, row });
}

/** Adds `hook` to a store's hook set; returns the function that removes it. */
export function addHook<D>(hooks: Set<StoredHook>, hook: (row: EventRow<D>) => unknown): () => void {
  if (typeof hook !== 'function') throw invalidOption('hook', 'a function (row) => void', hook);
  const entry: StoredHook = (row) => hook(row as EventRow<D>);
  hooks.add(entry);
  return () => {
    hooks.delete(entry);
  };
}

/**
 * What runs for a stored event inside its transaction (savepoint): the
 * `onEventStored` hooks in order, then the model. Throws an
 * {@link EventRejectedError} naming which one threw; the caller rolls back.
 */
export async function applyStored(row: EventRow, model: AsyncModel | undefined, hooks: ReadonlySet<StoredHook>, index?: number): Promise<unknown> {
  for (const hook of hooks) {
    try {
      await hook(row);
    } catch (cause) {
      throw rejected(row, cause, index, 'hook');
    }
  }
  if (!model) return undefined;
  try {
    return await applyAsyncModel(row, model);
  } catch (cause) {
    throw rejected(row, cause, index);
  }
}
