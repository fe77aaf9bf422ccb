import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { initQueue } from '../../src/events/index.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir();

describe('cached reads', () => {
  it('defect "the cache is never invalidated by store()": getTransactionCached sees new events', async () => {
    const queue = initQueue({ dbName: tmp.file() });
    queue.store({ cmd: 'a', correlationId: 'c1' });
    expect(queue.getTransactionCached('c1')).toHaveLength(1);
    queue.store({ cmd: 'b', correlationId: 'c1' });
    expect(queue.getTransactionCached('c1')).toHaveLength(2);
    queue.storeBulk([{ cmd: 'c', correlationId: 'c1' }]);
    expect(queue.getTransactionCached('c1')).toHaveLength(3);
    await queue.storeAsync({ cmd: 'd', correlationId: 'c1' });
    expect(queue.getTransactionCached('c1').map((e) => e.cmd)).toEqual(['a', 'b', 'c', 'd']);
    queue.close();
  });

  it('two queues on one file in one process (one shared connection): a write by either invalidates the other', () => {
    const file = tmp.file();
    const a = initQueue({ dbName: file });
    const b = initQueue({ dbName: file });
    expect(a.db).toBe(b.db);
    a.store({ cmd: 'x', correlationId: 'c' });
    expect(b.getTransactionCached('c')).toHaveLength(1);
    expect(b.retrieveByIDCached(1)?.cmd).toBe('x');
    a.store({ cmd: 'y', correlationId: 'c' });
    expect(b.getTransactionCached('c').map((e) => e.cmd)).toEqual(['x', 'y']);
    // A rolled-back write: the other queue read its row inside the transaction, and forgets it.
    expect(() =>
      a.transaction(() => {
        a.store({ cmd: 'z', correlationId: 'd' });
        expect(b.getTransactionCached('d')).toHaveLength(1);
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(b.getTransactionCached('d')).toHaveLength(0);
    // clearCache (after SQL written directly) empties every queue's cache on the connection.
    a.db.prepare(`INSERT INTO queue (datetime, cmd, correlation_id) VALUES (0, 'sql', 'c')`).run();
    a.clearCache();
    expect(b.getTransactionCached('c')).toHaveLength(3);
    b.close();
    expect(a.getTransactionCached('c')).toHaveLength(3);
    a.close();
  });

  it('invalidates exactly the affected entries', () => {
    const queue = initQueue({ dbName: tmp.file() });
    queue.store({ cmd: 'a', correlationId: 'A' });
    queue.store({ cmd: 'b', correlationId: 'B' });
    queue.getTransactionCached('A');
    queue.getTransactionCached('B');
    queue.retrieveByIDCached(1);
    queue.store({ cmd: 'a2', correlationId: 'A' });
    const before = queue.getCacheStats();
    queue.getTransactionCached('B');
    queue.retrieveByIDCached(1);
    queue.getTransactionCached('A');
    const after = queue.getCacheStats();
    expect(after.hits - before.hits).toBe(2);
    expect(after.misses - before.misses).toBe(1);
    queue.close();
  });

  it('an event cached by a read inside a rolled-back transaction is dropped from the cache', () => {
    const queue = initQueue({ dbName: tmp.file() });
    queue.store({ cmd: 'warm' });
    queue.retrieveByIDCached(1);
    queue.onEventStored((row) => {
      queue.retrieveByIDCached(row.id);
      queue.getTransactionCached(row.correlation_id!);
      if (row.cmd === 'fail') throw new Error('rejected');
    });
    expect(() => queue.store({ cmd: 'fail', correlationId: 'c' })).toThrow();
    expect(queue.retrieveByIDCached(2)).toBeUndefined();
    expect(queue.getTransactionCached('c')).toEqual([]);
    queue.close();
  });

  it('defect "callers receive the cached objects and can corrupt them": cached values are frozen', () => {
    const queue = initQueue({ dbName: tmp.file() });
    queue.store({ cmd: 'a', data: { name: 'ann', tags: ['x'] }, correlationId: 'c' });
    const first = queue.retrieveByIDCached(1)!;
    expect(() => {
      (first.data as { name: string }).name = 'mallory';
    }).toThrow(TypeError);
    expect(() => (first.data as { tags: string[] }).tags.push('y')).toThrow(TypeError);
    const tx = queue.getTransactionCached('c');
    expect(() => (tx as unknown[]).pop()).toThrow(TypeError);
    expect(queue.retrieveByIDCached(1)!.data).toEqual({ name: 'ann', tags: ['x'] });
    // Uncached reads are the caller's own objects.
    const own = queue.retrieveByID<{ name: string }>(1)!;
    own.data.name = 'changed';
    expect(queue.retrieveByID<{ name: string }>(1)!.data.name).toBe('ann');
    queue.close();
  });

  it('defect "getCacheStats has no hits/misses": stats count hits, misses, evictions', () => {
    const queue = initQueue({ dbName: tmp.file(), cache: { maxSize: 2 } });
    for (let i = 0; i < 3; i++) queue.store({ cmd: 'a' });
    queue.retrieveByIDCached(1);
    queue.retrieveByIDCached(1);
    queue.retrieveByIDCached(2);
    queue.retrieveByIDCached(3);
    expect(queue.getCacheStats()).toEqual({ enabled: true, hits: 1, misses: 3, evictions: 1, size: 2, maxSize: 2, ttl: 300000, hitRate: 0.25 });
    queue.clearCache();
    expect(queue.getCacheStats().size).toBe(0);
    expect(queue.retrieveByIDCached(99)).toBeUndefined();
    queue.close();
    const off = initQueue({ dbName: tmp.file(), cache: { enabled: false } });
    off.store({ cmd: 'a' });
    expect(off.retrieveByIDCached(1)!.cmd).toBe('a');
    expect(off.getCacheStats()).toMatchObject({ enabled: false, hits: 0, misses: 0 });
    off.close();
  });
});

describe('pagination', () => {
  it('pagination consistency: pages cover every event once, with totals and nextOffset', () => {
    const queue = initQueue({ dbName: tmp.file() });
    queue.storeBulk(Array.from({ length: 250 }, (_, i) => ({ cmd: i % 2 ? 'odd' : 'even', user: 'u', correlationId: 'big', data: { i } })));
    const seen: number[] = [];
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const page = queue.getByCorrelationIdPaginated('big', { limit: 100, offset });
      expect(page.totalCount).toBe(250);
      seen.push(...page.events.map((e) => e.id));
      offset = page.nextOffset;
      expect(page.hasMore).toBe(offset !== null);
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(queue.getByCorrelationIdPaginated('big', { offset: 300 })).toEqual({ events: [], totalCount: 250, hasMore: false, nextOffset: null });
    const byCmd = queue.getByCmdPaginated('odd', { limit: 10 });
    expect(byCmd.totalCount).toBe(125);
    expect(byCmd.events[0]!.id).toBe(250);
    expect(queue.getByUserPaginated('u', { limit: 1 }).totalCount).toBe(250);
    expect(queue.getEventsByUserPaginated('nobody').totalCount).toBe(0);
    expect(queue.getByTimeRangePaginated(new Date(0), Date.now() + 1000, { limit: 5 }).events).toHaveLength(5);
    expect(queue.getChildEventsPaginated(1).totalCount).toBe(0);
    expect(() => queue.getByCmdPaginated('odd', { limit: 0 })).toThrow(/limit/);
    queue.close();
  });

  it('defect "pagination reads the count and the page in two snapshots": totals match pages while another connection writes', async () => {
    const dbName = tmp.file();
    const queue = initQueue({ dbName });
    queue.store({ cmd: 'seed', correlationId: 'hot' });
    const require = createRequire(import.meta.url);
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const Database = require(workerData.driver);
       const db = new Database(workerData.file, { timeout: 5000 });
       db.pragma('synchronous = OFF');
       const insert = db.prepare("INSERT INTO queue (version, datetime, user, ip, cmd, data, correlation_id, metadata) VALUES (1, ?, '', '', 'w', '{}', 'hot', '{}')");
       parentPort.postMessage('started');
       const end = Date.now() + workerData.ms;
       while (Date.now() < end) insert.run(Date.now());
       db.close();`,
      { eval: true, workerData: { driver: require.resolve('better-sqlite3'), file: dbName, ms: 400 } },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    let checks = 0;
    const end = Date.now() + 300;
    while (Date.now() < end) {
      const page = queue.getByCorrelationIdPaginated('hot', { limit: 1_000_000 });
      expect(page.events.length).toBe(page.totalCount);
      checks++;
    }
    await exited;
    expect(checks).toBeGreaterThan(0);
    expect(queue.getByCorrelationIdPaginated('hot', { limit: 1 }).totalCount).toBeGreaterThan(1);
    queue.close();
  });
});
