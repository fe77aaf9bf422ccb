/**
 * How a public resource method runs: its options are checked first
 * (resource-call-options.ts), then middleware wraps `before<Method>` hooks
 * (which may replace the first argument), the method itself, `after<Method>`
 * hooks (which may replace the result) and the method's event. Under
 * `autoDecrypt: false` documents in the result are sealed again.
 */
import { invalidOption } from '../core/options.js';
import type { FieldCipher } from './field-cipher.js';
import { checkMethodOptions } from './resource-call-options.js';
import type { ResolvedConfig } from './resource-config.js';
import type { EventDelivery } from './resource-events.js';
import { hookPair, methodEvent, runAfterHooks, runBeforeHooks, WRITER_HOOKED } from './resource-hooks.js';
import { callThrough } from './resource-middleware.js';
import type { ResourceSchema } from './resource-schema.js';
import type { ResourceMethod, ResourceMiddleware } from './resource-types.js';
import type { Resource } from './resource.js';
import { sealSecrets } from './sealed-output.js';

export interface CallDeps {
  readonly resource: Resource;
  /** Read at every call: hooks and `autoDecrypt` can change. */
  readonly config: ResolvedConfig;
  readonly events: EventDelivery;
  readonly live: ResourceSchema;
  readonly cipher: FieldCipher | undefined;
}

/** s3db.js's event-style names of the methods its middleware wraps. */
const MIDDLEWARE_ALIASES: Record<string, string> = { inserted: 'insert', updated: 'update', deleted: 'delete', fetched: 'get' };
const MIDDLEWARE_METHODS: ReadonlySet<string> = new Set([
  'insert', 'insertMany', 'get', 'getMany', 'getAll', 'exists', 'update', 'patch', 'replace', 'upsert', 'delete', 'deleteMany', 'deleteAll', 'deleteAllData',
  'list', 'listIds', 'count', 'page', 'query', 'getFromPartition', 'updateConditional', 'setContent', 'deleteContent',
]);

/** Methods whose results carry documents (sealed again under `autoDecrypt: false`). */
const SEALED_OUTPUT: ReadonlySet<ResourceMethod> = new Set(['get', 'getMany', 'getAll', 'list', 'page', 'query', 'getFromPartition', 'insert', 'update', 'patch', 'replace', 'upsert', 'delete']);

export class ResourceCalls {
  readonly #d: CallDeps;
  readonly #middleware: ResourceMiddleware[] = [];
  /** Methods with a user's `useMiddleware`: their calls may carry options the middleware reads (s3db.js's `insert(data, { user })`). */
  readonly #openOptions = new Set<string>();

  constructor(deps: CallDeps) {
    this.#d = deps;
  }

  use(middleware: ResourceMiddleware): void {
    if (typeof middleware !== 'function') throw invalidOption('middleware', 'a function (call, next) => Promise', middleware);
    this.#middleware.push(middleware);
  }

  /** A middleware for the calls of one method (s3db.js's `useMiddleware`). */
  useFor(method: string, fn: ResourceMiddleware): void {
    const target = MIDDLEWARE_ALIASES[method] ?? method;
    if (!MIDDLEWARE_METHODS.has(target)) throw invalidOption('method', `one of ${[...MIDDLEWARE_METHODS, ...Object.keys(MIDDLEWARE_ALIASES)].join(', ')}`, method);
    if (typeof fn !== 'function') throw invalidOption('middleware', 'a function (ctx, next) => Promise', fn);
    this.#openOptions.add(target);
    this.use((call, next) => (call.method === target ? fn(call, next) : next()));
  }

  /**
   * Runs `method` with its arguments `args`; `impl` gets the first argument
   * (as `before<Method>` hooks left it). R is the calling method's declared
   * return type: documents are typed by the schema, not by the codec.
   */
  run<T, A = unknown, R = T>(method: ResourceMethod, args: readonly [A, ...unknown[]], impl: (first: A) => Promise<T>): Promise<R> {
    try {
      checkMethodOptions(method, args, this.#openOptions.has(method));
    } catch (err) {
      return Promise.reject(err);
    }
    const { resource, config, events, live } = this.#d;
    const hooks = config.hooks;
    const [beforeName, afterName] = hookPair(method);
    const hooked = !WRITER_HOOKED.has(method) && ((hooks[beforeName]?.length ?? 0) > 0 || (hooks[afterName]?.length ?? 0) > 0);
    const run = async (): Promise<T> => {
      // A plugin attribute being recorded is part of the schema this call validates and writes with.
      // Only when one is pending: an extra tick would let later calls overtake earlier ones.
      const pending = live.settled();
      if (pending) await pending;
      let result = hooked ? await impl(await runBeforeHooks(hooks[beforeName], resource, args[0])) : await impl(args[0]);
      if (hooked) result = await runAfterHooks(hooks[afterName], resource, result);
      const event = methodEvent(method, args, result);
      if (event) events.emit(event[0], [event[1]]);
      if (!events.asyncEvents) await events.settle();
      return result;
    };
    const called = callThrough(this.#middleware, { resource, method, args: args as unknown as unknown[] }, run);
    if (config.options.autoDecrypt || !SEALED_OUTPUT.has(method)) return called as Promise<unknown> as Promise<R>;
    return called.then((result) => sealSecrets(resource.name, live.schema, this.#d.cipher, result) as R);
  }
}

/** A method outside the pipeline (no hooks, middleware or event): its options are checked all the same, failures as rejections. */
export function runChecked<R>(method: string, args: readonly unknown[], fn: () => Promise<R>): Promise<R> {
  try {
    checkMethodOptions(method, args);
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}
