/** queue._queries: eventlite's prepared statements by name, on s3lite's schema. */
import { describe, expect, it } from 'vitest';
import { initQueue } from '../../../src/events/index.js';
import { useTempDir } from '../helpers.js';

const { file } = useTempDir();

describe('queue._queries', () => {
  it('getLastRow, getRowByID, getByCorrelationId, getChildEvents and the counts read the stored events', () => {
    const queue = initQueue({ dbName: file() });
    expect(queue._queries.getLastRow.get()).toBeNull();
    queue.store({ cmd: 'a', user: 'ann', correlationId: 'c1' });
    queue.store({ cmd: 'b', user: 'ann', causationId: 1 });
    queue.store({ cmd: 'a', user: 'bob' });
    expect(queue._queries.getLastRow.get().id).toBe(3);
    expect(queue._queries.getRowByID.get({ id: 2 })).toMatchObject({ id: 2, cmd: 'b', correlation_id: 'c1', causation_id: 1, data: '{}' });
    expect(queue._queries.getRowByID.get(2).cmd).toBe('b');
    expect(queue._queries.getByCorrelationId.all({ correlationId: 'c1' }).map((r: { id: number }) => r.id)).toEqual([1, 2]);
    expect(queue._queries.getChildEvents.all({ causationId: 1 }).map((r: { id: number }) => r.id)).toEqual([2]);
    expect(queue._queries.countEventsByUser.get({ user: 'ann' }).count).toBe(2);
    expect(queue._queries.countEventsByCmd.get({ cmd: 'a' }).count).toBe(2);
    expect(queue._queries.getEventsByCmdPaginated.all({ cmd: 'a', limit: 1, offset: 0 })).toHaveLength(1);
    expect(queue._queries.cycle.all({ start: 2, offset: 0 }).map((r: { id: number }) => r.id)).toEqual([2, 3]);
    expect(queue._queries.cycleStop.all({ start: 1, stop: 3, offset: 0 }).map((r: { id: number }) => r.id)).toEqual([1, 2]);
    queue.close();
  });

  it('storeRow and bulkInsert write rows that the queue reads back (after clearCache)', () => {
    const queue = initQueue({ dbName: file() });
    const row = queue._queries.storeRow.get({
      version: 1, datetime: 5, user: 'u', ip: '', cmd: 'raw', data: '{"x":1}', correlation_id: 'k', causation_id: null, metadata: '{}',
    });
    expect(row).toMatchObject({ id: 1, cmd: 'raw', data: '{"x":1}' });
    queue._queries.bulkInsert.run(1, 6, 'u', '', 'raw2', '{}', 'k', 1, '{}');
    queue.clearCache();
    expect(queue.getTransaction('k').map((e) => e.cmd)).toEqual(['raw', 'raw2']);
    expect(queue.retrieveByID(1)!.data).toEqual({ x: 1 });
    queue.close();
  });

  it('with risky: true, _queries.drop and _queries.create rebuild the table', () => {
    const queue = initQueue({ dbName: file(), risky: true });
    const plain = initQueue({ dbName: file() });
    expect(plain._queries.drop).toBeUndefined();
    plain.close();
    queue.store({ cmd: 'a' });
    queue._queries.drop.run();
    queue._queries.create.run();
    queue.clearCache();
    expect(queue._queries.getLastRow.get()).toBeNull();
    queue.close();
  });
});
