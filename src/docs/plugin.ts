/** The plugin contract the database installs (documented on the interface). */
import type { S3db } from './database.js';

/**
 * What `db.usePlugin(plugin)` installs: any object with `setup(db)`.
 * `setup(db)` runs once the database is connected (at once if it already
 * is), then `start()`; `stop()` runs on disconnect, in reverse order of
 * installation. The `Plugin` class is s3db.js's base class for the same contract.
 *
 * A plugin reaches resources through `db.resources` and the `resourceCreated`
 * event, and changes their behaviour with `resource.use(middleware)`,
 * `resource.addHook(...)` or `resource.addIndex(...)`.
 *
 * @example
 * const audit: S3dbPlugin = {
 *   name: 'audit',
 *   setup(db) {
 *     db.on('resourceCreated', (resource: Resource) => resource.on('updated', (doc) => console.log('updated', doc.id)));
 *   },
 * };
 * await db.usePlugin(audit);
 */
export interface S3dbPlugin {
  /** Shown in errors; the name `db.plugins.<name>` and `db.getPlugin(name)` find it under (unless `usePlugin` is given one, or the plugin has a `slug`). */
  readonly name?: string;
  /** Installs the plugin on `db` (connected). A rejection rejects `connect()` or `usePlugin()`. */
  setup(db: S3db): void | Promise<void>;
  /** Runs after setup(). */
  start?(): void | Promise<void>;
  /** Runs at `db.disconnect()`, after queued partition work is written and before the store closes. */
  stop?(): void | Promise<void>;
}
