import { describe, expect, it, vi } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { EventRejectedError, initQueue, modelSetup } from '../../src/events/index.js';
import { userNames, usersModel, useTempDir } from './helpers.js';

const tmp = useTempDir();

function walFrames(queue: ReturnType<typeof initQueue>): number {
  const [row] = queue.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
  return row!.log;
}

describe('storeAsync (group commit)', () => {
  it('resolves to the model result once committed; 100 concurrent calls share one commit', async () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const model = usersModel(dbName);
    queue.db.pragma('wal_checkpoint(TRUNCATE)');
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => queue.storeAsync({ cmd: 'addUser', data: { name: `u${i}` } }, model)));
    expect(results[0]).toEqual({ id: 1, name: 'u0' });
    expect(results[99]).toEqual({ id: 100, name: 'u99' });
    // One commit writes each touched page once; 100 commits would append at least 100 WAL frames.
    expect(walFrames(queue)).toBeLessThan(30);
    queue.close();
    model._close();
  });

  it('savepoint isolation: a failing model method rejects only its own promise', async () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const model = usersModel(dbName);
    const _error = vi.fn();
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'boom', 'd'].map((name) => queue.storeAsync({ cmd: 'addUser', data: { name } }, model, { _error })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(EventRejectedError);
    expect(userNames(model)).toEqual(['a', 'b', 'd']);
    expect(queue.db.prepare('SELECT data FROM queue ORDER BY id').pluck().all()).toEqual(['{"name":"a"}', '{"name":"b"}', '{"name":"d"}']);
    expect(_error).toHaveBeenCalledTimes(1);
    queue.close();
    model._close();
  });

  it('store after pending storeAsync calls commits them first, so ids follow call order', async () => {
    const queue = initQueue({ dbName: tmp.file() });
    const pending = [queue.storeAsync({ cmd: 'first' }), queue.storeAsync({ cmd: 'second' })];
    queue.store({ cmd: 'third' });
    queue.storeBulk([{ cmd: 'fourth' }]);
    await Promise.all(pending);
    expect(queue.db.prepare('SELECT cmd FROM queue ORDER BY id').pluck().all()).toEqual(['first', 'second', 'third', 'fourth']);
    queue.close();
  });

  it('defect "no expected-version check: concurrent writers interleave freely": under concurrency exactly one writer wins each version', async () => {
    const queue = initQueue({ dbName: tmp.file() });
    await queue.storeAsync({ cmd: 'open', stream: 'acct', expectedVersion: 0 });
    const racers = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => queue.storeAsync({ cmd: 'debit', data: { i }, stream: 'acct', expectedVersion: 1 })));
    const won = racers.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of racers) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    expect(queue.getStreamVersion('acct')).toBe(2);
    queue.close();
  });

  it('rejects bad input before queueing, and after close with ClosedError', async () => {
    const queue = initQueue({ dbName: tmp.file() });
    await expect(queue.storeAsync({ cmd: '' })).rejects.toThrow(/no command/);
    const pending = queue.storeAsync({ cmd: 'kept' });
    queue.close();
    await expect(pending).resolves.toBeUndefined();
    await expect(queue.storeAsync({ cmd: 'late' })).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('models in another file are applied after the group commit, one result per promise', async () => {
    const queue = initQueue({ dbName: tmp.file() });
    const model = usersModel(tmp.file('model'));
    const stub = modelSetup({ stub: true, default: (data: { n: number }) => data.n * 2 });
    const results = await Promise.all([
      queue.storeAsync({ cmd: 'addUser', data: { name: 'x' } }, model),
      queue.storeAsync({ cmd: 'double', data: { n: 21 } }, stub),
    ]);
    expect(results).toEqual([{ id: 1, name: 'x' }, 42]);
    queue.close();
    model._close();
  });
});
