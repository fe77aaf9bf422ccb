import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/core/errors.js';
import type { Resource } from '../../src/docs/index.js';
import { openTestDb, type Backend, type TestDb } from './helpers.js';

const BACKENDS: Backend[] = ['memory', 'file', 's3rver'];
/** Per-backend expectations: s3rver does not enforce If-None-Match / If-Match. */
const ENFORCES_CONDITIONS: Record<Backend, boolean> = { memory: true, file: true, s3rver: false, rgw: true };

const attributes = {
  name: 'string|min:2|max:100',
  email: 'email',
  age: 'number|integer|positive|optional',
  active: 'boolean|optional',
  tags: 'array|items:string|optional',
  born: 'date|optional',
  note: 'string|optional',
  address: { city: 'string', zip: 'string|optional' },
};

for (const backend of BACKENDS) {
  describe(`Resource on ${backend}://`, () => {
    let t: TestDb;
    let users: Resource;

    beforeAll(async () => {
      t = await openTestDb(backend);
      users = await t.db.createResource({ name: 'users', attributes, timestamps: true });
    });
    afterAll(() => t.cleanup());

    it('insert then get returns exactly what was inserted, with generated url-safe id and timestamps', async () => {
      const input = { name: 'Alice', email: 'alice@example.com', age: 30, tags: ['a', 'b'], born: new Date('1990-01-02T03:04:05.006Z'), address: { city: 'Lisbon' } };
      const doc = await users.insert(input);
      expect(doc.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(typeof doc.createdAt).toBe('string');
      const got = await users.get(doc.id);
      expect(got).toStrictEqual(doc);
      expect(got).toMatchObject(input);
      expect(input).not.toHaveProperty('id');
    });

    it('stores documents at resource=<name>/data/id=<id>', async () => {
      const doc = await users.insert({ id: 'layout-1', name: 'Lay', email: 'l@example.com', address: { city: 'X' } });
      const head = await t.db.client.headObject({ key: 'resource=users/data/id=layout-1' });
      expect(head.etag).toBeTruthy();
      expect(doc.id).toBe('layout-1');
    });

    it('invalid data throws a ValidationError listing every failing field and writes nothing', async () => {
      const before = await users.count();
      t.store.reset();
      const err = await users.insert({ name: 'A', email: 'nope', age: -1, address: { city: 5 }, extra: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      const fields = (err as ValidationError).errors.map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['name', 'email', 'age', 'address.city']));
      expect(fields.length).toBeGreaterThanOrEqual(5);
      expect(t.store.counts.putObject ?? 0).toBe(0);
      expect(await users.count()).toBe(before);
    });

    it('rejects bad ids with a ValidationError before any request', async () => {
      t.store.reset();
      for (const id of ['a/b', '', 'x\u0000y', 'tab\there', 'é'.repeat(200), 42]) {
        await expect(users.insert({ id: id as string, name: 'Bad', email: 'b@example.com', address: { city: 'X' } })).rejects.toBeInstanceOf(ValidationError);
        await expect(users.get(id as string)).rejects.toBeInstanceOf(ValidationError);
      }
      expect(t.store.total).toBe(0);
    });

    it('probes whether the store enforces conditional writes', () => {
      expect(t.db.capabilities?.conditionalWrites).toBe(ENFORCES_CONDITIONS[backend]);
    });

    it.skipIf(!ENFORCES_CONDITIONS[backend])('insert of an existing id is a ConflictError and keeps the original', async () => {
      await users.insert({ id: 'dup', name: 'First', email: 'f@example.com', address: { city: 'X' } });
      await expect(users.insert({ id: 'dup', name: 'Second', email: 's@example.com', address: { city: 'Y' } })).rejects.toBeInstanceOf(ConflictError);
      expect((await users.get('dup')).name).toBe('First');
    });

    it('get, update, patch, delete of a missing id throw NotFoundError (replace creates it, as in s3db.js)', async () => {
      await expect(users.get('missing')).rejects.toBeInstanceOf(NotFoundError);
      await expect(users.update('missing', { name: 'Zed' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(users.patch('missing', { name: 'Zed' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(users.delete('missing')).rejects.toBeInstanceOf(NotFoundError);
      expect(await users.exists('missing')).toBe(false);
    });

    it('update deep-merges, patch sets top-level fields, replace replaces', async () => {
      const doc = await users.insert({ name: 'Bob', email: 'bob@example.com', age: 40, address: { city: 'Porto', zip: '4000' } });
      const updated = await users.update(doc.id, { address: { city: 'Braga' } });
      expect(updated.address).toEqual({ city: 'Braga', zip: '4000' });
      expect(updated.age).toBe(40);
      expect(await users.get(doc.id)).toStrictEqual(updated);

      const patched = await users.patch(doc.id, { address: { city: 'Faro' } });
      expect(patched.address).toEqual({ city: 'Faro' });

      const replaced = await users.replace(doc.id, { name: 'Bobby', email: 'bobby@example.com', address: { city: 'Evora' } });
      expect(replaced.age).toBeUndefined();
      expect(replaced.createdAt).toBe(doc.createdAt);
      expect(await users.get(doc.id)).toStrictEqual(replaced);
    });

    it('update that breaks the schema throws ValidationError and leaves the document as it was', async () => {
      const doc = await users.insert({ name: 'Carol', email: 'carol@example.com', address: { city: 'X' } });
      await expect(users.update(doc.id, { email: 'not-an-email' })).rejects.toBeInstanceOf(ValidationError);
      await expect(users.update(doc.id, { id: 'other' })).rejects.toBeInstanceOf(ValidationError);
      expect(await users.get(doc.id)).toStrictEqual(doc);
    });

    it('upsert inserts a new document and merges into an existing one', async () => {
      const a = await users.upsert({ id: 'up-1', name: 'Up', email: 'up@example.com', address: { city: 'X' } });
      expect(a.name).toBe('Up');
      const b = await users.upsert({ id: 'up-1', name: 'Upper' });
      expect(b).toMatchObject({ id: 'up-1', name: 'Upper', email: 'up@example.com' });
    });

    it('delete removes the document and returns it', async () => {
      const doc = await users.insert({ name: 'Dan', email: 'dan@example.com', address: { city: 'X' } });
      expect(await users.delete(doc.id)).toStrictEqual(doc);
      expect(await users.exists(doc.id)).toBe(false);
    });

    it('insertMany and deleteMany report every item, failures included, in input order', async () => {
      const items = [
        { id: 'm1', name: 'Many1', email: 'm1@example.com', address: { city: 'X' } },
        { id: 'm2', name: 'M', email: 'm2@example.com', address: { city: 'X' } },
        { id: 'm3', name: 'Many3', email: 'm3@example.com', address: { city: 'X' } },
      ];
      await users.insert({ id: 'm0', name: 'Many0', email: 'm0@example.com', address: { city: 'X' } });
      if (ENFORCES_CONDITIONS[backend]) items.push({ id: 'm0', name: 'Again', email: 'm1@example.com', address: { city: 'X' } });
      const results = await users.insertMany(items);
      expect(results.map((r) => r.ok)).toEqual([true, false, true, false].slice(0, items.length));
      expect(results[1]).toMatchObject({ index: 1, ok: false, id: 'm2' });
      expect(!results[1]?.ok && results[1]?.error).toBeInstanceOf(ValidationError);
      if (ENFORCES_CONDITIONS[backend]) expect(!results[3]?.ok && results[3]?.error).toBeInstanceOf(ConflictError);
      expect((await users.getMany(['m1', 'm2', 'm3'])).map((d) => d?.id ?? null)).toEqual(['m1', null, 'm3']);

      const deleted = await users.deleteMany(['m1', 'nope', 'm3']);
      expect(deleted.map((r) => r.ok)).toEqual([true, false, true]);
      expect(!deleted[1]?.ok && deleted[1]?.error).toBeInstanceOf(NotFoundError);
    });
  });
}

describe('listing on memory:// and file://', () => {
  for (const backend of ['memory', 'file'] as const) {
    describe(backend, () => {
      let t: TestDb;
      let items: Resource;
      const N = 2345;

      beforeAll(async () => {
        t = await openTestDb(backend);
        items = await t.db.createResource({ name: 'items', attributes: { n: 'number|integer', kind: 'string' } });
        const results = await items.insertMany(Array.from({ length: N }, (_, n) => ({ id: `i${String(n).padStart(5, '0')}`, n, kind: n % 3 === 0 ? 'fizz' : 'plain' })));
        expect(results.every((r) => r.ok)).toBe(true);
      });
      afterAll(() => t.cleanup());

      it('s3db.js defect: list() without limit silently returned at most 1000; here it returns every document', async () => {
        const all = await items.list();
        expect(all).toHaveLength(N);
        expect(await items.count()).toBe(N);
        expect(await items.listIds()).toHaveLength(N);
      });

      it('list and listIds honour limit and offset in id order', async () => {
        const ids = await items.listIds({ offset: 1500, limit: 3 });
        expect(ids).toEqual(['i01500', 'i01501', 'i01502']);
        const docs = await items.list({ offset: 2344, limit: 10 });
        expect(docs.map((d) => d.id)).toEqual(['i02344']);
        expect(await items.list({ limit: 0 })).toEqual([]);
      });

      it('s3db.js defect: offset paging cost O(n^2) LIST calls; page() walks with one LIST per page via an opaque cursor', async () => {
        t.store.reset();
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await items.page({ size: 500, cursor });
          seen.push(...page.items.map((d) => d.id));
          cursor = page.nextCursor;
          pages++;
        } while (cursor);
        expect(seen).toHaveLength(N);
        expect(new Set(seen).size).toBe(N);
        expect(t.store.counts.listObjects).toBe(pages);
        expect(pages).toBe(5);
      });

      it('query scans with a filter, limit and offset', async () => {
        const fizz = await items.query({ kind: 'fizz' });
        expect(fizz).toHaveLength(Math.ceil(N / 3));
        expect(fizz.every((d) => (d.n as number) % 3 === 0)).toBe(true);
        const some = await items.query({ kind: 'fizz' }, { offset: 2, limit: 2 });
        expect(some.map((d) => d.n)).toEqual([6, 9]);
        expect(await items.query({ kind: 'none' })).toEqual([]);
      });

      it('stream() yields every document in order with bounded read-ahead', async () => {
        let count = 0;
        let last = '';
        for await (const doc of items.stream({ readAhead: 8 })) {
          expect(doc.id > last).toBe(true);
          last = doc.id;
          count++;
        }
        expect(count).toBe(N);
        // Breaking early leaves nothing dangling.
        for await (const doc of items.stream()) {
          expect(doc.id).toBe('i00000');
          break;
        }
      });

      it('rejects bad list options with typed errors', async () => {
        await expect(items.list({ limit: -1 })).rejects.toBeInstanceOf(ValidationError);
        await expect(items.page({ size: 0 })).rejects.toBeInstanceOf(ValidationError);
        await expect(items.page({ cursor: 'garbage' })).rejects.toBeInstanceOf(ValidationError);
        await expect(items.query('status' as never)).rejects.toBeInstanceOf(ValidationError);
      });
    });
  }
});

describe('events and hooks', () => {
  it('emit inserted/updated/deleted and run before/after hooks in order', async () => {
    const t = await openTestDb('memory');
    try {
      const calls: string[] = [];
      const notes = await t.db.createResource({
        name: 'notes',
        attributes: { text: 'string', slug: 'string|optional' },
        hooks: {
          beforeInsert: (data) => ({ ...data, slug: String(data.text).toLowerCase() }),
          afterInsert: [(doc) => void calls.push(`afterInsert:${String(doc.slug)}`)],
          beforeUpdate: (_data, ctx) => void calls.push(`beforeUpdate:${String(ctx.before?.text)}`),
          afterUpdate: (doc) => void calls.push(`afterUpdate:${String(doc.text)}`),
          beforeDelete: (doc) => void calls.push(`beforeDelete:${String(doc.text)}`),
          afterDelete: (doc) => void calls.push(`afterDelete:${String(doc.text)}`),
        },
      });
      notes.on('inserted', (doc) => calls.push(`inserted:${doc.id}`));
      notes.on('updated', (doc, before) => calls.push(`updated:${before.text}->${doc.text}`));
      notes.on('deleted', (doc) => calls.push(`deleted:${doc.id}`));
      const doc = await notes.insert({ id: 'n1', text: 'Hello' });
      expect(doc.slug).toBe('hello');
      await notes.update('n1', { text: 'Bye' });
      await notes.delete('n1');
      expect(calls).toEqual([
        'afterInsert:hello',
        'inserted:n1',
        'beforeUpdate:Hello',
        'afterUpdate:Bye',
        'updated:Hello->Bye',
        'beforeDelete:Bye',
        'afterDelete:Bye',
        'deleted:n1',
      ]);

      notes.addHook('beforeInsert', () => {
        throw new ValidationError('blocked by hook');
      });
      t.store.reset();
      await expect(notes.insert({ text: 'x' })).rejects.toThrow('blocked by hook');
      expect(t.store.counts.putObject ?? 0).toBe(0);
    } finally {
      await t.cleanup();
    }
  });
});

describe('ids', () => {
  it('uses idGenerator and idSize; rejects a generator that returns a bad id before any request', async () => {
    const t = await openTestDb('memory');
    try {
      let n = 0;
      const seq = await t.db.createResource({ name: 'seq', attributes: { v: 'number' }, idGenerator: () => `order-${++n}` });
      expect((await seq.insert({ v: 1 })).id).toBe('order-1');
      const short = await t.db.createResource({ name: 'short', attributes: { v: 'number' }, idSize: 8 });
      expect((await short.insert({ v: 1 })).id).toMatch(/^[A-Za-z0-9_-]{8}$/);
      const bad = await t.db.createResource({ name: 'bad', attributes: { v: 'number' }, idGenerator: () => 'a/b' });
      t.store.reset();
      await expect(bad.insert({ v: 1 })).rejects.toBeInstanceOf(ValidationError);
      expect(t.store.total).toBe(0);
      await expect(t.db.createResource({ name: 'x', attributes: { v: 'number' }, idSize: 2 })).rejects.toBeInstanceOf(ValidationError);
      await expect(t.db.createResource({ name: 'x', attributes: { v: 'number' }, idGenerator: 'sequential' as never })).rejects.toBeInstanceOf(ValidationError);
    } finally {
      await t.cleanup();
    }
  });
});
