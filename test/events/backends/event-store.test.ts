/**
 * The async queue's feature suite: every case runs on every backend
 * (SQLite and PostgreSQL), through `openQueue` only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClosedError, ConflictError, ValidationError } from '../../../src/core/errors.js';
import { EventRejectedError, openQueue, type AsyncModel, type EventStore } from '../../../src/events/index.js';
import { BACKENDS, freshQueue } from './backends.js';

/** A users model: `userAdded` inserts a row and throws for the name 'boom'. */
async function usersModel(queue: EventStore): Promise<AsyncModel> {
  return queue.modelSetup({
    tables: (db) => db.exec('CREATE TABLE IF NOT EXISTS users (name TEXT NOT NULL, event_id INTEGER NOT NULL)'),
    queries: (db) => ({
      add: db.query('INSERT INTO users (name, event_id) VALUES ($name, $id)'),
      count: db.query('SELECT count(*) AS n FROM users'),
      names: db.query('SELECT name FROM users ORDER BY event_id'),
    }),
    methods: (q) => ({
      async userAdded(data: { name: string }, meta) {
        await q.add.run({ name: data.name, id: meta.id });
        if (data.name === 'boom') throw new Error('no booms');
        return { added: data.name, id: meta.id };
      },
    }),
  });
}

async function userNames(model: AsyncModel): Promise<string[]> {
  return (await model.all('names')).map((r: { name: string }) => r.name);
}

for (const backend of BACKENDS) {
  const available = await backend.available();

  describe.skipIf(!available)(`openQueue on ${backend.name}`, () => {
    let queue: EventStore;
    let connectionString: string;
    let done: () => Promise<void>;

    beforeEach(async () => {
      ({ queue, connectionString, done } = await freshQueue(backend));
    });

    afterEach(async () => {
      await done();
    });

    it('names its backend', () => {
      expect(queue.backend).toBe(backend.name);
    });

    it('stores an event and reads it back by id, with eventlite row fields', async () => {
      await queue.store({ cmd: 'noted', data: { n: 1, nested: { ok: true } }, user: 'ann', ip: '10.0.0.1', metadata: { source: 'test' } });
      const row = await queue.retrieveByID(1);
      expect(row).toMatchObject({
        id: 1,
        version: 1,
        user: 'ann',
        ip: '10.0.0.1',
        cmd: 'noted',
        data: { n: 1, nested: { ok: true } },
        causation_id: null,
        metadata: { source: 'test' },
        stream: null,
        stream_version: null,
      });
      expect(typeof row!.datetime).toBe('number');
      expect(row!.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await queue.retrieveByID(99)).toBeNull();
    });

    it('keeps the data as it was when store was called, and rejects an invalid event', async () => {
      const data = { n: 1, list: [1] };
      const metadata = { tag: 'a' };
      const pending = queue.store({ cmd: 'copied', data, metadata });
      data.n = 2;
      data.list.push(2);
      metadata.tag = 'b';
      await pending;
      expect(await queue.retrieveByID(1)).toMatchObject({ data: { n: 1, list: [1] }, metadata: { tag: 'a' } });
      await expect(queue.store({ cmd: '' })).rejects.toBeInstanceOf(ValidationError);
    });

    it('inherits the correlation of the causing event and groups a transaction', async () => {
      await queue.store({ cmd: 'orderPlaced', data: {}, correlationId: 'order-1' });
      await queue.store({ cmd: 'orderPaid', data: {}, causationId: 1 });
      await queue.store({ cmd: 'other', data: {} });
      const tx = await queue.getTransaction('order-1');
      expect(tx.map((r) => [r.id, r.cmd, r.causation_id])).toEqual([
        [1, 'orderPlaced', null],
        [2, 'orderPaid', 1],
      ]);
      // An orphan causation id is stored as given, with a fresh correlation id (eventlite's behaviour).
      await queue.store({ cmd: 'orphan', causationId: 42 });
      const stored = await queue.retrieveByID(4);
      expect(stored?.causation_id).toBe(42);
      expect(stored?.correlation_id).not.toBe('order-1');
    });

    it('caches reads and reports cache stats; writes invalidate a cached transaction', async () => {
      await queue.store({ cmd: 'a', correlationId: 'c' });
      expect(await queue.getTransactionCached('c')).toHaveLength(1);
      expect(await queue.getTransactionCached('c')).toHaveLength(1);
      await queue.store({ cmd: 'b', correlationId: 'c' });
      expect(await queue.getTransactionCached('c')).toHaveLength(2);
      const first = await queue.retrieveByIDCached(1);
      expect(Object.isFrozen(first)).toBe(true);
      const stats = await queue.getCacheStats();
      expect(stats.enabled).toBe(true);
      expect(stats.hits).toBeGreaterThanOrEqual(1);
      await queue.clearCache();
      expect((await queue.getCacheStats()).size).toBe(0);
    });

    it('pages by correlation, user, cmd and time with totals', async () => {
      let t = 1_000;
      const local = await freshQueue(backend, { datetime: () => (t += 10) });
      try {
        const q = local.queue;
        for (let i = 0; i < 5; i++) await q.store({ cmd: i % 2 ? 'odd' : 'even', user: 'u1', correlationId: 'corr', data: { i } });
        const page = await q.getByCorrelationIdPaginated('corr', { limit: 2, offset: 0 });
        expect(page.events.map((e) => (e.data as { i: number }).i)).toEqual([0, 1]);
        expect(page).toMatchObject({ totalCount: 5, hasMore: true, nextOffset: 2 });
        const last = await q.getByCorrelationIdPaginated('corr', { limit: 2, offset: 4 });
        expect(last).toMatchObject({ totalCount: 5, hasMore: false, nextOffset: null });
        const empty = await q.getByCorrelationIdPaginated('corr', { limit: 2, offset: 10 });
        expect(empty).toMatchObject({ events: [], totalCount: 5, hasMore: false });
        expect((await q.getByUserPaginated('u1', { limit: 10 })).events.map((e) => (e.data as { i: number }).i)).toEqual([4, 3, 2, 1, 0]);
        expect((await q.getByCmdPaginated('odd')).events.map((e) => (e.data as { i: number }).i)).toEqual([3, 1]);
        expect((await q.getByTimeRangePaginated(1_020, 1_040)).events.map((e) => (e.data as { i: number }).i)).toEqual([3, 2, 1]);
        expect((await q.getChildEventsPaginated(1)).totalCount).toBe(0);
        await expect(q.getByCmdPaginated('odd', { limit: 0 })).rejects.toBeInstanceOf(ValidationError);
      } finally {
        await local.done();
      }
    });

    it('numbers stream versions and enforces expectedVersion with ConflictError', async () => {
      await queue.store({ cmd: 'opened', stream: 'acct-1', expectedVersion: 0 });
      await queue.store({ cmd: 'deposited', stream: 'acct-1', expectedVersion: 1 });
      await queue.store({ cmd: 'noted', stream: 'acct-1' });
      expect(await queue.getStreamVersion('acct-1')).toBe(3);
      expect(await queue.getStreamVersion('acct-2')).toBe(0);
      const err = await queue.store({ cmd: 'deposited', stream: 'acct-1', expectedVersion: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).details).toMatchObject({ stream: 'acct-1', expectedVersion: 1, actualVersion: 3 });
      const rows = await queue.getTransaction((await queue.retrieveByID(1))!.correlation_id!);
      expect(rows).toHaveLength(1);
      await expect(queue.store({ cmd: 'x', expectedVersion: 0 })).rejects.toBeInstanceOf(ValidationError);
    });

    it('group-commits 100 concurrent stores; a conflicting one fails alone', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) => queue.store({ cmd: 'tick', data: { i }, stream: i === 50 ? 'solo' : undefined, expectedVersion: i === 50 ? 5 : undefined })),
      );
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect((results[50] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      const all: number[] = [];
      for await (const batch of queue.streamEvents({ batchSize: 7 })) all.push(...batch.map((e) => (e.data as { i: number }).i));
      expect(all).toHaveLength(99);
      expect(new Set(all).size).toBe(99);
    });

    it('storeBulk writes every event or none', async () => {
      const stored = await queue.storeBulk([{ cmd: 'a', data: { i: 1 } }, { cmd: 'b', data: { i: 2 }, stream: 's', expectedVersion: 0 }]);
      expect(stored.map((s) => [s.row.id, s.row.cmd, s.row.stream_version])).toEqual([
        [1, 'a', null],
        [2, 'b', 1],
      ]);
      await expect(queue.storeBulk([{ cmd: 'c' }, { cmd: '' }])).rejects.toBeInstanceOf(ValidationError);
      await expect(queue.storeBulk([{ cmd: 'c' }, { cmd: 'd', stream: 's', expectedVersion: 0 }])).rejects.toBeInstanceOf(ConflictError);
      let count = 0;
      for await (const batch of queue.streamEvents()) count += batch.length;
      expect(count).toBe(2);
      expect(await queue.storeBulk([])).toEqual([]);
    });

    it('runs the model in the event transaction: both commit, or neither', async () => {
      const model = await usersModel(queue);
      const seen: string[] = [];
      const errors: string[] = [];
      const callbacks = { userAdded: (result: { added: string }) => seen.push(result.added), _error: (r: { msg: string }) => errors.push(r.msg) };
      const outcomes = await Promise.allSettled(['ann', 'boom', 'bob'].map((name) => queue.store({ cmd: 'userAdded', data: { name } }, model, callbacks)));
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(EventRejectedError);
      expect(await userNames(model)).toEqual(['ann', 'bob']);
      expect(seen.sort()).toEqual(['ann', 'bob']);
      expect(errors).toHaveLength(1);
      let events = 0;
      for await (const batch of queue.streamEvents()) events += batch.filter((e) => e.cmd === 'userAdded').length;
      expect(events).toBe(2);
      await expect(queue.storeBulk([{ cmd: 'userAdded', data: { name: 'cy' } }, { cmd: 'userAdded', data: { name: 'boom' } }], model)).rejects.toBeInstanceOf(EventRejectedError);
      expect(await userNames(model)).toEqual(['ann', 'bob']);
      const bulk = await queue.storeBulk([{ cmd: 'userAdded', data: { name: 'cy' } }], model);
      expect(bulk[0]!.result).toEqual({ added: 'cy', id: bulk[0]!.row.id });
      expect((await model.get('count')).n).toBe(3);
    });

    it('a model method throwing in a group-committed batch rolls back only its event; no method runs twice', async () => {
      const calls: string[] = [];
      const model = await queue.modelSetup({
        tables: (db) => db.exec('CREATE TABLE IF NOT EXISTS notes (name TEXT NOT NULL)'),
        queries: (db) => ({ add: db.query('INSERT INTO notes (name) VALUES ($name)'), names: db.query('SELECT name FROM notes ORDER BY name') }),
        methods: (q) => ({
          async noted({ name }: { name: string }) {
            calls.push(name); // a side effect outside the database: must happen once per event
            await q.add.run({ name });
            if (name.startsWith('boom')) throw new Error('no booms');
            return name;
          },
        }),
      });
      const names = ['a', 'b', 'boom1', 'c', 'boom2', 'd'];
      // Stored at once: after the first, they wait for the writer and go in one batch.
      const results = await Promise.allSettled(names.map((name) => queue.store({ cmd: 'noted', data: { name }, stream: 'notes' }, model)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(EventRejectedError);
      expect(calls.sort()).toEqual([...names].sort());
      expect((await model.all('names')).map((r: { name: string }) => r.name)).toEqual(['a', 'b', 'c', 'd']);
      // The stream has no hole where the rejected events were.
      const rows: Array<[string, number | null]> = [];
      for await (const batch of queue.streamEvents()) rows.push(...batch.map((e): [string, number | null] => [(e.data as { name: string }).name, e.stream_version]));
      expect(rows).toEqual([['a', 1], ['b', 2], ['c', 3], ['d', 4]]);
      // Quotes, backslashes and the like come back as stored (the savepoint path writes literals).
      const tricky = { name: 'e', text: "it's a \\ back\\slash; ünïcode 😀, $1 ? E'x' \n\t", nested: { q: '"' } };
      await queue.store({ cmd: 'noted', data: tricky, user: "o'brien", metadata: { why: "\\'" } }, model);
      const last = (await queue.getByCmdPaginated('noted', { limit: 1 })).events[0]!;
      expect(last).toMatchObject({ data: tricky, user: "o'brien", metadata: { why: "\\'" } });
      expect(await queue.retrieveByID(last.id)).toMatchObject({ data: tricky });
    });

    it('two queues racing on one stream with a model: every event gets the next version, each method runs once', { timeout: 60_000 }, async () => {
      const other = await openQueue({ connectionString });
      try {
        const calls: string[] = [];
        const setup = (q: EventStore) =>
          q.modelSetup({ methods: () => ({ async raced({ tag }: { tag: string }) { calls.push(tag); } }) });
        const models = [await setup(queue), await setup(other)];
        const stores = [queue, other].flatMap((q, k) =>
          Array.from({ length: 40 }, (_, i) => q.store({ cmd: 'raced', data: { tag: `${k}-${i}` }, stream: 'hot' }, models[k])),
        );
        await Promise.all(stores);
        expect(calls.sort()).toEqual([0, 1].flatMap((k) => Array.from({ length: 40 }, (_, i) => `${k}-${i}`)).sort());
        const versions: number[] = [];
        for await (const batch of queue.streamEvents()) versions.push(...batch.map((e) => e.stream_version!));
        expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      } finally {
        await other.close();
      }
    });

    it('onEventStored hooks run in the event transaction before the model: a throwing hook rejects only its event', async () => {
      const model = await usersModel(queue);
      const seen: string[] = [];
      const unsubscribe = queue.onEventStored(async (row) => {
        const { name } = row.data as { name: string };
        seen.push(name);
        await model._db.query('INSERT INTO users (name, event_id) VALUES ($name, $id)').run({ name: `hook:${name}`, id: row.id });
        if (name === 'veto') throw new Error('vetoed by the hook');
      });
      const results = await Promise.allSettled(['ann', 'veto', 'bob'].map((name) => queue.store({ cmd: 'userAdded', data: { name } }, model)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const error = (results[1] as PromiseRejectedResult).reason as EventRejectedError;
      expect(error).toBeInstanceOf(EventRejectedError);
      expect(error.handler).toBe('hook');
      expect(seen.sort()).toEqual(['ann', 'bob', 'veto']);
      // The hook's write and the model's commit or roll back with their event.
      expect((await userNames(model)).sort()).toEqual(['ann', 'bob', 'hook:ann', 'hook:bob']);
      await expect(queue.storeBulk([{ cmd: 'userAdded', data: { name: 'cy' } }, { cmd: 'userAdded', data: { name: 'veto' } }], model)).rejects.toBeInstanceOf(EventRejectedError);
      expect(await userNames(model)).toHaveLength(4);
      unsubscribe();
      await queue.store({ cmd: 'userAdded', data: { name: 'veto2' } }, model);
      expect(seen).toHaveLength(5); // cy and veto of the bulk, not veto2
      expect(() => queue.onEventStored('nope' as never)).toThrow(ValidationError);
    });

    it('refuses a model made by another queue', async () => {
      const other = await freshQueue(backend);
      try {
        const foreign = await usersModel(other.queue);
        await expect(queue.store({ cmd: 'userAdded', data: { name: 'x' } }, foreign)).rejects.toBeInstanceOf(ValidationError);
      } finally {
        await other.done();
      }
    });

    it('streams batches in id order with filters and bounds', async () => {
      await queue.storeBulk(Array.from({ length: 25 }, (_, i) => ({ cmd: i % 5 === 0 ? 'five' : 'other', user: i < 10 ? 'early' : 'late', data: { i } })));
      const batches: number[][] = [];
      for await (const batch of queue.streamEvents({ batchSize: 10 })) batches.push(batch.map((e) => e.id));
      expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
      expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      const fives: number[] = [];
      for await (const batch of queue.streamEvents({ cmd: 'five', startId: 2, endId: 20 })) fives.push(...batch.map((e) => (e.data as { i: number }).i));
      expect(fives).toEqual([5, 10, 15]);
      const early: number[] = [];
      for await (const batch of queue.streamEvents({ user: 'early', batchSize: 3 })) early.push(...batch.map((e) => e.id));
      expect(early).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      await expect(queue.streamEvents({ batchSize: 0 }).next()).rejects.toBeInstanceOf(ValidationError);
    });

    it('replays the log into a model with cycleThrough, reporting failing events', async () => {
      const names = ['a', 'b', 'boom', 'c'];
      await queue.storeBulk(names.map((name) => ({ cmd: 'userAdded', data: { name } })));
      const model = await usersModel(queue);
      const replayed: string[] = [];
      let finished = false;
      const summary = await queue.cycleThrough(
        model,
        () => {
          finished = true;
        },
        { userAdded: (r: { added: string }) => replayed.push(r.added), _error: () => {} },
      );
      expect(finished).toBe(true);
      expect(summary).toEqual({ count: 4, lastId: 4, failed: 1 });
      expect(replayed).toEqual(['a', 'b', 'c']);
      expect(await userNames(model)).toEqual(['a', 'b', 'c']);
      const partial = await queue.cycleThrough(model, undefined, undefined, { start: 2, stop: 4 });
      expect(partial).toEqual({ count: 2, lastId: 3, failed: 1 });
    });

    it('imports a JSONL export into a fresh queue: same bytes back, re-import skipped, other content refused', async () => {
      await queue.storeBulk(Array.from({ length: 30 }, (_, i) => ({ cmd: 'noted', data: { i, s: 'a"b\\c' }, stream: i % 3 === 0 ? 'st' : undefined })));
      const dir = mkdtempSync(join(tmpdir(), 's3lite-import-'));
      try {
        await queue.exportToJSONL(join(dir, 'a.jsonl'));
        const other = await freshQueue(backend);
        try {
          expect(await other.queue.importFromJSONL(join(dir, 'a.jsonl'))).toMatchObject({ imported: 30, skipped: 0, firstId: 1, lastId: 30 });
          expect(await other.queue.importFromJSONL(join(dir, 'a.jsonl'))).toMatchObject({ imported: 0, skipped: 30 });
          await other.queue.exportToJSONL(join(dir, 'b.jsonl'));
          expect(readFileSync(join(dir, 'b.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'a.jsonl'), 'utf8'));
          // The log goes on after the imported ids.
          await other.queue.store({ cmd: 'next', stream: 'st', expectedVersion: 10 });
          expect((await other.queue.retrieveByID(31))?.stream_version).toBe(11);
          const changed = readFileSync(join(dir, 'a.jsonl'), 'utf8').replace('"cmd":"noted"', '"cmd":"changed"');
          writeFileSync(join(dir, 'c.jsonl'), changed);
          await expect(other.queue.importFromJSONL(join(dir, 'c.jsonl'))).rejects.toBeInstanceOf(ConflictError);
          expect(await other.queue.retrieveByID(32)).toBeNull();
        } finally {
          await other.done();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('closes idempotently and refuses work afterwards', async () => {
      const pending = queue.store({ cmd: 'last' });
      await queue.close();
      await expect(pending).resolves.toBeUndefined();
      await queue.close();
      await expect(queue.store({ cmd: 'late' })).rejects.toBeInstanceOf(ClosedError);
      // afterEach closes again: harmless.
    });
  });
}
