/**
 * Hooks that must also run for events written by an import, which inserts
 * rows with SQL and so bypasses `queue.onEventStored`. EventJobProcessor
 * registers here so imported events get their jobs in the import transaction
 * (SQLite's, where hooks are synchronous, and PostgreSQL's, where they are awaited).
 */
import type { EventRow } from '../event-row.js';

/** Called for each imported event inside the import transaction; awaited on PostgreSQL. */
export type ImportHook = (row: EventRow) => unknown;

const hooksByQueue = new WeakMap<object, Set<ImportHook>>();

/** Registers `hook` for imports into `queue`; returns the function that removes it. */
export function addImportHook(queue: object, hook: ImportHook): () => void {
  let hooks = hooksByQueue.get(queue);
  if (!hooks) {
    hooks = new Set();
    hooksByQueue.set(queue, hooks);
  }
  hooks.add(hook);
  return () => hooks.delete(hook);
}

export function importHooksOf(queue: object): ReadonlySet<ImportHook> {
  return hooksByQueue.get(queue) ?? new Set();
}
