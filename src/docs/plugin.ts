/**
 * Plugins: objects installed with `db.usePlugin(plugin)`. `setup(db)` runs
 * once the database is connected (at once if it already is); `start()` after
 * setup; `stop()` on disconnect, in reverse order of installation.
 *
 * A plugin reaches resources through `db.resources` and the `resourceCreated`
 * event, and changes their behaviour with `resource.use(middleware)`,
 * `resource.addHook(...)` or `resource.addIndex(...)`.
 *
 * @example
 * const audit: S3dbPlugin = {
 *   name: 'audit',
 *   setup(db) {
 *     db.on('resourceCreated', (resource) => resource.on('updated', (doc) => log(doc.id)));
 *   },
 * };
 * await db.usePlugin(audit);
 */
import type { S3db } from './database.js';

export interface S3dbPlugin {
  /** Shown in errors and `db.plugins`. */
  readonly name?: string;
  setup(db: S3db): void | Promise<void>;
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
}
