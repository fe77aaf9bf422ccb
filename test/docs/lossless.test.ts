import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from '../../src/docs/index.js';
import { openTestDb, type Backend, type TestDb } from './helpers.js';

const VALUES: [string, unknown][] = [
  ['JSON-looking string {"a":1}', '{"a":1}'],
  ['JSON-looking string [1,2]', '[1,2]'],
  ['string "null"', 'null'],
  ['string "undefined"', 'undefined'],
  ['empty string', ''],
  ['emoji', '👩‍💻 🎉'],
  ['CJK', '文档数据库'],
  ['combining marks', 'Ame\u0301lie n\u0303'],
  ['trailing space', 'ends with space '],
  ['1e-7', 1e-7],
  ['0.1+0.2', 0.1 + 0.2],
  ['-12.5', -12.5],
  ['2^53-1', 2 ** 53 - 1],
  ['very large', 1.7976931348623157e308],
  ['very small', 5e-324],
  ['true', true],
  ['false', false],
  ['null', null],
  ['date', new Date('2020-05-06T07:08:09.010Z')],
  ['array of strings', ['x', 'null', '']],
  ['array of numbers', [1, 1e-7, -3]],
  ['array of objects', [{ a: 1 }, { b: { c: 'ü' } }]],
  ['nested object', { deep: { deeper: { list: [1, 'two'] } } }],
];

for (const backend of ['memory', 'file', 's3rver'] as Backend[]) {
  describe(`lossless round trip through a resource on ${backend}://`, () => {
    let t: TestDb;
    let things: Resource;
    let overflow: Resource;
    beforeAll(async () => {
      t = await openTestDb(backend);
      things = await t.db.createResource({ name: 'things', attributes: { value: 'any|optional' } });
      overflow = await t.db.createResource({ name: 'overflowing', attributes: { value: 'any|optional', pad: 'string' }, behavior: 'body-overflow' });
    });
    afterAll(() => t.cleanup());

    for (const [name, value] of VALUES) {
      it(`${name}: what is inserted is what get returns (metadata and body)`, async () => {
        const doc = await things.insert({ value });
        const got = await things.get(doc.id);
        expect(got).toStrictEqual({ id: doc.id, value });
        const big = await overflow.insert({ pad: 'p'.repeat(2100), value });
        expect(await overflow.get(big.id)).toStrictEqual({ id: big.id, pad: 'p'.repeat(2100), value });
      });
    }

    it('typed attributes keep their types (date, integers, arrays, nested objects)', async () => {
      const typed = await t.db.createResource({
        name: 'typed',
        attributes: { when: 'date', n: 'number|integer', tags: 'array|items:string', address: { city: 'string', zip: 'string|optional' } },
      });
      const doc = await typed.insert({ when: new Date(0), n: -(2 ** 53 - 1), tags: [], address: { city: '東京' } });
      const got = await typed.get(doc.id);
      expect(got).toStrictEqual(doc);
      expect(got.when).toBeInstanceOf(Date);
    });
  });
}
