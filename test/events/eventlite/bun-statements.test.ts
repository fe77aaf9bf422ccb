/** Model statements from db.query() behave as bun:sqlite's (eventlite models run unchanged). */
import { describe, expect, it, vi } from 'vitest';
import { initQueue, modelSetup } from '../../../src/events/index.js';
import { namedParameters } from '../../../src/events/bun-statement.js';
import { useTempDir } from '../helpers.js';

const { file } = useTempDir();

function variablesModel(dbName: string, withStoreMethod: boolean) {
  return modelSetup({
    dbName,
    tables(db) {
      db.query('CREATE TABLE IF NOT EXISTS variables (name TEXT PRIMARY KEY, value NUMBER, flag INTEGER)').run();
    },
    queries(db) {
      return {
        store: db.query('INSERT INTO variables (name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
        lookup: db.query('SELECT value FROM variables WHERE name = $name'),
        flag: db.query('UPDATE variables SET flag = $flag WHERE name = $name'),
        flagOf: db.query("SELECT flag FROM variables WHERE name = :name AND 'not $a param' <> ''"),
      };
    },
    methods(q) {
      const methods: Record<string, (data: any) => unknown> = {
        add({ left, right, name }: { left: string; right: string; name: string }) {
          const { value: l } = q.lookup.get(left) as { value: number };
          const { value: r } = (q.lookup.get(right) as { value: number } | null) ?? { value: 0 };
          q.store.run({ name, value: l + r });
          return l + r;
        },
      };
      if (withStoreMethod) {
        methods.store = ({ name, value }: { name: string; value: number }) => {
          q.store.run({ name, value });
          return `${name} is now ${value}`;
        };
      }
      return methods;
    },
  });
}

describe('bun-style statements from db.query()', () => {
  it('a statement with one $name parameter takes a bare value; no row gives null', () => {
    const dbName = file();
    const model = variablesModel(dbName, true);
    model._queries.store.run({ name: 'x', value: 5 });
    expect(model._queries.lookup.get('x')).toEqual({ value: 5 });
    expect(model._queries.lookup.get('nope')).toBeNull();
    expect(model._queries.lookup.all('x')).toEqual([{ value: 5 }]);
    expect((model._queries.lookup as any).values('x')).toEqual([[5]]);
    model._close();
  });

  it('.get() and .all() on a write statement run it (bun does); booleans bind as 1/0 and $-prefixed keys work', () => {
    const model = variablesModel(file(), true);
    expect(model._queries.store.get({ name: 'y', value: 7 })).toBeNull();
    expect(model._queries.store.all({ $name: 'z', $value: 9 })).toEqual([]);
    expect(model._queries.lookup.get('y')).toEqual({ value: 7 });
    expect(model._queries.lookup.get({ $name: 'z' })).toEqual({ value: 9 });
    model._queries.flag.run({ name: 'y', flag: true });
    expect(model._queries.flagOf.get('y')).toEqual({ flag: 1 });
    model._close();
  });

  it("eventlite's query pass-through: a cmd with no method but a write query of that name runs the query", () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = variablesModel(dbName, false);
    const _error = vi.fn();
    const seen: unknown[] = [];
    const cb = { _default: (res: unknown) => seen.push(res), _error };
    queue.store({ cmd: 'store', data: { name: 'x', value: 5 } }, model, cb);
    queue.store({ cmd: 'store', data: { name: 'y', value: 7 } }, model, cb);
    expect(queue.store({ cmd: 'add', data: { left: 'x', right: 'y', name: 'z' } }, model, cb)).toBe(12);
    expect(queue.store({ cmd: 'lookup', data: { name: 'z' } }, model, cb)).toEqual({ value: 12 });
    expect(_error).not.toHaveBeenCalled();
    expect(seen).toEqual([null, null, 12, { value: 12 }]);
    // Replay into a fresh model gives the same state.
    const fresh = variablesModel(file(), false);
    queue.cycleThrough(fresh, () => {}, undefined);
    expect(fresh._queries.lookup.get('z')).toEqual({ value: 12 });
    queue.close();
    model._close();
    fresh._close();
  });

  it('finds named parameters outside strings and comments', () => {
    expect(namedParameters("SELECT * FROM t WHERE a = $a AND b = ':x' -- @c\n AND d = @d /* $e */")).toEqual(['a', 'd']);
  });
});
