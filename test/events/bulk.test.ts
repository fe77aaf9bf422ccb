import { describe, expect, it, vi } from 'vitest';
import { ConflictError, ValidationError } from '../../src/core/errors.js';
import { EventRejectedError, initQueue } from '../../src/events/index.js';
import { userNames, usersModel, useTempDir } from './helpers.js';

const tmp = useTempDir();

function setup() {
  const dbName = tmp.file();
  return { dbName, queue: initQueue({ dbName }), model: usersModel(dbName) };
}

const count = (queue: ReturnType<typeof initQueue>) => queue.db.prepare('SELECT count(*) FROM queue').pluck().get();

describe('storeBulk', () => {
  it('stores every event in one transaction and returns [{ row, result }] in order', () => {
    const { queue, model } = setup();
    const results = queue.storeBulk(
      ['a', 'b', 'c'].map((name) => ({ cmd: 'addUser', data: { name } })),
      model,
    );
    expect(results.map((r) => [r.row.id, r.result])).toEqual([
      [1, { id: 1, name: 'a' }],
      [2, { id: 2, name: 'b' }],
      [3, { id: 3, name: 'c' }],
    ]);
    expect(userNames(model)).toEqual(['a', 'b', 'c']);
    expect(queue.storeBulk([])).toEqual([]);
    queue.close();
    model._close();
  });

  it('defect "storeBulk runs the model outside the transaction and swallows its errors": a failing model method rolls back the whole batch', () => {
    const { queue, model } = setup();
    queue.store({ cmd: 'addUser', data: { name: 'before' } }, model);
    const callbacks = { _default: vi.fn(), _error: vi.fn() };
    let thrown: unknown;
    try {
      queue.storeBulk(
        ['a', 'b', 'boom', 'd'].map((name) => ({ cmd: 'addUser', data: { name } })),
        model,
        callbacks,
      );
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EventRejectedError);
    expect((thrown as EventRejectedError).index).toBe(2);
    expect((thrown as Error).message).toMatch(/Event #2 of the batch/);
    expect(count(queue)).toBe(1);
    expect(userNames(model)).toEqual(['before']);
    // Defect "callbacks fire before commit": none fired for the rolled-back batch.
    expect(callbacks._default).not.toHaveBeenCalled();
    expect(callbacks._error).toHaveBeenCalledTimes(1);
    queue.close();
    model._close();
  });

  it('defect "bulk with a model wrote 0 of 1000 model rows (database is locked, swallowed)": all 1000 model rows are written', () => {
    const { queue, model } = setup();
    const results = queue.storeBulk(Array.from({ length: 1000 }, (_, i) => ({ cmd: 'addUser', data: { name: `n${i}` } })), model);
    expect(results.every((r) => r.result !== undefined)).toBe(true);
    expect(userNames(model)).toHaveLength(1000);
    queue.close();
    model._close();
  });

  it('an invalid event or a version conflict fails the whole batch naming the index', () => {
    const { queue } = setup();
    expect(() => queue.storeBulk([{ cmd: 'ok' }, { data: {} } as never])).toThrow(/Event #1/);
    try {
      queue.storeBulk([{ cmd: 'ok' }, { cmd: 'x', data: { bad: Symbol('s') } }]);
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).errors[0]!.field).toBe('events[1].data');
    }
    queue.store({ cmd: 'open', stream: 's', expectedVersion: 0 });
    expect(() =>
      queue.storeBulk([
        { cmd: 'a', stream: 's', expectedVersion: 1 },
        { cmd: 'b', stream: 's', expectedVersion: 1 },
      ]),
    ).toThrow(ConflictError);
    expect(() => queue.storeBulk([{ cmd: 'a', stream: 's', expectedVersion: 1 }, { cmd: 'b', stream: 's', expectedVersion: 1 }])).toThrow(/Event #1/);
    expect(count(queue)).toBe(1);
    queue.storeBulk([
      { cmd: 'a', stream: 's', expectedVersion: 1 },
      { cmd: 'b', stream: 's', expectedVersion: 2 },
    ]);
    expect(queue.getStreamVersion('s')).toBe(3);
    queue.close();
  });

  it('callbacks run after commit, once per event, in order', () => {
    const { queue, model } = setup();
    const seen: number[] = [];
    queue.storeBulk(
      ['a', 'b'].map((name) => ({ cmd: 'addUser', data: { name } })),
      model,
      { addUser: (_res: unknown, row: { id: number }) => seen.push(row.id) },
    );
    expect(seen).toEqual([1, 2]);
    queue.close();
    model._close();
  });

  it('a model in another file runs after the batch committed; its failures go to _error', () => {
    const queue = initQueue({ dbName: tmp.file() });
    const model = usersModel(tmp.file('model'));
    const _error = vi.fn();
    const results = queue.storeBulk(['a', 'boom', 'c'].map((name) => ({ cmd: 'addUser', data: { name } })), model, { _error });
    expect(results.map((r) => r.result)).toEqual([{ id: 1, name: 'a' }, undefined, { id: 2, name: 'c' }]);
    expect(count(queue)).toBe(3);
    expect(userNames(model)).toEqual(['a', 'c']);
    expect(_error).toHaveBeenCalledTimes(1);
    queue.close();
    model._close();
  });
});
