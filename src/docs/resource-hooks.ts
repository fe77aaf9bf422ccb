/**
 * The method hooks s3db.js documents beyond the write path's own
 * (beforeInsert/afterInsert, beforeUpdate/afterUpdate,
 * beforeDelete/afterDelete run inside the writer): `before<Method>` receives
 * the call's first argument (id, ids, options, data) and may return a
 * replacement; `after<Method>` receives the result and may return a
 * replacement. Hooks run in order with `this` bound to the resource.
 */
import type { Hook, HookContext, HookName } from './resource-types.js';
import type { Resource } from './resource.js';

export async function runBeforeHooks<T>(hooks: readonly Hook[] | undefined, resource: Resource, value: T, context: Partial<HookContext> = {}): Promise<T> {
  if (!hooks || hooks.length === 0) return value;
  let current = value;
  for (const hook of hooks) {
    const replaced = await hook.call(resource, current as Record<string, unknown>, { resource, id: '', ...context } as HookContext);
    if (replaced !== undefined) current = replaced as T;
  }
  return current;
}

export async function runAfterHooks<T>(hooks: readonly Hook[] | undefined, resource: Resource, result: T, context: Partial<HookContext> = {}): Promise<T> {
  return runBeforeHooks(hooks, resource, result, context);
}

export function hookPair(method: string): [HookName, HookName] {
  const name = method.charAt(0).toUpperCase() + method.slice(1);
  return [`before${name}` as HookName, `after${name}` as HookName];
}

/** Methods whose before/after hooks the writer runs itself (for every write of that kind). */
export const WRITER_HOOKED: ReadonlySet<string> = new Set(['insert', 'update', 'delete']);

/** The event a method emits once it is done, as s3db.js documents: [name, payload], or undefined. */
export function methodEvent(method: string, args: readonly unknown[], result: unknown): [string, unknown] | undefined {
  switch (method) {
    case 'get':
      return ['fetched', result];
    case 'getMany':
      return ['getMany', Array.isArray(result) ? result.filter((d) => d !== null).length : 0];
    case 'count':
      return ['count', result];
    case 'list': {
      const options = (args[0] ?? {}) as { partition?: string; partitionValues?: unknown };
      const payload: Record<string, unknown> = { count: Array.isArray(result) ? result.length : 0, errors: 0 };
      if (options.partition !== undefined) payload.partition = options.partition;
      if (options.partitionValues !== undefined) payload.partitionValues = options.partitionValues;
      return ['list', payload];
    }
    case 'insertMany':
    case 'deleteMany':
      return [method, Array.isArray(result) ? result.filter((r: { ok?: boolean }) => r.ok).length : 0];
    default:
      return undefined;
  }
}
