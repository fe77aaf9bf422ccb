/**
 * The row's `data` seen by models, hooks and callbacks of `store` and
 * `storeAsync`: the event's own value, equal to what a replay parses back from
 * the stored text, whatever the caller does with its object afterwards.
 */
import { describe, expect, it } from 'vitest';
import { initQueue, modelSetup, type EventRow } from '../../src/events/index.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir();

/** A same-file model that records the data and meta each handler call receives. */
function recorder(dbName: string) {
  const seen: unknown[] = [];
  const model = modelSetup({
    dbName,
    methods() {
      return {
        record(data: unknown) {
          seen.push(data);
          return data;
        },
      };
    },
  });
  return { model, seen };
}

// Integer-like keys (ordered first), a `__proto__` own key, nesting, an array of objects,
// null, booleans, unicode and a lone surrogate: each survives JSON exactly.
function tricky(): Record<string, unknown> {
  const data = JSON.parse('{"b":1,"2":"two","a":[1,{"x":null}],"1":true,"__proto__":{"p":1},"s":"é\\ud800","n":{"deep":[[],{}]}}');
  return data as Record<string, unknown>;
}

describe('row data of store and storeAsync', () => {
  it('store: models, hooks and callbacks get a copy equal to the parsed stored text (keys, order, __proto__ key), never the caller object', () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const { model, seen } = recorder(dbName);
    const hooked: EventRow[] = [];
    queue.onEventStored((row) => hooked.push(row));
    const called: EventRow[] = [];
    const data = tricky();
    queue.store({ cmd: 'record', data }, model, { _default: (_result: unknown, row: EventRow) => called.push(row) });
    const stored = JSON.parse(queue.db.prepare('SELECT data FROM queue WHERE id = 1').pluck().get() as string);
    for (const value of [seen[0], hooked[0]!.data, called[0]!.data]) {
      expect(value).not.toBe(data);
      expect(value).toStrictEqual(stored);
      expect(Object.keys(value as object)).toEqual(Object.keys(stored));
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.hasOwn(value as object, '__proto__')).toBe(true);
      expect((value as { a: unknown[] }).a[1]).not.toBe((data.a as unknown[])[1]);
    }
    expect(queue.retrieveByID(1)!.data).toStrictEqual(seen[0]);
    queue.close();
    model._close();
  });

  it('storeAsync: changes the caller makes to its data after the call do not reach the model or the stored text', async () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const { model, seen } = recorder(dbName);
    const data = { name: 'ann', tags: ['a'], nested: { n: 1 } };
    const pending = queue.storeAsync({ cmd: 'record', data }, model);
    data.name = 'changed';
    data.tags.push('b');
    data.nested.n = 2;
    const result = await pending;
    expect(seen[0]).toStrictEqual({ name: 'ann', tags: ['a'], nested: { n: 1 } });
    expect(result).toBe(seen[0]);
    expect(queue.db.prepare('SELECT data FROM queue').pluck().get()).toBe('{"name":"ann","tags":["a"],"nested":{"n":1}}');
    queue.close();
    model._close();
  });

  it('data that JSON changes (toJSON, undefined members, -0) reaches the model as the parsed stored text', async () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const { model, seen } = recorder(dbName);
    const when = new Date(0);
    const data = { when, gone: undefined, zero: -0, list: [1, undefined] };
    queue.store({ cmd: 'record', data }, model);
    await queue.storeAsync({ cmd: 'record', data }, model);
    const expected = { when: '1970-01-01T00:00:00.000Z', zero: 0, list: [1, null] };
    expect(seen[0]).toStrictEqual(expected);
    expect(seen[1]).toStrictEqual(expected);
    expect(Object.is((seen[1] as { zero: number }).zero, 0)).toBe(true);
    queue.close();
    model._close();
  });
});
