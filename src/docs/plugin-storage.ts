/** PluginStorage: a plugin's own JSON records in the database's store (documented on the class). */
import { NotFoundError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import type { ExecutorPool } from '../core/executor-pool.js';
import type { ObjectStore } from '../storage/object-store.js';

/**
 * A plugin's own small JSON records in the database's store, under
 * `plugin=<slug>/` (and `<namespace>/` when the plugin has one), through the
 * database's executor pool: what s3db.js plugins keep with
 * `plugin.getStorage()`. Writes are plain PUTs (last writer wins). Keys are
 * relative to the prefix; an empty key throws ValidationError.
 *
 * @example
 * const storage = plugin.getStorage();
 * await storage.set('state', { lastRun: Date.now() });
 * const state = await storage.get<{ lastRun: number }>('state'); // or null
 */
export class PluginStorage {
  /** Key prefix of this plugin's records, ending in '/'. */
  readonly prefix: string;
  readonly #store: ObjectStore;
  readonly #pool: ExecutorPool;

  constructor(store: ObjectStore, pool: ExecutorPool, slug: string, namespace = '') {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(slug)) throw invalidOption('slug', 'lowercase letters, digits and dashes', slug);
    if (namespace !== '' && !/^[A-Za-z0-9_-]+$/.test(namespace)) throw invalidOption('namespace', 'letters, digits, _ and -', namespace);
    this.prefix = `plugin=${slug}/${namespace === '' ? '' : `${namespace}/`}`;
    this.#store = store;
    this.#pool = pool;
  }

  /** Stores `data` as JSON under `key`, replacing what was there. ValidationError when `data` has no JSON form (undefined, a function). */
  async set(key: string, data: unknown): Promise<void> {
    const body = JSON.stringify(data);
    if (body === undefined) throw invalidOption('data', 'a JSON value', data);
    await this.#pool.run((signal) => this.#store.putObject({ key: this.#key(key), body, contentType: 'application/json', signal }));
  }

  /** The record under `key`, or null. */
  async get<T = unknown>(key: string): Promise<T | null> {
    try {
      const object = await this.#pool.run((signal) => this.#store.getObject({ key: this.#key(key), signal }));
      return JSON.parse(object.body.toString('utf8')) as T;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /** Deletes the record under `key` (no error when there is none). */
  async delete(key: string): Promise<void> {
    await this.#pool.run((signal) => this.#store.deleteObject({ key: this.#key(key), signal }));
  }

  /** Keys (relative to this plugin) starting with `prefix`. */
  async list(prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of this.#store.listAll({ prefix: this.#key(prefix, true) })) keys.push(object.key.slice(this.prefix.length));
    return keys;
  }

  /** Deletes every record of this plugin (in this namespace). */
  async deleteAll(): Promise<number> {
    const keys = (await this.list()).map((k) => this.prefix + k);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.#pool.run((signal) => this.#store.deleteObjects({ keys: batch, signal }));
    }
    return keys.length;
  }

  #key(key: string, allowEmpty = false): string {
    if (typeof key !== 'string' || (!allowEmpty && key === '')) throw invalidOption('key', 'a non-empty string', key);
    return this.prefix + key;
  }
}
