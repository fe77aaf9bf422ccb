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
import type { SecretSealer } from './secret-sealer.js';

/** Methods served from the cache. Every other non-writing method passes through. */
export const CACHED_METHODS: ReadonlySet<string> = new Set(['get', 'getMany', 'list', 'listIds', 'count', 'page', 'query', 'getFromPartition']);

/** Option keys that never change what a call returns. */
const CALL_ONLY_OPTIONS = new Set(['signal', 'priority']);

/** Where the options object sits in each known method's arguments. */
const OPTIONS_INDEX: Readonly<Record<string, number>> = { get: 1, getMany: 1, list: 0, listIds: 0, count: 0, page: 0, query: 1 };

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

/** Whether `key` is a document's version key (one per document: drivers may bound those). */
export function isDocVersionKey(key: string): boolean {
  return key.startsWith('v/d/');
}

/** The entry key of a document's `get`, also deleted by writes to that document. */
export function docEntryKey(resource: string, id: string): string {
  return `e/d/${esc(resource)}/${esc(id)}`;
}

// ---- plans ------------------------------------------------------------------------------------

/**
 * A read call's cache plan: a `doc` entry (get of one id, invalidated by
 * writes to that id) or a `query` entry (invalidated by any write to the
 * resource), with every key it needs already built.
 */
export interface ReadPlan {
  readonly kind: 'doc' | 'query';
  readonly resource: string;
  /** The resource method whose result the entry holds. */
  readonly method: string;
  /** Seals the resource's secret fields in entries that leave the process; undefined without secrets. */
  readonly sealer: SecretSealer | undefined;
  /** Where the entry is stored. */
  readonly key: string;
  /**
   * What a hit must match besides the version: the schema version of the
   * resource that read it (processes on different schema versions decode
   * documents differently) and, for query entries, the canonical arguments.
   */
  readonly args: string;
  /** The version keys the entry depends on, in a fixed order (see {@link versionKeys}). */
  readonly deps: readonly string[];
}

/** Doc plans remembered per resource; past this many the memo starts over (it only saves building keys). */
const MAX_DOC_PLANS = 10_000;
/** Query plans remembered per resource (by their canonical arguments: saves the SHA-256), same policy. */
const MAX_QUERY_PLANS = 1_000;
/** Longer arguments (getMany of many ids…) are not memoised: the memo stays small, and hashing is cheap next to building them. */
const MAX_MEMO_ARGS = 512;

/** One resource's key parts, built once, and its memo of plans. */
class ResourcePlans {
  readonly schema: string;
  readonly docs = new Map<string, ReadPlan>();
  readonly queries = new Map<string, ReadPlan>();
  /** Global, resource and lists version keys: what every query entry depends on. */
  readonly queryDeps: readonly string[];

  constructor(
    readonly resource: string,
    schema: string,
    readonly sealer: SecretSealer | undefined,
  ) {
    this.schema = schema;
    this.queryDeps = [versionKeys.global, versionKeys.resource(resource), versionKeys.lists(resource)];
  }

  doc(id: string): ReadPlan {
    let plan = this.docs.get(id);
    if (plan === undefined) {
      if (this.docs.size >= MAX_DOC_PLANS) this.docs.clear();
      const { resource } = this;
      plan = { kind: 'doc', resource, method: 'get', sealer: this.sealer, key: docEntryKey(resource, id), args: `@${this.schema}`, deps: [versionKeys.global, versionKeys.resource(resource), versionKeys.doc(resource, id)] };
      this.docs.set(id, plan);
    }
    return plan;
  }

  /**
   * Query entries are named by a SHA-256 of their arguments (bounded key
   * length, file-name safe) and keep the arguments themselves in `args`,
   * which a hit compares, so even a hash collision cannot serve another
   * call's result. A resource with secrets keeps neither: its arguments may
   * hold secret values, so both are a keyed digest (a 256-bit HMAC: no
   * collision to fear, no guess to confirm without the passphrase).
   */
  query(method: string, args: string): ReadPlan {
    const memo = args.length <= MAX_MEMO_ARGS;
    let plan = memo ? this.queries.get(args) : undefined;
    if (plan === undefined) {
      const { resource, sealer } = this;
      const name = sealer ? sealer.digest(args) : createHash('sha256').update(args).digest('base64url');
      plan = { kind: 'query', resource, method, sealer, key: `e/q/${esc(resource)}/${name}`, args: `@${this.schema} ${sealer ? `#${name}` : args}`, deps: this.queryDeps };
      if (memo) {
        if (this.queries.size >= MAX_QUERY_PLANS) this.queries.clear();
        this.queries.set(args, plan);
      }
    }
    return plan;
  }
}

/**
 * Turns read calls into plans. Plans are memoised per resource: a repeated
 * get builds no key strings (each build costs more than the rest of an
 * in-memory hit) and a repeated query computes no hash.
 */
export class ReadPlanner {
  readonly #resources = new Map<string, ResourcePlans>();

  /**
   * The plan of `method(...args)` on `resource` (schema version `schema`), or
   * undefined when the call is not cacheable (an argument that has no
   * canonical form, such as a function). `sealer`: the resource's, when it has secret fields.
   */
  plan(resource: string, schema: string, method: string, args: readonly unknown[], sealer?: SecretSealer): ReadPlan | undefined {
    if (method === 'get' && typeof args[0] === 'string' && args.length <= 2 && onlyCallOptions(args[1])) return this.#plans(resource, schema, sealer).doc(args[0]);
    if (!CACHED_METHODS.has(method)) return undefined;
    const optionsIndex = OPTIONS_INDEX[method];
    const parts: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      // Known methods: drop signal and priority from their options. Others (getFromPartition): drop AbortSignals only.
      const text = i === optionsIndex ? canonicalOptions(arg) : canonical(arg, optionsIndex === undefined);
      if (text === undefined) return undefined;
      parts.push(text);
    }
    return this.#plans(resource, schema, sealer).query(method, `${method}(${parts.join(',')})`);
  }

  #plans(resource: string, schema: string, sealer: SecretSealer | undefined): ResourcePlans {
    let plans = this.#resources.get(resource);
    // A resource redefined under the same name has a new schema version: its entries must not match the old ones.
    if (plans === undefined || plans.schema !== schema || plans.sealer !== sealer) {
      plans = new ResourcePlans(resource, schema, sealer);
      this.#resources.set(resource, plans);
    }
    return plans;
  }
}

function onlyCallOptions(options: unknown): boolean {
  if (options === undefined) return true;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return false;
  // for…in allocates nothing; inherited enumerable keys make the call a query plan, which is merely slower.
  for (const key in options) if (!CALL_ONLY_OPTIONS.has(key)) return false;
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
