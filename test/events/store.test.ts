import { describe, expect, it, vi } from 'vitest';
import { ConflictError, ValidationError } from '../../src/core/errors.js';
import { EventRejectedError, eventCallbacks, initQueue, modelSetup } from '../../src/events/index.js';
import { userCount, userNames, usersModel, useTempDir } from './helpers.js';

const tmp = useTempDir();

function setup() {
  const dbName = tmp.file();
  const queue = initQueue({ dbName });
  const model = usersModel(dbName);
  return { dbName, queue, model };
}

describe('store', () => {
  it('stores synchronously and returns the model method result (await works too)', async () => {
    const { queue, model } = setup();
    const result = queue.store({ cmd: 'addUser', data: { name: 'ann' }, user: 'u1', ip: '1.2.3.4' }, model, eventCallbacks.void);
    expect(result).toEqual({ id: 1, name: 'ann' });
    expect(await queue.store({ cmd: 'addUser', data: { name: 'bob' } }, model)).toEqual({ id: 2, name: 'bob' });
    expect(queue.retrieveByID(1)).toMatchObject({ id: 1, cmd: 'addUser', user: 'u1', ip: '1.2.3.4', data: { name: 'ann' }, version: 1, metadata: {} });
    queue.close();
    model._close();
  });

  it('correlation: kept when given, inherited from the causation parent, else a new UUID', () => {
    const { queue } = setup();
    queue.store({ cmd: 'a', correlationId: 'order-1' });
    queue.store({ cmd: 'b', causationId: 1 });
    queue.store({ cmd: 'c' });
    queue.store({ cmd: 'd', causationId: 1, correlationId: 'other' });
    expect(queue.retrieveByID(2)).toMatchObject({ correlation_id: 'order-1', causation_id: 1 });
    expect(queue.retrieveByID(3)!.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(queue.retrieveByID(4)!.correlation_id).toBe('other');
    expect(queue.getTransaction('order-1').map((e) => e.id)).toEqual([1, 2]);
    expect(queue.getChildEvents(1).map((e) => e.id)).toEqual([2, 4]);
    const lineage = queue.getEventLineage(2)!;
    expect(lineage.parent!.id).toBe(1);
    expect(lineage.children).toEqual([]);
    // An orphan causation id is kept as given (eventlite) and starts a new correlation.
    queue.store({ cmd: 'e', causationId: 99 });
    expect(queue.retrieveByID(5)).toMatchObject({ causation_id: 99, correlation_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    queue.close();
  });

  it('defect "event and model state are not atomic": a throwing same-file model method rolls back its event and changes', () => {
    const { queue, model } = setup();
    const callbacks = { _default: vi.fn(), _error: vi.fn() };
    queue.store({ cmd: 'addUser', data: { name: 'ann' } }, model, callbacks);
    // With a callbacks._error, store() reports there and returns undefined (eventlite's error model).
    expect(queue.store({ cmd: 'addUser', data: { name: 'boom' } }, model, callbacks)).toBeUndefined();
    expect(callbacks._error.mock.calls[0]![0].error).toMatchObject({ message: 'model refused boom' });
    // The insert the method made before throwing is gone too.
    expect(userNames(model)).toEqual(['ann']);
    expect(queue.retrieveByID(2)).toBeUndefined();
    expect(callbacks._error).toHaveBeenCalledTimes(1);
    expect(callbacks._error.mock.calls[0]![0]).toMatchObject({ cmd: 'addUser', rolledBack: true, id: null });
    // Callbacks never run for a rolled-back event.
    expect(callbacks._default).toHaveBeenCalledTimes(1);
    queue.close();
    model._close();
  });

  it('runs callbacks after commit: cmd-specific, else _default', () => {
    const { queue, model } = setup();
    const seen: string[] = [];
    const callbacks = {
      addUser: (res: { name: string }) => {
        // Committed: a second connection would see it; here, the model row is in place.
        expect(queue.db.inTransaction).toBe(false);
        seen.push(`addUser:${res.name}`);
      },
      _default: (_res: unknown, row: { cmd: string }) => seen.push(`default:${row.cmd}`),
    };
    queue.store({ cmd: 'addUser', data: { name: 'ann' } }, model, callbacks);
    queue.store({ cmd: 'noted', data: {} }, modelSetup({ stub: true, default: () => 'ok' }), callbacks);
    expect(seen).toEqual(['addUser:ann', 'default:noted']);
    queue.close();
    model._close();
  });

  it('a model set up before the queue on the same file shares its connection (atomic)', () => {
    const dbName = tmp.file();
    const model = usersModel(dbName);
    const queue = initQueue({ dbName });
    expect(model._db).toBe(queue.db);
    expect(() => queue.store({ cmd: 'addUser', data: { name: 'boom' } }, model)).toThrow(EventRejectedError);
    expect(userCount(model)).toBe(0);
    queue.close();
    // The model still holds the connection; the last user closes it.
    expect(model._db.open).toBe(true);
    model._close();
    expect(model._db.open).toBe(false);
  });

  it('with a model in another file the event commits first and model failures go to _error', () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const model = usersModel(tmp.file('model'));
    const _error = vi.fn();
    expect(queue.store({ cmd: 'addUser', data: { name: 'ann' } }, model, { _error })).toEqual({ id: 1, name: 'ann' });
    expect(queue.store({ cmd: 'addUser', data: { name: 'boom' } }, model, { _error })).toBeUndefined();
    expect(queue.retrieveByID(2)).toMatchObject({ cmd: 'addUser' });
    expect(_error).toHaveBeenCalledWith(expect.objectContaining({ id: 2, rolledBack: false }));
    // The failing method's partial insert was rolled back in the model's own transaction.
    expect(userNames(model)).toEqual(['ann']);
    queue.close();
    model._close();
  });

  it('bad input: missing cmd and non-serialisable data are typed errors and nothing is written', () => {
    const { queue } = setup();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => queue.store({ data: {} } as never)).toThrow(ValidationError);
    expect(() => queue.store({ cmd: 'x', data: cyclic })).toThrow(/cannot be serialised/);
    expect(() => queue.store({ cmd: 'x', data: { n: 10n } })).toThrow(ValidationError);
    expect(() => queue.store({ cmd: 'x', data: { f: () => 1 } })).toThrow(/data\.f/);
    expect(() => queue.store({ cmd: 'x', data: { m: new Map() } })).toThrow(/data\.m/);
    expect(() => queue.store({ cmd: 'x', data: { n: Number.NaN } })).toThrow(/NaN/);
    expect(() => queue.store({ cmd: 'x', expectedVersion: 1 })).toThrow(/no `stream`/);
    expect(queue.db.prepare('SELECT count(*) FROM queue').pluck().get()).toBe(0);
    queue.close();
  });

  it('optimistic concurrency: expectedVersion checks the stream and stream_version counts up', () => {
    const { queue } = setup();
    const first = queue.store({ cmd: 'open', stream: 'order-7', expectedVersion: 0 });
    expect(first).toBeUndefined();
    queue.store({ cmd: 'add', stream: 'order-7', expectedVersion: 1 });
    queue.store({ cmd: 'note', stream: 'order-7' });
    expect(queue.getStreamVersion('order-7')).toBe(3);
    expect(() => queue.store({ cmd: 'add', stream: 'order-7', expectedVersion: 2 })).toThrow(ConflictError);
    expect(() => queue.store({ cmd: 'open', stream: 'order-7', expectedVersion: 0 })).toThrow(/at version 0, but it is at 3/);
    expect(queue.retrieveByID(3)).toMatchObject({ stream: 'order-7', stream_version: 3 });
    expect(queue.retrieveByID(4)).toBeUndefined();
    queue.close();
  });

  it('onEventStored hooks run inside the transaction; a throwing hook rolls the event back; unregistering works', () => {
    const { queue, model } = setup();
    queue.db.exec('CREATE TABLE outbox (event_id INTEGER)');
    const insert = queue.db.prepare('INSERT INTO outbox (event_id) VALUES (?)');
    const off = queue.onEventStored<{ name?: string }>((row) => {
      expect(queue.db.inTransaction).toBe(true);
      insert.run(row.id);
      if (row.data.name === 'hookfail') throw new Error('hook failed');
    });
    queue.store({ cmd: 'addUser', data: { name: 'ann' } }, model);
    expect(() => queue.store({ cmd: 'addUser', data: { name: 'hookfail' } }, model)).toThrow(EventRejectedError);
    expect(queue.db.prepare('SELECT event_id FROM outbox').pluck().all()).toEqual([1]);
    expect(userNames(model)).toEqual(['ann']);
    off();
    queue.store({ cmd: 'addUser', data: { name: 'hookfail' } }, model);
    expect(queue.db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(1);
    expect(userCount(model)).toBe(2);
    queue.close();
    model._close();
  });

  it('a store from inside a model method commits with the outer event, or not at all', () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const model = modelSetup({
      dbName,
      methods: () => ({
        parent(data: { fail?: boolean }, meta: { id: number }) {
          queue.store({ cmd: 'child', causationId: meta.id });
          if (data.fail) throw new Error('parent failed');
          return 'ok';
        },
        child: () => 'child-done',
      }),
    });
    expect(queue.store({ cmd: 'parent', data: {} }, model)).toBe('ok');
    expect(() => queue.store({ cmd: 'parent', data: { fail: true } }, model)).toThrow(EventRejectedError);
    expect(queue.db.prepare('SELECT cmd FROM queue ORDER BY id').pluck().all()).toEqual(['parent', 'child']);
    queue.close();
    model._close();
  });
});

describe('queue.transaction', () => {
  it('commits several stores together and runs their callbacks after the commit, or rolls all back', () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    const model = usersModel(dbName);
    const seen: boolean[] = [];
    const callbacks = { _default: () => seen.push(queue.db.inTransaction) };
    queue.transaction(() => {
      queue.store({ cmd: 'addUser', data: { name: 'a' } }, model, callbacks);
      queue.store({ cmd: 'addUser', data: { name: 'b' } }, model, callbacks);
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual([false, false]);
    expect(() =>
      queue.transaction(() => {
        queue.store({ cmd: 'addUser', data: { name: 'c' } }, model, callbacks);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(userNames(model)).toEqual(['a', 'b']);
    expect(seen).toHaveLength(2);
    queue.close();
    model._close();
  });
});

describe('newCorrelationId', () => {
  it('makes version-7 UUIDs that sort by creation time', async () => {
    const { newCorrelationId } = await import('../../src/events/index.js');
    const a = newCorrelationId(1_700_000_000_000);
    const b = newCorrelationId(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    // 48-bit big-endian milliseconds, then the version nibble.
    expect(a.slice(0, 15)).toBe('018bcfe5-6800-7');
    expect(newCorrelationId(0).slice(0, 15)).toBe('00000000-0000-7');
    // Ids of the same millisecond share the time part and differ in the random part.
    const same = Array.from({ length: 1000 }, () => newCorrelationId(1_700_000_000_000));
    expect(new Set(same.map((id) => id.slice(0, 14))).size).toBe(1);
    expect(new Set(same).size).toBe(1000);
    expect(new Set(Array.from({ length: 1000 }, () => newCorrelationId())).size).toBe(1000);
  });
});
