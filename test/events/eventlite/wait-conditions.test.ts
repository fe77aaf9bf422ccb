/** eventlite's wait conditions (docs/event-wait.md): pending events kept durably and released atomically. */
import { describe, expect, it, vi } from 'vitest';
import { initQueue, modelSetup } from '../../../src/events/index.js';
import { useTempDir, usersModel, userNames } from '../helpers.js';

const { file } = useTempDir();

function ordersModel(dbName: string) {
  return modelSetup({
    dbName,
    tables(db) {
      db.query('CREATE TABLE IF NOT EXISTS log (cmd TEXT, orderId INTEGER)').run();
    },
    queries(db) {
      return { add: db.query('INSERT INTO log VALUES ($cmd, $orderId)'), all: db.query('SELECT cmd FROM log ORDER BY rowid') };
    },
    methods(q) {
      const record = (cmd: string) => (data: { orderId?: number; fail?: boolean }) => {
        if (data.fail) throw new Error(`${cmd} failed`);
        q.add.run({ cmd, orderId: data.orderId ?? 0 });
        return cmd;
      };
      return {
        paymentReceived: record('paymentReceived'),
        inventoryChecked: record('inventoryChecked'),
        shipOrder: record('shipOrder'),
        vote: record('vote'),
        step: record('step'),
        approve: record('approve'),
      };
    },
  });
}

const logged = (model: ReturnType<typeof ordersModel>) => (model._queries.all.all() as Array<{ cmd: string }>).map((r) => r.cmd);

describe('storeWhen', () => {
  it('all: the pending event is stored in the same transaction as the event that satisfies it', () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = ordersModel(dbName);
    const shipped = vi.fn();
    const cb = { shipOrder: shipped, _default() {}, _error: vi.fn() };
    const result = queue.storeWhen(
      {
        cmd: 'shipOrder',
        data: { orderId: 1 },
        correlationId: 'order-1',
        waitFor: { all: [{ pattern: 'paymentReceived', correlationId: 'order-1' }, { pattern: 'inventoryChecked', correlationId: 'order-1' }] },
      },
      model,
      cb,
    );
    expect(result).toEqual({ pendingEventId: 1, status: 'pending' });
    expect(queue.getPendingEventsByCorrelation('order-1')).toHaveLength(1);
    queue.store({ cmd: 'paymentReceived', data: { orderId: 1 }, correlationId: 'order-1' }, model, cb);
    expect(logged(model)).toEqual(['paymentReceived']);
    const conditions = queue._queries.getWaitConditions.all({ pending_event_id: 1 }) as Array<{ satisfied: number }>;
    expect(conditions.map((c) => c.satisfied)).toEqual([1, 0]);
    queue.store({ cmd: 'inventoryChecked', data: { orderId: 1 }, correlationId: 'order-1' }, model, cb);
    expect(logged(model)).toEqual(['paymentReceived', 'inventoryChecked', 'shipOrder']);
    expect(queue.retrieveByID(3)).toMatchObject({ cmd: 'shipOrder', correlation_id: 'order-1' });
    expect(shipped).toHaveBeenCalledTimes(1);
    expect(queue.getPendingEventsByStatus('executed').map((p) => p.id)).toEqual([1]);
    expect(queue.getPendingEventsByCorrelation('order-1')).toEqual([]);
    queue.close();
    model._close();
  });

  it('release is atomic: when the satisfying event rolls back, the pending event stays pending', () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = ordersModel(dbName);
    queue.storeWhen({ cmd: 'shipOrder', correlationId: 'o', waitFor: { any: [{ pattern: 'paymentReceived', correlationId: 'o' }] } }, model, {});
    expect(() => queue.store({ cmd: 'paymentReceived', data: { fail: true }, correlationId: 'o' }, model)).toThrow(/paymentReceived failed/);
    expect(queue.retrieveByID(1)).toBeUndefined();
    expect(queue.getPendingEventsByStatus('pending')).toHaveLength(1);
    expect(logged(model)).toEqual([]);
    queue.store({ cmd: 'paymentReceived', correlationId: 'o' }, model);
    expect(logged(model)).toEqual(['paymentReceived', 'shipOrder']);
    queue.close();
    model._close();
  });

  it('a released event whose model throws is rolled back alone and left ready; executeReadyEvents stores it later', () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = ordersModel(dbName);
    const _error = vi.fn();
    queue.storeWhen({ cmd: 'shipOrder', data: { fail: true }, correlationId: 'o', waitFor: { all: [{ pattern: 'approve', correlationId: 'o' }] } }, model, { _error });
    queue.store({ cmd: 'approve', correlationId: 'o' }, model, { _error });
    expect(logged(model)).toEqual(['approve']);
    expect(_error).toHaveBeenCalledTimes(1);
    expect(queue.getPendingEventsByStatus('ready')).toHaveLength(1);
    expect(queue.checkAllPendingEvents().map((p) => p.id)).toEqual([1]);
    const failing = queue.executeReadyEvents(model, { _error });
    expect(failing).toEqual([]);
    const fixed = modelSetup({ stub: true, default: () => 'done by stub' });
    const done = queue.executeReadyEvents(fixed, { _default() {} });
    expect(done).toEqual([{ pendingEvent: expect.objectContaining({ id: 1, status: 'executed' }), result: 'done by stub' }]);
    expect(queue.retrieveByID(2)!.cmd).toBe('shipOrder');
    queue.close();
    model._close();
  });

  it('count with where operators, sequence in order, already-satisfied conditions run at once', () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = ordersModel(dbName);
    queue.storeWhen(
      { cmd: 'approve', correlationId: 'p', waitFor: { count: { pattern: 'vote', correlationId: 'p', count: 2, where: { score: { $gte: 5 }, decision: 'yes' } } } },
      model,
      {},
    );
    queue.store({ cmd: 'vote', data: { score: 9, decision: 'yes' }, correlationId: 'p' }, model);
    queue.store({ cmd: 'vote', data: { score: 2, decision: 'yes' }, correlationId: 'p' }, model);
    queue.store({ cmd: 'vote', data: { score: 7, decision: 'no' }, correlationId: 'p' }, model);
    expect(logged(model)).toEqual(['vote', 'vote', 'vote']);
    queue.store({ cmd: 'vote', data: { score: 5, decision: 'yes' }, correlationId: 'p' }, model);
    expect(logged(model).at(-1)).toBe('approve');

    // Sequence: b before a does not count; a then b does.
    queue.storeWhen(
      { cmd: 'shipOrder', correlationId: 's', waitFor: { sequence: [{ pattern: 'paymentReceived', correlationId: 's' }, { pattern: 'inventoryChecked', correlationId: 's' }] } },
      model,
      {},
    );
    queue.store({ cmd: 'inventoryChecked', correlationId: 's' }, model);
    queue.store({ cmd: 'paymentReceived', correlationId: 's' }, model);
    expect(logged(model).includes('shipOrder')).toBe(false);
    queue.store({ cmd: 'inventoryChecked', correlationId: 's' }, model);
    expect(logged(model).at(-1)).toBe('shipOrder');

    // Conditions that already hold: stored at once.
    expect(queue.storeWhen({ cmd: 'step', correlationId: 's', waitFor: { any: [{ pattern: 'paymentReceived', correlationId: 's' }] } }, model, {})).toMatchObject({
      status: 'executed',
    });
    expect(logged(model).at(-1)).toBe('step');
    queue.close();
    model._close();
  });

  it('timeout, expirePendingEvents (calls _timeout), cancelPendingEvent; expired and cancelled events never run', () => {
    const dbName = file();
    let now = 1_000;
    const queue = initQueue({ dbName, datetime: () => now });
    const model = ordersModel(dbName);
    const _timeout = vi.fn();
    const a = queue.storeWhen({ cmd: 'shipOrder', correlationId: 't', waitFor: { all: [{ pattern: 'approve', correlationId: 't' }] }, timeout: 100 }, model, { _timeout });
    const b = queue.storeWhen({ cmd: 'step', correlationId: 't', waitFor: { all: [{ pattern: 'approve', correlationId: 't' }] } }, model, {});
    expect(queue.cancelPendingEvent(b.pendingEventId)).toBe(true);
    expect(queue.cancelPendingEvent(b.pendingEventId)).toBe(false);
    now = 1_200;
    const expired = queue.expirePendingEvents();
    expect(expired.map((p) => p.id)).toEqual([a.pendingEventId]);
    expect(_timeout).toHaveBeenCalledWith(expect.objectContaining({ cmd: 'shipOrder' }), expect.objectContaining({ id: a.pendingEventId }));
    queue.store({ cmd: 'approve', correlationId: 't' }, model);
    expect(logged(model)).toEqual(['approve']);
    expect(queue.getPendingEventsByStatus('expired')).toHaveLength(1);
    expect(queue.getPendingEventsByStatus('cancelled')).toHaveLength(1);
    queue.close();
    model._close();
  });

  it('pending events survive a restart and are released with the queue fallback model', () => {
    const dbName = file();
    const first = initQueue({ dbName });
    const model1 = usersModel(dbName);
    first.storeWhen({ cmd: 'addUser', data: { name: 'late' }, correlationId: 'r', waitFor: { all: [{ pattern: 'go', correlationId: 'r' }] } }, model1, {});
    first.close();
    model1._close();
    const queue = initQueue({ dbName });
    const model = usersModel(dbName);
    queue._model = model;
    queue.store({ cmd: 'go', correlationId: 'r' }, modelSetup({ stub: true, default: () => null }));
    expect(userNames(model)).toEqual(['late']);
    expect(() => queue.storeWhen({ cmd: 'x', waitFor: { sometimes: [] } as never })).toThrow(/waitFor\.sometimes/);
    expect(() => queue.storeWhen({ waitFor: { all: [] } } as never)).toThrow(/cmd/);
    // Without waitFor, storeWhen is store.
    expect(queue.storeWhen({ cmd: 'addUser', data: { name: 'now' } }, model)).toMatchObject({ name: 'now' });
    queue.close();
    model._close();
  });
});
