import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetadataLimitError } from '../../src/core/errors.js';
import { METADATA_LIMIT_BYTES } from '../../src/storage/object-store.js';
import { metadataSize } from '../../src/storage/index.js';
import type { Resource } from '../../src/docs/index.js';
import { openTestDb, type TestDb } from './helpers.js';

const head = (t: TestDb, resource: string, id: string) => t.db.client.headObject({ key: `resource=${resource}/data/id=${id}` });
const isWellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('behaviors (memory:// enforces the 2 KB limit exactly as S3)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('memory', { passphrase: 'behaviors-test' });
  });
  afterAll(() => t.cleanup());

  describe('enforce-limits', () => {
    let notes: Resource;
    beforeAll(async () => {
      notes = await t.db.createResource({ name: 'strict', attributes: { text: 'string' }, behavior: 'enforce-limits' });
    });

    it('counts the final encoded bytes: a document of exactly 2048 bytes is stored, 2049 is refused', async () => {
      // metadata = { 's-v': '1', '0': 's' + text } → 3 + 1 + 1 + 1 + text.length bytes
      await notes.insert({ id: 'fits', text: 'a'.repeat(2042) });
      expect(metadataSize((await head(t, 'strict', 'fits')).metadata)).toBe(2048);
      const err = await notes.insert({ id: 'over', text: 'a'.repeat(2043) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MetadataLimitError);
      expect((err as MetadataLimitError).size).toBe(2049);
      expect((err as MetadataLimitError).limit).toBe(METADATA_LIMIT_BYTES);
    });

    it('s3db.js defect: size was counted before encoding, so 1.8 KB of unicode passed the check; here it is refused before any request', async () => {
      t.store.reset();
      const text = '数'.repeat(600); // 600 chars, 1800 UTF-8 bytes, more once header-safe
      const err = await notes.insert({ text }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MetadataLimitError);
      expect((err as MetadataLimitError).size).toBeGreaterThan(2048);
      expect(t.store.total).toBe(0);
    });
  });

  describe('user-managed', () => {
    it('stores small documents in metadata; over the limit emits exceedsLimit and keeps the whole document in the body', async () => {
      const docs = await t.db.createResource({ name: 'um', attributes: { text: 'string' } });
      const events: { id: string; size: number; limit: number }[] = [];
      docs.on('exceedsLimit', (e) => events.push(e));
      await docs.insert({ id: 'small', text: 'hi' });
      expect((await head(t, 'um', 'small')).metadata['s-b']).toBeUndefined();
      const big = await docs.insert({ id: 'big', text: 'é'.repeat(3000) });
      expect(events).toEqual([{ id: 'big', size: expect.any(Number), limit: 2048, behavior: 'user-managed' }]);
      expect(events[0]?.size).toBeGreaterThan(2048);
      expect(await docs.get('big')).toStrictEqual(big);
      expect((await head(t, 'um', 'big')).metadata['s-b']).toBe('a');
    });
  });

  describe('body-overflow', () => {
    it('moves what does not fit to the body and get reassembles the exact document', async () => {
      const attributes = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field${i}`, 'string']));
      const docs = await t.db.createResource<Record<string, unknown>>({ name: 'overflow', attributes: { ...attributes, n: 'number', when: 'date', pw: 'secret' }, behavior: 'body-overflow' });
      const data: Record<string, unknown> = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field${i}`, `value ${i} ü ${'x'.repeat(i * 7)}`]));
      Object.assign(data, { n: 1e-7, when: new Date(123456), pw: 'hunter2' });
      const doc = await docs.insert(data);
      const meta = (await head(t, 'overflow', doc.id)).metadata;
      expect(meta['s-b']).toBe('o');
      expect(metadataSize(meta)).toBeLessThanOrEqual(2048);
      expect(await docs.get(doc.id)).toStrictEqual(doc);
      const small = await docs.insert({ ...data, ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field${i}`, 's'])) });
      expect((await head(t, 'overflow', small.id)).metadata['s-b']).toBeUndefined();
      expect(await docs.get(small.id)).toStrictEqual(small);
    });
  });

  describe('body-only', () => {
    it('s3db.js defect: body-only wrote a 3.4 KB attribute map into metadata for 150 attributes; here metadata holds only what reads need', async () => {
      const attributes = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`attributeNumber${i}`, 'string|optional']));
      const docs = await t.db.createResource({ name: 'bodyonly', attributes, behavior: 'body-only' });
      const data = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`attributeNumber${i}`, `v${i}`]));
      const doc = await docs.insert(data);
      const meta = (await head(t, 'bodyonly', doc.id)).metadata;
      expect(Object.keys(meta).sort()).toEqual(['s-b', 's-v']);
      expect(metadataSize(meta)).toBeLessThan(16);
      expect(await docs.get(doc.id)).toStrictEqual(doc);
    });
  });

  describe('truncate-data', () => {
    let docs: Resource;
    beforeAll(async () => {
      docs = await t.db.createResource({
        name: 'trunc',
        attributes: { n: 'number', pw: 'secret', list: 'array|items:string', text: 'string', more: 'string|optional' },
        behavior: 'truncate-data',
      });
    });

    it('cuts strings on UTF-8 boundaries and never cuts numbers, JSON or ciphertext', async () => {
      const text = '🎉数é'.repeat(400);
      const doc = await docs.insert({ n: 2 ** 53 - 1, pw: 'secret-value', list: ['a', 'b', '{"c":1}'], text, more: 'x'.repeat(500) });
      expect(doc.$truncated).toBe(true);
      expect(doc.n).toBe(2 ** 53 - 1);
      expect(doc.pw).toBe('secret-value');
      expect(doc.list).toEqual(['a', 'b', '{"c":1}']);
      expect(typeof doc.text).toBe('string');
      expect(text.startsWith(doc.text as string)).toBe(true);
      expect(isWellFormed(doc.text as string)).toBe(true);
      expect((doc.text as string).length).toBeLessThan(text.length);
      expect(metadataSize((await head(t, 'trunc', doc.id)).metadata)).toBeLessThanOrEqual(2048);
      expect(await docs.get(doc.id)).toStrictEqual(doc);
    });

    it('s3db.js defect: truncate-data looped forever when a record could not fit; here it always terminates, dropping whole values that cannot fit', async () => {
      const huge = Array.from({ length: 300 }, (_, i) => `item-${i}`);
      const doc = await docs.insert({ n: 1, pw: 'p'.repeat(1500), list: huge, text: 'tail' });
      expect(doc.$truncated).toBe(true);
      expect(doc.n).toBe(1);
      // The list alone is over the limit: dropped whole, never cut into invalid JSON.
      expect(doc.list).toBeUndefined();
      expect(doc.pw === undefined || doc.pw === 'p'.repeat(1500)).toBe(true);
      expect(await docs.get(doc.id)).toStrictEqual(doc);
    });

    it('documents that fit are stored untouched and not marked', async () => {
      const doc = await docs.insert({ n: 3, pw: 'x', list: [], text: 'short' });
      expect(doc.$truncated).toBeUndefined();
      expect(await docs.get(doc.id)).toStrictEqual(doc);
    });
  });

  describe('metadata keys', () => {
    it('s3db.js defect: metadata keys were case-folded by S3 and base62 keys collided; here keys are lowercase base-36 and never collide', async () => {
      const attributes: Record<string, string> = {};
      for (let i = 0; i < 200; i++) attributes[`a${i}`] = 'number';
      attributes.Name = 'string';
      attributes.name = 'string';
      const docs = await t.db.createResource({ name: 'manykeys', attributes, behavior: 'body-overflow' });
      const keys = Object.values(docs.mapping);
      expect(new Set(keys).size).toBe(keys.length);
      for (const key of keys) expect(key).toBe(key.toLowerCase());
      const data: Record<string, unknown> = { Name: 'Upper', name: 'lower' };
      for (let i = 0; i < 200; i++) data[`a${i}`] = i;
      const doc = await docs.insert(data);
      expect(await docs.get(doc.id)).toStrictEqual(doc);
    });
  });
});
