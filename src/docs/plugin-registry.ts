/**
 * The database's installed plugins, in order and by name (s3db.js's
 * `db.usePlugin(plugin, name)`, `db.getPlugin(name)`, `db.plugins.cache`).
 */
import { invalidOption } from '../core/options.js';
import type { S3dbPlugin } from './plugin.js';

export class PluginRegistry {
  readonly #list: S3dbPlugin[] = [];
  readonly #byName = new Map<string, S3dbPlugin>();

  /** Checks and records `plugin` under `name` (default: its slug or name); returns the name. */
  add(plugin: unknown, name?: string): string {
    if (!plugin || typeof (plugin as S3dbPlugin).setup !== 'function') throw invalidOption('plugin', 'an object with a setup(db) method', plugin);
    if (name !== undefined && (typeof name !== 'string' || name === '')) throw invalidOption('name', 'a non-empty string', name);
    if (name !== undefined && this.#byName.has(name)) throw invalidOption('name', `a name no other plugin has (${JSON.stringify(name)} is taken)`, name);
    const given = plugin as S3dbPlugin & { slug?: unknown };
    const base = name ?? (typeof given.slug === 'string' ? given.slug : typeof given.name === 'string' && given.name !== '' ? given.name : `plugin${this.#list.length + 1}`);
    let unique = base;
    for (let n = 2; this.#byName.has(unique); n++) unique = `${base}${n}`;
    this.#byName.set(unique, given);
    this.#list.push(given);
    return unique;
  }

  get(name: string): S3dbPlugin | undefined {
    return this.#byName.get(name);
  }

  /** In installation order. */
  get all(): readonly S3dbPlugin[] {
    return this.#list;
  }

  /** The plugins by name. */
  record(): Record<string, S3dbPlugin> {
    return Object.fromEntries(this.#byName);
  }

  /** An array in installation order that also has each plugin under its name (`db.plugins.cache`). */
  view(): readonly S3dbPlugin[] & Readonly<Record<string, S3dbPlugin>> {
    return Object.freeze(Object.assign([...this.#list], this.record())) as unknown as readonly S3dbPlugin[] & Readonly<Record<string, S3dbPlugin>>;
  }
}
