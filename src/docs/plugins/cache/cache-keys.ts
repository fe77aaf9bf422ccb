/**
 * What a read call depends on, and the key its result is cached under.
 *
 * Two calls that could return different results never share a key: the key
 * holds a canonical serialisation of every argument (limit, offset, cursor,
 * partition and its values, filter, ids…) except the two that cannot change
 * the result (`signal`, `priority`). Everything a key names is escaped, so a
 * resource or id containing `/` cannot collide with another one.
 */
import { createHash } from 'node:crypto';

/** Methods served from the cache. Every other non-writing method passes through. */
export const CACHED_METHODS: ReadonlySet<string> = new Set(['get', 'getMany', 'list', 'listIds', 'count', 'page', 'query', 'getFromPartition']);

/** Option keys that never change what a call returns. */
const CALL_ONLY_OPTIONS = new Set(['signal', 'priority']);

/** Where the options object sits in each known method's arguments. */
const OPTIONS_INDEX: Readonly<Record<string, number>> = { get: 1, getMany: 1, list: 0, listIds: 0, count: 0, page: 0, query: 1 };

/**
 * A read call's cache plan: a `doc` entry (get of one id, invalidated by
 * writes to that id) or a `query` entry (invalidated by any write to the
 * resource).
 */
export type ReadPlan = { kind: 'doc'; resource: string; schema: string; id: string } | { kind: 'query'; resource: string; schema: string; args: string };

/**
 * The plan of `method(...args)` on `resource`, or undefined when the call is
 * not cacheable (an argument that has no canonical form, such as a function).
 */
export function planRead(resource: string, schema: string, method: string, args: readonly unknown[]): ReadPlan | undefined {
  if (!CACHED_METHODS.has(method)) return undefined;
  if (method === 'get' && typeof args[0] === 'string' && args.length <= 2 && onlyCallOptions(args[1])) {
    return { kind: 'doc', resource, schema, id: args[0] };
  }
  const optionsIndex = OPTIONS_INDEX[method];
  const parts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // Known methods: drop signal and priority from their options. Others (getFromPartition): drop AbortSignals only.
    const text = i === optionsIndex ? canonicalOptions(arg) : canonical(arg, optionsIndex === undefined);
    if (text === undefined) return undefined;
    parts.push(text);
  }
  return { kind: 'query', resource, schema, args: `${method}(${parts.join(',')})` };
}

function onlyCallOptions(options: unknown): boolean {
  if (options === undefined) return true;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return false;
  for (const key of Object.keys(options)) if (!CALL_ONLY_OPTIONS.has(key)) return false;
  return true;
}

function canonicalOptions(options: unknown): string | undefined {
  if (!isRecord(options)) return canonical(options, false);
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (!CALL_ONLY_OPTIONS.has(key)) kept[key] = value;
  return canonical(kept, false);
}

/**
 * A stable text form: object keys sorted, every type tagged so that `1`,
 * `"1"`, `1n`, `true`, `null`, `undefined` and dates never look alike.
 * Undefined-valued keys are kept (`query({ age: undefined })` matches
 * documents without `age`, unlike `query({})`). Returns undefined for values
 * with no faithful form (functions, symbols, class instances).
 */
export function canonical(value: unknown, dropSignals = false): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'u';
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof Date) return `D${value.getTime()}`;
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (let i = 0; i < value.length; i++) {
          const item = canonical(value[i], dropSignals);
          if (item === undefined) return undefined;
          items.push(item);
        }
        return `[${items.join(',')}]`;
      }
      if (!isRecord(value)) return undefined;
      const fields: string[] = [];
      for (const key of Object.keys(value).sort()) {
        const field = value[key];
        if (dropSignals && field instanceof AbortSignal) continue;
        const text = canonical(field, dropSignals);
        if (text === undefined) return undefined;
        fields.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${fields.join(',')}}`;
    }
    default:
      return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

// ---- key layout ------------------------------------------------------------------------------

const esc = encodeURIComponent;

/**
 * Version keys. An entry is valid only while every version it was read under
 * is unchanged: the global one (clear()), the resource's (clear(resource),
 * writes the plugin cannot attribute to ids), and the document's (get
 * entries) or the resource's list version (every other read).
 */
export const versionKeys = {
  global: 'v/g',
  resource: (resource: string) => `v/r/${esc(resource)}`,
  lists: (resource: string) => `v/l/${esc(resource)}`,
  doc: (resource: string, id: string) => `v/d/${esc(resource)}/${esc(id)}`,
};

/** The version keys an entry of `plan` depends on, in a fixed order. */
export function dependencies(plan: ReadPlan): string[] {
  const last = plan.kind === 'doc' ? versionKeys.doc(plan.resource, plan.id) : versionKeys.lists(plan.resource);
  return [versionKeys.global, versionKeys.resource(plan.resource), last];
}

/**
 * The entry key of `plan`. Query entries are named by a SHA-256 of their
 * arguments (bounded key length, file-name safe) and store the arguments
 * themselves, which a hit compares, so even a hash collision cannot serve
 * another call's result.
 */
export function entryKey(plan: ReadPlan | { kind: 'doc'; resource: string; id: string }): string {
  if (plan.kind === 'doc') return `e/d/${esc(plan.resource)}/${esc(plan.id)}`;
  return `e/q/${esc(plan.resource)}/${createHash('sha256').update(plan.args).digest('base64url')}`;
}

/**
 * What a hit must match besides the version: the schema version of the
 * resource that read it (processes on different schema versions decode
 * documents differently) and, for query entries, the arguments.
 */
export function entryArgs(plan: ReadPlan): string {
  return plan.kind === 'doc' ? `@${plan.schema}` : `@${plan.schema} ${plan.args}`;
}
