import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, NotFoundError, ValidationError } from '../../src/core/errors.js';
import { ExecutorPool } from '../../src/core/executor-pool.js';
import { CATALOGUE_KEY, S3db, WRITE_METHODS, type DocumentIndex, type S3dbPlugin, type WriteChange } from '../../src/docs/index.js';
import { createClient } from '../../src/storage/index.js';
import { openTestDb, type TestDb } from './helpers.js';

describe('S3db', () => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('validates options up front with typed errors', () => {
    expect(() => new S3db({} as never)).toThrow(ValidationError);
    expect(() => new S3db({ connectionString: 'memory://a/b', nope: 1 } as never)).toThrow(/nope/);
    expect(() => new S3db({ connectionString: 'memory://a/b', passphrase: '' })).toThrow(ValidationError);
    expect(() => new S3db({ connectionString: 'memory://a/b', executorPool: { concurrency: 0 } })).toThrow(ValidationError);
    expect(() => new S3db({ connectionString: 'memory://a/b', logLevel: 'loud' as never })).toThrow(ValidationError);
    expect(() => new S3db({ connectionString: 'memory://a/b', plugins: [{} as never] })).toThrow(ValidationError);
  });

  it('exposes client, executorPool and capabilities; accepts a shared ExecutorPool instance', async () => {
    const pool = new ExecutorPool({ concurrency: 7 });
    const db = new S3db({ connectionString: 'memory://shared-pool/db', executorPool: pool });
    // As in s3db.js, the client exists before connect() (connect probes it and reads the catalogue).
    expect(db.client.kind).toBe('memory');
    await db.connect();
    expect(db.executorPool).toBe(pool);
    expect(db.client.kind).toBe('memory');
    expect(db.capabilities?.conditionalWrites).toBe(true);
    await db.disconnect();
    // The database did not own the pool: it still runs work.
    expect(await pool.run(async () => 42)).toBe(42);
    await pool.close();
  });

  it('bad resource definitions fail with typed errors and write nothing', async () => {
    t = await openTestDb('memory');
    t.store.reset();
    await expect(t.db.createResource({ name: 'a/b', attributes: { x: 'string' } })).rejects.toBeInstanceOf(ValidationError);
    await expect(t.db.createResource({ name: 'r', attributes: { x: 'strnig' } })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(t.db.createResource({ name: 'r', attributes: { id: 'strnig' } })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(t.db.createResource({ name: 'r', attributes: { x: 5 as never } })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(t.db.createResource({ name: 'r', attributes: { x: 'string' }, behavior: 'shrink' as never })).rejects.toBeInstanceOf(ValidationError);
    await expect(t.db.createResource({ name: 'r', attributes: { x: 'string' }, partitions: { byY: { fields: { y: 'string' } } } })).rejects.toBeInstanceOf(ValidationError);
    await expect(t.db.createResource({ name: 'r', attributes: { x: 'string' }, colour: 'red' } as never)).rejects.toBeInstanceOf(ValidationError);
    expect(t.store.counts.putObject ?? 0).toBe(0);
    expect(() => t!.db.getResource('r')).toThrow(NotFoundError);
  });

  it('createResource is idempotent: the same definition gives the same resource without rewriting the catalogue', async () => {
    t = await openTestDb('memory');
    const def = { name: 'users', attributes: { name: 'string' }, partitions: { byName: { fields: { name: 'string' } } }, asyncPartitions: false };
    const first = await t.db.createResource(def);
    t.store.reset();
    const again = await t.db.createResource(def);
    expect(again).toBe(first);
    expect(t.store.counts.putObject ?? 0).toBe(0);
    expect(first.definition.partitions).toEqual({ byName: { fields: { name: 'string' } } });
    expect(first.definition.asyncPartitions).toBe(false);
    expect(t.db.resources.users).toBe(first);
    expect(t.db.getResource('users')).toBe(first);
  });

  it('a changed definition is a new schema version; old documents stay readable and keys stay stable', async () => {
    t = await openTestDb('file');
    const v1 = await t.db.createResource({ name: 'people', attributes: { name: 'string', legacy: 'string|optional' } });
    const old = await v1.insert({ name: 'Ann', legacy: 'kept' });
    const v2 = await t.db.createResource({ name: 'people', attributes: { name: 'string', age: 'number|optional' } });
    expect(v1.version).toBe('1');
    expect(v2.version).toBe('2');
    expect(v2.mapping.name).toBe(v1.mapping.name);
    expect(v2.mapping.legacy).toBe(v1.mapping.legacy);
    expect(v2.mapping.age).not.toBe(v1.mapping.legacy);
    expect(await v2.get(old.id)).toStrictEqual(old);
    const fresh = await v2.insert({ name: 'Ben', age: 3 });
    expect(await v2.get(fresh.id)).toStrictEqual(fresh);
    // Updating migrates the document to the current version.
    expect(await v2.update(old.id, { age: 50 })).toStrictEqual({ id: old.id, name: 'Ann', age: 50 });
    expect(t.db.listResources()).toEqual([{ name: 'people', version: '2', versions: ['1', '2'], behavior: 'user-managed', attributes: ['name', 'age'] }]);

    // Another process sees the catalogue: resources are usable right after connect.
    const other = await t.reopen();
    expect(other.resources.people?.version).toBe('2');
    expect(await other.getResource('people').get(fresh.id)).toStrictEqual(fresh);
  });

  for (const backend of ['memory', 'file'] as const) {
    it(`two processes creating resources at once keep each other's catalogue changes on ${backend}://`, async () => {
      t = await openTestDb(backend);
      const other = await t.reopen();
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? t!.db : other).createResource({ name: `r${i}`, attributes: { v: 'string' } })),
      );
      const third = await t.reopen();
      expect(third.listResources().map((r) => r.name).sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    });
  }

  it('refuses a catalogue it did not write', async () => {
    const store = createClient('memory://foreign-catalogue/db');
    await store.putObject({ key: CATALOGUE_KEY, body: JSON.stringify({ version: '1', s3dbVersion: '21.2.10', resources: {} }) });
    const db = new S3db({ client: store, logLevel: 'silent' });
    await expect(db.connect()).rejects.toBeInstanceOf(ConfigurationError);
    await store.clear();
  });

  it('usePlugin runs setup(db) and start(); a middleware plugin can cache reads and invalidate before a write resolves', async () => {
    t = await openTestDb('memory');
    const events: string[] = [];
    // A tiny real read-through cache for get(), keyed by id.
    class TinyGetCache implements S3dbPlugin {
      readonly name = 'tiny-get-cache';
      readonly cache = new Map<string, unknown>();
      hits = 0;
      setup(db: S3db) {
        events.push(`setup:${db.isConnected}`);
        const attach = (resource: import('../../src/docs/index.js').Resource) =>
          resource.use(async (call, next) => {
            if (call.method === 'get') {
              const key = `${call.resource.name}:${String(call.args[0])}`;
              if (this.cache.has(key)) {
                this.hits++;
                return structuredClone(this.cache.get(key));
              }
              const value = await next();
              this.cache.set(key, structuredClone(value));
              return value;
            }
            const result = await next();
            if (WRITE_METHODS.has(call.method)) this.cache.clear();
            return result;
          });
        for (const resource of Object.values(db.resources)) attach(resource);
        db.on('resourceCreated', attach);
      }
      start() {
        events.push('start');
      }
      stop() {
        events.push('stop');
      }
    }
    const plugin = await t.db.usePlugin(new TinyGetCache());
    expect(t.db.plugins).toContain(plugin);
    const notes = await t.db.createResource({ name: 'notes', attributes: { text: 'string' } });
    const doc = await notes.insert({ text: 'one' });
    t.store.reset();
    await notes.get(doc.id);
    await notes.get(doc.id);
    expect(plugin.hits).toBe(1);
    expect(t.store.counts.getObject).toBe(1);
    await notes.patch(doc.id, { text: 'two' });
    expect((await notes.get(doc.id)).text).toBe('two');
    await t.db.disconnect();
    expect(events).toEqual(['setup:true', 'start', 'stop']);
  });

  it('plugins given to the constructor are installed at connect', async () => {
    const seen: string[] = [];
    const db = new S3db({ connectionString: 'memory://ctor-plugins/db', plugins: [{ name: 'p', setup: (d) => void seen.push(d.client.kind) }] });
    expect(seen).toEqual([]);
    await db.connect();
    expect(seen).toEqual(['memory']);
    await db.disconnect();
  });

  it('the partitions seam: a DocumentIndex sees (before, after) of every write and can narrow query candidates', async () => {
    t = await openTestDb('memory');
    const orders = await t.db.createResource({ name: 'orders', attributes: { status: 'string', amount: 'number' } });
    // A tiny real index: status → ids, kept from the changes it is fed.
    const changes: WriteChange[] = [];
    const byStatus = new Map<string, Set<string>>();
    const index: DocumentIndex = {
      name: 'byStatus',
      async onWrite(change) {
        changes.push(change);
        if (change.before) byStatus.get(String(change.before.status))?.delete(change.id);
        if (change.after) {
          const set = byStatus.get(String(change.after.status)) ?? new Set();
          set.add(change.id);
          byStatus.set(String(change.after.status), set);
        }
      },
      candidates(filter) {
        if (typeof filter.status !== 'string') return undefined;
        const ids = [...(byStatus.get(filter.status) ?? [])];
        return (async function* () {
          yield* ids;
        })();
      },
    };
    orders.addIndex(index);
    await orders.insert({ id: 'a', status: 'open', amount: 1 });
    await orders.insert({ id: 'b', status: 'open', amount: 2 });
    await orders.insert({ id: 'c', status: 'closed', amount: 3 });
    await orders.update('b', { status: 'closed' });
    await orders.delete('a');
    expect(changes.map((c) => [c.kind, c.id, c.before?.status ?? null, c.after?.status ?? null])).toEqual([
      ['insert', 'a', null, 'open'],
      ['insert', 'b', null, 'open'],
      ['insert', 'c', null, 'closed'],
      ['update', 'b', 'open', 'closed'],
      ['delete', 'a', 'open', null],
    ]);
    t.store.reset();
    const closed = await orders.query({ status: 'closed' });
    expect(closed.map((d) => d.id).sort()).toEqual(['b', 'c']);
    expect(t.store.counts).toEqual({ getObject: 2 });
  });
});
