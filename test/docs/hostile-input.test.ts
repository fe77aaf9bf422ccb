/**
 * Issue 12 item 11: hostile input to insert()/update() (and the other write
 * methods) gets a ValidationError naming the field, never a RangeError, and
 * nothing is written; prototype keys in nested objects are dropped.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_NESTING_DEPTH, S3db, ValidationError, type Resource } from '../../src/index.js';

let db: S3db;
let things: Resource;

beforeEach(async () => {
  db = new S3db({ connectionString: `memory://hostile-${Date.now()}-${Math.random().toString(36).slice(2)}/db`, logLevel: 'silent' });
  await db.connect();
  things = await db.createResource({ name: 'things', attributes: { name: 'string', meta: 'object|optional', tags: 'array|optional' } });
  await things.insert({ id: 't1', name: 'first', meta: { keep: 1 } });
});

afterEach(() => db.disconnect());

function nestedObject(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let node = root;
  for (let i = 0; i < levels; i++) {
    const next: Record<string, unknown> = {};
    node.d = next;
    node = next;
  }
  return root;
}

function nestedArray(levels: number): unknown[] {
  const root: unknown[] = [];
  let node = root;
  for (let i = 0; i < levels; i++) {
    const next: unknown[] = [];
    node.push(next);
    node = next;
  }
  return root;
}

class Point {
  constructor(
    public x = 1,
    public y = 2,
  ) {}
}

/** The error of `call`, which must be a ValidationError naming `field` (and never a RangeError). */
async function validationError(call: () => Promise<unknown>, field: string | RegExp): Promise<ValidationError> {
  const error = await call().then(() => undefined, (e: unknown) => e);
  expect(error).not.toBeInstanceOf(RangeError);
  expect(error).toBeInstanceOf(ValidationError);
  const fields = (error as ValidationError).errors.map((e) => e.field);
  expect(fields.some((f) => (typeof field === 'string' ? f === field : field.test(f))), `fields: ${fields.join(', ')}`).toBe(true);
  return error as ValidationError;
}

async function unchanged(): Promise<void> {
  expect(await things.get('t1')).toEqual({ id: 't1', name: 'first', meta: { keep: 1 } });
  expect(await things.count()).toBe(1);
}

describe('hostile input: a ValidationError naming the field, nothing written', () => {
  it('an own __proto__ key at the top level (as JSON.parse makes it)', async () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "name": "x"}') as Record<string, unknown>;
    for (const call of [() => things.update('t1', hostile), () => things.patch('t1', hostile), () => things.replace('t1', hostile), () => things.insert(hostile), () => things.upsert({ ...hostile, id: 't1' })]) {
      await validationError(call, '__proto__');
    }
    await unchanged();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it(`an object nested 10,000 deep (limit: ${MAX_NESTING_DEPTH} levels) and an array nested 10,000 deep`, async () => {
    const error = await validationError(() => things.update('t1', { meta: nestedObject(10_000) }), /^meta\.d\.d/);
    expect(error.message).toMatch(new RegExp(`nested more than ${MAX_NESTING_DEPTH} levels`));
    // The field name of a 10,000-level path is cut short, not 20,000 characters long.
    expect(error.message.length).toBeLessThan(300);
    await validationError(() => things.insert({ name: 'deep', meta: nestedObject(10_000) }), /^meta\.d/);
    await validationError(() => things.update('t1', { tags: nestedArray(10_000) }), /^tags\[0\]/);
    await validationError(() => things.insertMany([{ name: 'deep', meta: nestedObject(10_000) }]).then((r) => { if (!r[0]?.ok) throw r[0]?.error; }), /^meta\.d/);
    await unchanged();
  });

  it('nesting up to the limit is stored and read back whole', async () => {
    // meta is level 1, so MAX_NESTING_DEPTH - 1 more levels fit.
    const deepest = nestedObject(MAX_NESTING_DEPTH - 1);
    await things.update('t1', { meta: deepest });
    expect((await things.get('t1')).meta).toEqual({ keep: 1, ...deepest });
    await validationError(() => things.update('t1', { meta: nestedObject(MAX_NESTING_DEPTH) }), /^meta\.d/);
  });

  it('a class instance, a Map or a Set inside an object attribute is rejected (not turned into JSON)', async () => {
    const pointError = await validationError(() => things.update('t1', { meta: { p: new Point() } }), 'meta.p');
    expect(pointError.message).toMatch(/Point instance/);
    await validationError(() => things.update('t1', { meta: new Point() }), 'meta');
    await validationError(() => things.insert({ name: 'x', meta: { m: new Map([[1, 2]]) } }), 'meta.m');
    await validationError(() => things.update('t1', { tags: [1, new Set([1])] }), 'tags[1]');
    await unchanged();
  });

  it('a cycle is named, not followed', async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    await validationError(() => things.update('t1', { meta: cyclic }), /^meta\.self/);
    await unchanged();
  });

  it('Dates and null-prototype objects are still values', async () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 2 });
    const doc = await things.update('t1', { meta: { when: new Date(5), bare } });
    expect(doc.meta).toEqual({ keep: 1, when: new Date(5), bare: { b: 2 } });
  });
});

describe('prototype keys in nested input objects are dropped', () => {
  it('own __proto__, constructor and prototype keys never reach storage or the returned document', async () => {
    const meta = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "prototype": 1, "ok": 2, "inner": {"__proto__": {"x": 1}, "fine": true}}') as Record<string, unknown>;
    const updated = await things.update('t1', { meta });
    expect(updated.meta).toEqual({ keep: 1, ok: 2, inner: { fine: true } });
    const inserted = await things.insert({ id: 't2', name: 'second', meta, tags: [meta] });
    expect(inserted.meta).toEqual({ ok: 2, inner: { fine: true } });
    expect(inserted.tags).toEqual([{ ok: 2, inner: { fine: true } }]);
    for (const id of ['t1', 't2']) {
      const stored = await things.get(id);
      for (const value of [stored.meta, (stored.meta as Record<string, unknown>).inner]) {
        expect(Object.hasOwn(value as object, '__proto__')).toBe(false);
        expect(Object.hasOwn(value as object, 'constructor')).toBe(false);
        expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      }
    }
    // A naive deep merge of what came back cannot pollute Object.prototype.
    const naiveMerge = (target: Record<string, any>, source: Record<string, any>) => {
      for (const key of Object.keys(source)) {
        if (source[key] && typeof source[key] === 'object') naiveMerge((target[key] ??= {}), source[key]);
        else target[key] = source[key];
      }
    };
    naiveMerge({}, await things.get('t2'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The caller's object is not touched.
    expect(Object.hasOwn(meta, '__proto__')).toBe(true);
  });
});

describe('stored data with prototype keys (an older version or another tool wrote it) is read safely', () => {
  /** Rewrites t1's stored `meta` value as raw metadata, the way another writer could have left it. */
  async function storeRawMeta(encoded: string): Promise<void> {
    const key = things.keys.key('t1');
    const object = await db.client.getObject({ key });
    const metaKey = things.mapping.meta as string;
    expect(object.metadata[metaKey]).toMatch(/^j/);
    await db.client.putObject({ key, body: object.body, contentType: object.contentType, metadata: { ...object.metadata, [metaKey]: encoded } });
  }

  function expectClean(value: unknown): void {
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    for (const name of ['__proto__', 'constructor', 'prototype']) expect(Object.hasOwn(value as object, name), name).toBe(false);
    expect((value as Record<string, unknown>).polluted).toBeUndefined();
  }

  it('a JSON value (tag j): own __proto__/constructor/prototype keys are dropped at every depth', async () => {
    await storeRawMeta('js{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"ok":1,"inner":{"__proto__":{"polluted":true},"fine":true},"list":[{"prototype":1,"x":2}]}');
    const doc = await things.get('t1');
    expect(doc.meta).toEqual({ ok: 1, inner: { fine: true }, list: [{ x: 2 }] });
    const meta = doc.meta as Record<string, Record<string, unknown>>;
    for (const value of [meta, meta.inner, (meta.list as unknown as unknown[])[0]]) expectClean(value);
    // A naive deep merge of what came back cannot pollute Object.prototype.
    const naiveMerge = (target: Record<string, any>, source: Record<string, any>) => {
      for (const key of Object.keys(source)) {
        if (source[key] && typeof source[key] === 'object') naiveMerge((target[key] ??= {}), source[key]);
        else target[key] = source[key];
      }
    };
    naiveMerge({}, doc);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Spelt with JSON escapes, the keys are the same once parsed.
    await storeRawMeta('js{"\\u005f_proto__":{"polluted":true},"inner":{"constructo\\u0072":1,"ok":"\\"quoted\\""}}');
    const escaped = (await things.get('t1')).meta as Record<string, Record<string, unknown>>;
    expect(escaped).toEqual({ inner: { ok: '"quoted"' } });
    expectClean(escaped);
    expectClean(escaped.inner);
  });

  it('a tagged tree (tag x): a __proto__ key never becomes the prototype of the object read', async () => {
    await storeRawMeta('xs{"__proto__":{"polluted":"t"},"constructor":"sx","ok":"i1","inner":{"__proto__":{"polluted":"t"},"when":"d1"}}');
    for (const doc of [await things.get('t1'), (await things.list())[0], (await things.getMany(['t1']))[0]]) {
      const meta = doc?.meta as Record<string, Record<string, unknown>>;
      expect(meta).toEqual({ ok: 1, inner: { when: new Date(1) } });
      expectClean(meta);
      expectClean(meta.inner);
    }
    // An update re-encodes the clean value: the stored object no longer carries the keys.
    await things.update('t1', { name: 'rewritten' });
    const raw = await db.client.getObject({ key: things.keys.key('t1') });
    expect(Object.values(raw.metadata).join(' ')).not.toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('history entries written with prototype keys read back clean', async () => {
    const kept = await db.createResource({ name: 'kept', attributes: { name: 'string', meta: 'object|optional' }, versioningEnabled: true });
    await kept.insert({ id: 'k1', name: 'a', meta: { n: 1 } });
    await kept.update('k1', { name: 'b' });
    const [entryKey] = (await db.client.listObjects({ prefix: 'resource=kept/history/' })).objects.map((o) => o.key);
    const body = JSON.parse((await db.client.getObject({ key: entryKey as string })).body.toString()) as { at: number; by: string; doc: string };
    body.doc = 'xs{"id":"sk1","name":"sa","meta":{"__proto__":{"polluted":"t"},"n":"i1"}}';
    await db.client.putObject({ key: entryKey as string, body: JSON.stringify(body), contentType: 'application/json' });
    const [entry] = await kept.getHistory('k1');
    expect(entry?.data.meta).toEqual({ n: 1 });
    expectClean(entry?.data.meta);
  });
});
