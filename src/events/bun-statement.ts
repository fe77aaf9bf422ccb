/**
 * Statements from `db.query(sql)` behave as bun:sqlite's, so eventlite model
 * code runs unchanged on better-sqlite3:
 * - a statement with one named parameter takes a bare value: `lookup.get('x')`;
 * - `.get()` / `.all()` on a statement that returns no rows (an INSERT) runs it
 *   and gives `null` / `[]`, which is what eventlite's query pass-through needs;
 * - `.get()` finds no row → `null` (bun), not `undefined`;
 * - booleans bind as 1 / 0 and `undefined` members as NULL, as bun binds them;
 * - `values()` gives rows as arrays; `finalize()` exists.
 * The statement stays a better-sqlite3 Statement (pluck, raw, columns… work).
 */
import type Database from 'better-sqlite3';

/** Named parameters (`$x`, `:x`, `@x`) of `sql`, outside strings and comments. */
export function namedParameters(sql: string): string[] {
  const code = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
  const names = new Set<string>();
  for (const match of code.matchAll(/[$:@]([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1]!);
  return [...names];
}

function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

function isBareValue(value: unknown): boolean {
  return value === null || value === undefined || (typeof value !== 'object' && typeof value !== 'function') || value instanceof Uint8Array;
}

/** Turns bun-style arguments into better-sqlite3 ones for a statement with `names`. */
function normalise(names: readonly string[], args: unknown[]): unknown[] {
  if (args.length === 0) return args;
  if (args.length === 1 && names.length === 1 && isBareValue(args[0])) return [{ [names[0]!]: bindable(args[0]) }];
  return args.map((arg) => {
    if (isBareValue(arg)) return bindable(arg);
    if (Array.isArray(arg) || arg instanceof Uint8Array || typeof arg !== 'object' || arg === null) return arg;
    const out: Record<string, unknown> = {};
    // bun (non-strict) spells keys with their prefix: `{ $name }`; better-sqlite3 wants `{ name }`.
    for (const [key, value] of Object.entries(arg)) out[/^[$:@]/.test(key) ? key.slice(1) : key] = bindable(value);
    return out;
  });
}

/** Makes `statement` (prepared from `sql`) behave as a bun:sqlite statement; returns it. */
export function bunStatement(statement: Database.Statement, sql: string): Database.Statement {
  const names = namedParameters(sql);
  const proto = Object.getPrototypeOf(statement) as Database.Statement;
  const { get, all, run, iterate } = proto;
  const target = statement as Database.Statement & { values?: unknown; finalize?: unknown; paramsCount?: number; columnNames?: string[] };
  Object.defineProperties(target, {
    get: {
      configurable: true,
      value(...args: unknown[]) {
        const params = normalise(names, args);
        if (!statement.reader) {
          run.apply(statement, params as never);
          return null;
        }
        return get.apply(statement, params as never) ?? null;
      },
    },
    all: {
      configurable: true,
      value(...args: unknown[]) {
        const params = normalise(names, args);
        if (!statement.reader) {
          run.apply(statement, params as never);
          return [];
        }
        return all.apply(statement, params as never);
      },
    },
    run: {
      configurable: true,
      value(...args: unknown[]) {
        return run.apply(statement, normalise(names, args) as never);
      },
    },
    iterate: {
      configurable: true,
      value(...args: unknown[]) {
        return iterate.apply(statement, normalise(names, args) as never);
      },
    },
    values: {
      configurable: true,
      value(...args: unknown[]) {
        if (!statement.reader) {
          run.apply(statement, normalise(names, args) as never);
          return [];
        }
        statement.raw(true);
        try {
          return all.apply(statement, normalise(names, args) as never);
        } finally {
          statement.raw(false);
        }
      },
    },
    finalize: { configurable: true, value() {} },
    paramsCount: { configurable: true, get: () => names.length || (sql.match(/\?/g)?.length ?? 0) },
    columnNames: { configurable: true, get: () => (statement.reader ? statement.columns().map((c) => c.name) : []) },
  });
  return statement;
}
