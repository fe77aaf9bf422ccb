import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/core/errors.js';
import type { Resource } from '../../src/docs/index.js';
import { openTestDb, type TestDb } from './helpers.js';

describe('request economy (counted through the store)', () => {
  let t: TestDb;
  let orders: Resource;

  beforeAll(async () => {
    t = await openTestDb('memory');
    orders = await t.db.createResource({ name: 'orders', attributes: { customerId: 'string', status: 'string', amount: 'number' } });
  });
  afterAll(() => t.cleanup());

  it('insert is exactly one conditional PUT', async () => {
    t.store.reset();
    await orders.insert({ id: 'o1', customerId: 'c1', status: 'open', amount: 10 });
    expect(t.store.log).toEqual([{ method: 'putObject', key: 'resource=orders/data/id=o1', ifNoneMatch: '*' }]);
  });

  it('get is exactly one request', async () => {
    t.store.reset();
    await orders.get('o1');
    expect(t.store.counts).toEqual({ getObject: 1 });
  });

  it('s3db.js defect: a missing key cost 4 GETs and 7 s of retries; here a missing get is exactly one request', async () => {
    t.store.reset();
    await expect(orders.get('nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(t.store.counts).toEqual({ getObject: 1 });
  });

  it('update is one GET and one PUT conditional on the ETag read', async () => {
    t.store.reset();
    await orders.update('o1', { status: 'paid' });
    expect(t.store.log.map((e) => e.method)).toEqual(['getObject', 'putObject']);
    expect(t.store.log[1]?.ifMatch).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('patch and replace are one GET and one conditional PUT', async () => {
    t.store.reset();
    await orders.patch('o1', { amount: 11 });
    await orders.replace('o1', { customerId: 'c2', status: 'open', amount: 12 });
    expect(t.store.log.map((e) => e.method)).toEqual(['getObject', 'putObject', 'getObject', 'putObject']);
    expect(t.store.log.every((e) => e.method !== 'putObject' || e.ifMatch !== undefined)).toBe(true);
  });

  it('exists is one HEAD; delete is one GET (for hooks and indexes), one DELETE, and one DELETE of its binary content', async () => {
    t.store.reset();
    expect(await orders.exists('o1')).toBe(true);
    expect(t.store.counts).toEqual({ headObject: 1 });
    t.store.reset();
    await orders.delete('o1');
    // Content (setContent) is its own object, so it goes with its document: a re-inserted id never shows old content.
    expect(t.store.log.map((e) => e.method)).toEqual(['getObject', 'deleteObject', 'deleteObject']);
  });

  it('count and listIds cost one LIST per 1000 keys, list adds one GET per document', async () => {
    await orders.insertMany(Array.from({ length: 1500 }, (_, i) => ({ customerId: `c${i}`, status: 'open', amount: i })));
    t.store.reset();
    expect(await orders.count()).toBe(1500);
    expect(t.store.counts).toEqual({ listObjects: 2 });
    t.store.reset();
    await orders.list();
    expect(t.store.counts).toEqual({ listObjects: 2, getObject: 1500 });
  });

  it('s3db.js defect: the executor pool was bypassed by memory:// and by list; here every call goes through it', async () => {
    const before = t.db.executorPool.stats().completed;
    t.store.reset();
    await orders.get((await orders.listIds({ limit: 1 }))[0] as string);
    await orders.count();
    const after = t.db.executorPool.stats().completed;
    expect(after - before).toBe(t.store.total);
  });

  it('per-call priority reaches the pool: a high-priority get overtakes queued low-priority work', async () => {
    const pool = t.db.executorPool;
    const saved = pool.concurrency;
    pool.concurrency = 1;
    try {
      const ids = await orders.listIds({ limit: 20 });
      const order: string[] = [];
      const low = ids.slice(0, 10).map((id) => orders.get(id, { priority: 0 }).then(() => order.push('low')));
      const high = orders.get(ids[19] as string, { priority: 100 }).then(() => order.push('high'));
      await Promise.all([...low, high]);
      // The first low task was already running; the high one runs right after it.
      expect(order.indexOf('high')).toBeLessThanOrEqual(1);
    } finally {
      pool.concurrency = saved;
    }
  });

  it('an aborted signal cancels the call before any request', async () => {
    t.store.reset();
    const controller = new AbortController();
    controller.abort();
    await expect(orders.get('o1', { signal: controller.signal })).rejects.toThrow();
    expect(t.store.total).toBe(0);
  });
});
