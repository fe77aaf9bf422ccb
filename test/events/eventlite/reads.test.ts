/** Reads and names as eventlite documents them: retrieveByID misses give undefined, eventQueue.methods / getLastRow, model.queries. */
import { describe, expect, it } from 'vitest';
import { initQueue } from '../../../src/events/index.js';
import { useTempDir, usersModel } from '../helpers.js';

const { file } = useTempDir();

describe('eventlite reads and names', () => {
  it('retrieveByID gives undefined for a missing id and takes an integer in a string', () => {
    const queue = initQueue({ dbName: file() });
    expect(queue.retrieveByID(1)).toBeUndefined();
    expect(queue.retrieveByIDCached(1)).toBeUndefined();
    queue.store({ cmd: 'a', data: { x: 1 } });
    expect(queue.retrieveByID('1' as never)!.data).toEqual({ x: 1 });
    expect(queue.retrieveByIDCached('1' as never)!.cmd).toBe('a');
    expect(() => queue.retrieveByID('one' as never)).toThrow(/integer event id/);
    queue.close();
  });

  it('eventQueue.methods.x(), eventQueue.queries and getLastRow(); model.queries and model.methods', () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = usersModel(dbName);
    expect(queue.methods.getLastRow()).toBeUndefined();
    queue.methods.store({ cmd: 'addUser', data: { name: 'ann' } }, model);
    queue.store({ cmd: 'addUser', data: { name: 'bob' } }, model);
    expect(queue.methods.getLastRow()!.id).toBe(2);
    expect(queue.queries.getLastRow.get().id).toBe(2);
    const correlation = queue.retrieveByID(1)!.correlation_id!;
    expect(queue.getByCorrelationId(correlation).map((e) => e.id)).toEqual([1]);
    const m = model as typeof model & { queries: typeof model._queries; methods: Record<string, unknown> };
    expect(m.queries.count.get()).toEqual({ n: 2 });
    expect(typeof m.methods.addUser).toBe('function');
    expect(Object.keys(model)).not.toContain('queries');
    queue.close();
    model._close();
  });
});
