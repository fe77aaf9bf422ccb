/** Snapshots as eventlite documents them: explicit eventId, { success: false } results, extract/restoreModelState. */
import { describe, expect, it } from 'vitest';
import { initQueue, initSnapshots, modelSetup } from '../../../src/events/index.js';
import { useTempDir, usersModel, userNames } from '../helpers.js';

const { file } = useTempDir();

describe('snapshots (eventlite)', () => {
  it('createSnapshot(name, eventId, model) with the explicit id of the last applied event; restore + replay from replayFrom', async () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = usersModel(dbName);
    for (const name of ['a', 'b', 'c']) queue.store({ cmd: 'addUser', data: { name } }, model);
    const snapshots = initSnapshots({ dbName: file('snap') });
    const last = queue._queries.getLastRow.get().id as number;
    const created = await snapshots.createSnapshot('users', last, model, { note: 'three' });
    expect(created).toMatchObject({ success: true, eventId: 3, modelName: 'users' });
    expect(typeof created.snapshotId).toBe('number');
    queue.store({ cmd: 'addUser', data: { name: 'd' } }, model);

    const fresh = usersModel(file('fresh'));
    const restored = await snapshots.restoreSnapshot('users', 3, fresh);
    expect(restored).toMatchObject({ success: true, eventId: 3, replayFrom: 4, metadata: { note: 'three' } });
    queue.cycleThrough(fresh, () => {}, undefined, { start: restored.replayFrom });
    expect(userNames(fresh)).toEqual(['a', 'b', 'c', 'd']);
    queue.close();
    model._close();
    fresh._close();
    snapshots.close();
  });

  it('an explicit eventId is taken as given when s3lite does not know the position (model filled outside the queue)', async () => {
    const model = usersModel(file('m'));
    model._queries.add.run({ name: 'seeded' });
    const snapshots = initSnapshots({ dbName: file('snap') });
    expect(await snapshots.createSnapshot('users', 5, model)).toMatchObject({ success: true, eventId: 5 });
    model._close();
    snapshots.close();
  });

  it('refuses an eventId that differs from the position s3lite knows, and says so', async () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = usersModel(dbName);
    for (const name of ['a', 'b', 'c']) queue.store({ cmd: 'addUser', data: { name } }, model);
    const snapshots = initSnapshots({ dbName: file('snap') });
    const result = await snapshots.createSnapshot('users', 2, model);
    expect(result).toMatchObject({ success: false, code: 'CONFLICT' });
    expect(result.error).toMatch(/reflects the log up to event 3, not 2/);
    expect(snapshots.listSnapshots('users')).toEqual([]);
    queue.close();
    model._close();
    snapshots.close();
  });

  it('resolves { success: false, error } for a missing snapshot, a stub model and an invalid model', async () => {
    const snapshots = initSnapshots({ dbName: file('snap') });
    const stub = modelSetup({ stub: true });
    expect(await snapshots.createSnapshot('x', 1, stub)).toMatchObject({ success: false, error: expect.stringMatching(/Invalid model/) });
    expect(await snapshots.createSnapshot('x', 1, {} as never)).toMatchObject({ success: false });
    expect(await snapshots.restoreSnapshot('x', 1, stub)).toMatchObject({ success: false, replayFrom: 0 });
    const model = usersModel(file('m'));
    expect(await snapshots.restoreSnapshot('nothing', 10, model)).toEqual({ success: false, error: 'No snapshot found', replayFrom: 0 });
    model._close();
    snapshots.close();
  });

  it('extractModelState gives eventlite shape { tables: { name: { schema, data } }, version }; restoreModelState puts it back', async () => {
    const model = usersModel(file('m'));
    model._queries.add.run({ name: 'ann' });
    model._queries.add.run({ name: 'bob' });
    const snapshots = initSnapshots({ dbName: file('snap') });
    const state = await snapshots.extractModelState(model);
    expect(state.version).toBe(1);
    expect(state.tables.users!.data).toEqual([{ id: 1, name: 'ann' }, { id: 2, name: 'bob' }]);
    expect(state.tables.users!.schema.map((c) => (c as { name: string }).name)).toEqual(['id', 'name']);
    const other = usersModel(file('other'));
    other._queries.add.run({ name: 'zed' });
    await snapshots.restoreModelState(other, state);
    expect(userNames(other)).toEqual(['ann', 'bob']);
    await expect(snapshots.restoreModelState(modelSetup({ stub: true }), state)).resolves.toBeUndefined();
    model._close();
    other._close();
    snapshots.close();
  });
});
