/** Plugin: s3db.js's plugin base class over our plugin seams (documented on the class). */
import { EventEmitter } from 'node:events';
import { ClosedError, ValidationError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import type { S3db } from './database.js';
import type { S3dbPlugin } from './plugin.js';
import { PluginStorage } from './plugin-storage.js';
import type { Resource } from './resource.js';
import type { Hook, HookName, ResourceMethod } from './resource-types.js';

/** Options of `new Plugin()`; a subclass may take more (kept in `plugin.options`). */
export interface PluginOptions {
  /** Names the plugin's storage prefix (`plugin=<slug>/`). @default the class name in kebab case, without "Plugin" */
  slug?: string;
  /** Separates several instances of one plugin (storage under `plugin=<slug>/<namespace>/`): letters, digits, `_`, `-`. @default '' — storage directly under `plugin=<slug>/` */
  namespace?: string;
  [option: string]: unknown;
}

type ResourceRef = string | Resource;
/** s3db.js's wrapper: receives the method's result and arguments, returns the (possibly changed) result. */
export type MethodWrapper = (this: Resource, result: unknown, args: readonly unknown[], methodName: string) => unknown;
/** s3db.js's middleware: `next(...args)` runs the method; only the original arguments can be passed on. */
export type MethodMiddleware = (next: (...args: unknown[]) => Promise<unknown>, ...args: unknown[]) => unknown;

/**
 * s3db.js's plugin base class, so its plugins can be ported. It is an
 * ordinary {@link S3dbPlugin} (`db.usePlugin(plugin)` calls `setup(db)`,
 * then `start()`; `db.disconnect()` calls `stop()`) whose helpers delegate to
 * the resource seams every plugin uses: `addHook` to resource hooks,
 * `wrapResourceMethod` and `addMiddleware` to `resource.use()`,
 * `getStorage()` to the database's store. Subclasses override the lifecycle
 * methods (`onInstall`, `onStart`, `onStop`, `before*`/`after*`).
 *
 * Events: `installed`, `started`, `stopped`, and s3db.js's
 * `plg:installed`/`plg:started`/`plg:stopped` (`{ plugin: name }`).
 * The constructor throws ValidationError for a bad `slug` or `namespace`.
 *
 * @example
 * class AuditPlugin extends Plugin {
 *   async onInstall() {
 *     this.addHook('orders', 'afterInsert', async (doc) => {
 *       await this.getStorage().set(`inserted/${doc.id}`, { at: new Date().toISOString() });
 *     });
 *   }
 * }
 * await db.createResource({ name: 'orders', attributes: { total: 'number' } });
 * await db.usePlugin(new AuditPlugin()); // slug 'audit': records under plugin=audit/
 */
export class Plugin extends EventEmitter implements S3dbPlugin {
  /** The class name (`AuditPlugin`), as s3db.js reports it. */
  readonly name: string;
  /** Names the plugin's storage prefix: `options.slug`, or the class name in kebab case without "Plugin" (`AuditPlugin` → `audit`; `'plugin'` when that leaves nothing). */
  readonly slug: string;
  /** `options.namespace`, or `''`. */
  readonly namespace: string;
  /** The options as given to the constructor. */
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

  /** Called by the database after setup(): runs beforeStart, onStart, afterStart, then emits `started`. */
  async start(): Promise<void> {
    await this.beforeStart();
    await this.onStart();
    await this.afterStart();
    this.emit('plg:started', { plugin: this.name });
    this.emit('started');
  }

  /** Called by `db.disconnect()`: runs beforeStop, onStop, afterStop, then emits `stopped`. */
  async stop(): Promise<void> {
    await this.beforeStop();
    await this.onStop();
    await this.afterStop();
    this.emit('plg:stopped', { plugin: this.name });
    this.emit('stopped');
  }

  // Override these in subclasses.
  /** Override: install the plugin (`this.database` is set and connected). Runs in setup(), after onSetup. */
  async onInstall(): Promise<void> {}
  /** Override: s3db.js's older name of onInstall; runs just before it. */
  async onSetup(): Promise<void> {}
  /** Override: runs in start(). */
  async onStart(): Promise<void> {}
  /** Override: runs in stop(); release what onInstall/onStart opened. */
  async onStop(): Promise<void> {}
  /** Override: runs first in setup(). */
  async beforeInstall(): Promise<void> {}
  /** Override: runs last in setup(), before the `installed` event. */
  async afterInstall(): Promise<void> {}
  /** Override: runs first in start(). */
  async beforeStart(): Promise<void> {}
  /** Override: runs last in start(), before the `started` event. */
  async afterStart(): Promise<void> {}
  /** Override: runs first in stop(). */
  async beforeStop(): Promise<void> {}
  /** Override: runs last in stop(), before the `stopped` event. */
  async afterStop(): Promise<void> {}

  // ---- helpers ------------------------------------------------------------------------------

  /**
   * Runs `handler` as a resource hook (`beforeInsert`, `afterUpdate`, …) until removeHook(). A `before*`
   * handler may return a replacement object. `resource` is a resource or its name (a name needs the plugin
   * installed: ClosedError before, NotFoundError for an undefined resource).
   */
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

  /** Stops a handler added by addHook() (the same function); does nothing if it is not there. */
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

  /**
   * Runs `middleware(next, ...args)` around `methodName`. `next()` (or `next(...sameArgs)`) runs the method;
   * passing other arguments rejects with ValidationError: change data in a `before*` hook instead.
   */
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

  /** This plugin's records in the database's store (`plugin=<slug>/`). ClosedError before the plugin is installed. */
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
