/**
 * Plugin: s3db.js's plugin base class, so its plugins can be ported. It is an
 * ordinary S3dbPlugin (`db.usePlugin(plugin)` calls setup, then start) whose
 * helpers delegate to the resource seams every plugin uses: `addHook` to
 * resource hooks, `wrapResourceMethod` and `addMiddleware` to
 * `resource.use()`, `getStorage()` to the database's store.
 *
 * @example
 * class AuditPlugin extends Plugin {
 *   async onInstall() {
 *     for (const resource of Object.values(this.database!.resources)) {
 *       this.wrapResourceMethod(resource, 'insert', async (result) => { await this.getStorage().set(`log/${Date.now()}`, result); return result; });
 *     }
 *   }
 * }
 * await db.usePlugin(new AuditPlugin());
 */
import { EventEmitter } from 'node:events';
import { ClosedError, ValidationError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import type { S3db } from './database.js';
import type { S3dbPlugin } from './plugin.js';
import { PluginStorage } from './plugin-storage.js';
import type { Resource } from './resource.js';
import type { Hook, HookName, ResourceMethod } from './resource-types.js';

export interface PluginOptions {
  /** Names the plugin's storage prefix (`plugin=<slug>/`). @default the class name in kebab case, without "Plugin" */
  slug?: string;
  /** Separates several instances of one plugin (storage under `plugin=<slug>/<namespace>/`). */
  namespace?: string;
  [option: string]: unknown;
}

type ResourceRef = string | Resource;
/** s3db.js's wrapper: receives the method's result and arguments, returns the (possibly changed) result. */
export type MethodWrapper = (this: Resource, result: unknown, args: readonly unknown[], methodName: string) => unknown;
/** s3db.js's middleware: `next(...args)` runs the method; only the original arguments can be passed on. */
export type MethodMiddleware = (next: (...args: unknown[]) => Promise<unknown>, ...args: unknown[]) => unknown;

export class Plugin extends EventEmitter implements S3dbPlugin {
  readonly name: string;
  readonly slug: string;
  readonly namespace: string;
  readonly options: PluginOptions;
  /** The database, once installed. */
  database: S3db | undefined;
  readonly #hooks = new Map<Resource, Map<HookName, Hook[]>>();
  #storage: PluginStorage | undefined;

  constructor(options: PluginOptions = {}) {
    super();
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidOption('options', 'an object', options);
    this.options = options;
    this.name = new.target.name;
    const slug = options.slug ?? (kebab(this.name.replace(/Plugin$/, '')) || 'plugin');
    if (typeof slug !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(slug)) throw invalidOption('slug', 'lowercase letters, digits and dashes', slug);
    const namespace = options.namespace ?? '';
    if (typeof namespace !== 'string' || (namespace !== '' && !/^[A-Za-z0-9_-]+$/.test(namespace))) throw invalidOption('namespace', 'letters, digits, _ and -', namespace);
    this.slug = slug;
    this.namespace = namespace;
  }

  // ---- lifecycle (called by the database) ------------------------------------------------

  /** Called by `db.usePlugin(this)`: runs onInstall (and s3db.js's older onSetup). */
  async setup(db: S3db): Promise<void> {
    this.database = db;
    await this.beforeInstall();
    await this.onSetup();
    await this.onInstall();
    await this.afterInstall();
    this.emit('plg:installed', { plugin: this.name });
    this.emit('installed');
  }

  /** s3db.js's way: `plugin.install(db)` is `db.usePlugin(plugin)`. */
  async install(db: S3db): Promise<this> {
    if (this.database === db) return this;
    return db.usePlugin(this);
  }

  /** Alias of {@link install}. */
  initialize(db: S3db): Promise<this> {
    return this.install(db);
  }

  async start(): Promise<void> {
    await this.beforeStart();
    await this.onStart();
    await this.afterStart();
    this.emit('plg:started', { plugin: this.name });
    this.emit('started');
  }

  async stop(): Promise<void> {
    await this.beforeStop();
    await this.onStop();
    await this.afterStop();
    this.emit('plg:stopped', { plugin: this.name });
    this.emit('stopped');
  }

  // Override these in subclasses.
  async onInstall(): Promise<void> {}
  async onSetup(): Promise<void> {}
  async onStart(): Promise<void> {}
  async onStop(): Promise<void> {}
  async beforeInstall(): Promise<void> {}
  async afterInstall(): Promise<void> {}
  async beforeStart(): Promise<void> {}
  async afterStart(): Promise<void> {}
  async beforeStop(): Promise<void> {}
  async afterStop(): Promise<void> {}

  // ---- helpers ------------------------------------------------------------------------------

  /** Runs `handler` as a resource hook (`beforeInsert`, `afterUpdate`, …) until removeHook(). */
  addHook(resource: ResourceRef, event: HookName, handler: Hook): void {
    if (typeof handler !== 'function') throw invalidOption('handler', 'a function', handler);
    const target = this.#resource(resource);
    let byEvent = this.#hooks.get(target);
    if (!byEvent) this.#hooks.set(target, (byEvent = new Map()));
    let handlers = byEvent.get(event);
    if (!handlers) {
      const list: Hook[] = [];
      byEvent.set(event, (handlers = list));
      // One hook per event dispatches to this plugin's current handlers, so removeHook() takes effect.
      target.addHook(event, async (data, context) => {
        let current = data;
        for (const fn of [...list]) {
          const replaced = await fn(current, context);
          if (event.startsWith('before') && replaced !== undefined && replaced !== null && typeof replaced === 'object') current = replaced as Record<string, unknown>;
        }
        return current === data ? undefined : current;
      });
    }
    handlers.push(handler);
  }

  removeHook(resource: ResourceRef, event: HookName, handler: Hook): void {
    const handlers = this.#hooks.get(this.#resource(resource))?.get(event);
    const index = handlers?.indexOf(handler) ?? -1;
    if (handlers && index >= 0) handlers.splice(index, 1);
  }

  /** After `methodName` resolves, passes its result through `wrapper` (several plugins' wrappers chain). */
  wrapResourceMethod(resource: ResourceRef, methodName: ResourceMethod, wrapper: MethodWrapper): void {
    if (typeof wrapper !== 'function') throw invalidOption('wrapper', 'a function (result, args, methodName) => result', wrapper);
    const target = this.#resource(resource);
    target.use(async (call, next) => {
      const result = await next();
      return call.method === methodName ? wrapper.call(target, result, call.args, methodName) : result;
    });
  }

  /** Runs `middleware(next, ...args)` around `methodName`. */
  addMiddleware(resource: ResourceRef, methodName: ResourceMethod, middleware: MethodMiddleware): void {
    if (typeof middleware !== 'function') throw invalidOption('middleware', 'a function (next, ...args) => result', middleware);
    const target = this.#resource(resource);
    target.use((call, next) => {
      if (call.method !== methodName) return next();
      const proceed = (...args: unknown[]) => {
        if (args.length > 0 && (args.length !== call.args.length || args.some((a, i) => a !== call.args[i]))) {
          return Promise.reject(new ValidationError(`${this.name}: a middleware of ${methodName} passed other arguments to next(); change data in a before* hook (plugin.addHook) instead`));
        }
        return next();
      };
      return Promise.resolve(middleware(proceed, ...call.args));
    });
  }

  /** This plugin's records in the database's store (`plugin=<slug>/`). */
  getStorage(): PluginStorage {
    const db = this.database;
    if (!db) throw new ClosedError(`${this.name} is not installed: await db.usePlugin(plugin) first`);
    this.#storage ??= new PluginStorage(db.client, db.executorPool, this.slug, this.namespace);
    return this.#storage;
  }

  /** The value at a dotted path (`'address.city'`) of `data`. */
  getNestedFieldValue(data: unknown, fieldPath: string): unknown {
    let value: unknown = data;
    for (const part of fieldPath.split('.')) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  }

  /** For each partition of `resource`, its field values in `data` (partitions missing a field are left out). */
  extractPartitionValues(data: Record<string, unknown>, resource: ResourceRef): Record<string, Record<string, unknown>> {
    const target = this.#resource(resource);
    const out: Record<string, Record<string, unknown>> = {};
    for (const [name, def] of Object.entries(target.definition.partitions ?? {})) {
      const values: Record<string, unknown> = {};
      let complete = true;
      for (const field of Object.keys(def.fields)) {
        const value = this.getNestedFieldValue(data, field);
        if (value === undefined || value === null) complete = false;
        values[field] = value;
      }
      if (complete) out[name] = values;
    }
    return out;
  }

  #resource(ref: ResourceRef): Resource {
    if (typeof ref !== 'string') {
      if (ref === null || typeof ref !== 'object' || typeof (ref as Resource).use !== 'function') throw invalidOption('resource', 'a resource or its name', ref);
      return ref;
    }
    const db = this.database;
    if (!db) throw new ClosedError(`${this.name} is not installed: pass the resource itself, or install the plugin first`);
    return db.getResource(ref);
  }
}

function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toLowerCase()
    .replace(/^-+|-+$/g, '');
}
