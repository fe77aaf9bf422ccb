import { describe, expect, it, vi } from 'vitest';
import { eventCallbacks, initQueue, initSnapshots, modelSetup, SnapshotManager } from '../../src/events/index.js';
import { userNames, usersModel, useTempDir } from './helpers.js';

const tmp = useTempDir();

function fill(queue: ReturnType<typeof initQueue>, n: number, prefix = 'u') {
  queue.storeBulk(Array.from({ length: n }, (_, i) => ({ cmd: 'addUser', data: { name: `${prefix}${i + 1}` } })));
}

function usersWithIds(model: ReturnType<typeof usersModel>) {
  return model._db.prepare('SELECT id, name FROM users ORDER BY id').all();
}

describe('cycleThrough (replay)', () => {
  it('defect "replay uses OFFSET paging": pages by id across page boundaries and id gaps, each event once', () => {
    const queue = initQueue({ dbName: tmp.file() });
    fill(queue, 2500);
    queue.db.exec('DELETE FROM queue WHERE id BETWEEN 990 AND 1010');
    const model = usersModel(tmp.file('model'));
    const done = vi.fn();
    const summary = queue.cycleThrough(model, done);
    expect(summary).toEqual({ count: 2479, lastId: 2500, failed: 0 });
    expect(done).toHaveBeenCalledOnce();
    const names = userNames(model);
    expect(names).toHaveLength(2479);
    expect(new Set(names).size).toBe(2479);
    expect(names.includes('u1000')).toBe(false);
    queue.close();
    model._close();
  });

  it('replay never fires callbacks unless a callback set is passed', () => {
    const queue = initQueue({ dbName: tmp.file() });
    fill(queue, 3);
    const callbacks = { _default: vi.fn(), _error: vi.fn() };
    queue.cycleThrough(usersModel(tmp.file('model')), eventCallbacks.done);
    expect(callbacks._default).not.toHaveBeenCalled();
    queue.cycleThrough(usersModel(tmp.file('model')), eventCallbacks.done, callbacks);
    expect(callbacks._default).toHaveBeenCalledTimes(3);
    queue.close();
  });

  it('start and stop: stop takes an id (exclusive) or a date; a number as 4th argument is the start', () => {
    let clock = 0;
    const queue = initQueue({ dbName: tmp.file(), datetime: () => (clock += 1000) });
    fill(queue, 10);
    const names = (range: Parameters<typeof queue.cycleThrough>[3]) => {
      const model = usersModel(tmp.file('model'));
      queue.cycleThrough(model, undefined, undefined, range);
      const result = userNames(model);
      model._close();
      return result;
    };
    expect(names({ start: 3, stop: 6 })).toEqual(['u3', 'u4', 'u5']);
    expect(names({ stop: new Date(4000) })).toEqual(['u1', 'u2', 'u3']);
    expect(names({ stop: new Date(4000).toISOString() })).toEqual(['u1', 'u2', 'u3']);
    expect(names(9)).toEqual(['u9', 'u10']);
    expect(() => names({ stop: 'not a date' })).toThrow(/neither an event id nor a date/);
    queue.close();
  });

  it('model migrations upcast old event versions on execute and on replay', () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const seen: unknown[] = [];
    const model = modelSetup({
      dbName: tmp.file('model'),
      methods: () => ({ setStatus: (data: unknown) => (seen.push(data), data) }),
      migrations: () => ({ setStatus: [(d: { status: string }) => ({ ...d, status: d.status === 'active' ? 'enabled' : d.status }), (d: object) => ({ ...d, v3: true })] }),
    });
    expect(queue.store({ cmd: 'setStatus', data: { status: 'active' }, version: 1 }, model)).toEqual({ status: 'enabled', v3: true });
    queue.store({ cmd: 'setStatus', data: { status: 'enabled', v3: true }, version: 3 }, model);
    seen.length = 0;
    queue.cycleThrough(model);
    expect(seen).toEqual([
      { status: 'enabled', v3: true },
      { status: 'enabled', v3: true },
    ]);
    // The log keeps what was stored.
    expect(queue.retrieveByID(1)!.data).toEqual({ status: 'active' });
    queue.close();
    model._close();
  });
});

describe('snapshots', () => {
  it('snapshot + replay equals full replay', async () => {
    const queue = initQueue({ dbName: tmp.file() });
    fill(queue, 300);
    const full = usersModel(tmp.file('full'));
    queue.cycleThrough(full);

    const partial = usersModel(tmp.file('partial'), { name: 'users' });
    queue.cycleThrough(partial, undefined, undefined, { stop: 151 });
    const snapshots = new SnapshotManager({ dbName: tmp.file('snapshots') });
    const info = await snapshots.createSnapshot('users', undefined, partial, { note: 'half' });
    expect(info).toMatchObject({ success: true, eventId: 150, modelName: 'users' });
    expect(await snapshots.createSnapshot('users', 100, partial)).toMatchObject({ success: false, code: 'CONFLICT', error: expect.stringMatching(/reflects the log up to event/) });

    const restored = usersModel(tmp.file('restored'), { name: 'users' });
    restored.addUser({ name: 'stale row that the restore must remove' });
    const result = await snapshots.restoreSnapshot('users', undefined, restored);
    expect(result).toMatchObject({ success: true, eventId: 150, replayFrom: 151, metadata: { note: 'half' } });
    queue.cycleThrough(restored, undefined, eventCallbacks.void, { start: result.replayFrom });
    expect(usersWithIds(restored)).toEqual(usersWithIds(full));
    expect(snapshots.listSnapshots('users')).toHaveLength(1);
    expect(await snapshots.restoreSnapshot('nobody', 10, restored)).toMatchObject({ success: false, replayFrom: 0 });
    expect(snapshots.deleteOldSnapshots('users', 151)).toBe(1);
    for (const m of [full, partial, restored]) m._close();
    snapshots.close();
    queue.close();
  });

  it('defect "a crash leaves the model behind with no checkpoint": the model position commits with its changes and snapshots use it', async () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const model = usersModel(dbName);
    queue.store({ cmd: 'addUser', data: { name: 'a' } }, model);
    queue.store({ cmd: 'noModel' });
    queue.store({ cmd: 'addUser', data: { name: 'b' } }, model);
    expect(() => queue.store({ cmd: 'addUser', data: { name: 'boom' } }, model)).toThrow();
    // The position lives in the file: a fresh connection (as after a crash) reads it back.
    queue.close();
    model._close();
    const reopened = usersModel(dbName);
    expect(reopened._db.prepare('SELECT event_id FROM s3lite_model_position').pluck().get()).toBe(3);
    const snapshots = initSnapshots({ dbName: tmp.file('snapshots') });
    const info = await snapshots.createSnapshot('users', null, reopened);
    // Event 3 is the last one the model applied; the queue table itself is not part of the state.
    expect(info.eventId).toBe(3);
    const state = JSON.parse(snapshots.db.prepare('SELECT state FROM snapshots').pluck().get() as string);
    expect(Object.keys(state.tables)).toEqual(['users']);
    snapshots.close();
    reopened._close();
  });
});
