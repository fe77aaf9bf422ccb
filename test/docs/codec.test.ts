import { describe, expect, it } from 'vitest';
import { decodeText, decodeValue, encodeText, encodeValue, utf8Length } from '../../src/docs/codec.js';
import { StorageError, ValidationError } from '../../src/core/errors.js';

const HEADER_SAFE = /^[\x20-\x7e]*$/;

const samples: [string, unknown][] = [
  ['JSON-looking object string', '{"a":1}'],
  ['JSON-looking array string', '[1,2]'],
  ['the string null', 'null'],
  ['the string undefined', 'undefined'],
  ['the empty string', ''],
  ['emoji', 'party 🎉🎉 time'],
  ['CJK', '数据库文档存储'],
  ['combining marks', 'e\u0301 a\u0308 Å'],
  ['percent and trailing space', '100% sure '],
  ['control characters', 'tab\tnew\nline\u0000'],
  ['leading spaces', '   x'],
  ['1e-7', 1e-7],
  ['0.1+0.2', 0.1 + 0.2],
  ['-12.5', -12.5],
  ['2^53-1', 2 ** 53 - 1],
  ['-(2^53-1)', -(2 ** 53 - 1)],
  ['very large', 1.7976931348623157e308],
  ['very small', 5e-324],
  ['1e21', 1e21],
  ['zero', 0],
  ['negative zero', -0],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['true', true],
  ['false', false],
  ['null', null],
  ['date', new Date('2024-02-29T12:34:56.789Z')],
  ['date before 1970', new Date(-123456789)],
  ['array of strings', ['a', 'null', '{"x":1}', '']],
  ['array of numbers', [1, 1e-7, -0.5, 2 ** 53 - 1]],
  ['array of objects', [{ a: 1 }, { b: 'ü' }]],
  ['nested object', { a: { b: { c: [1, 'two', null] } } }],
  ['object with a date and -0', { when: new Date(0), zero: -0, list: [new Date(1)] }],
  ['unicode keys', { 'ключ': '値' }],
];

describe('codec', () => {
  for (const [name, value] of samples) {
    it(`round-trips ${name} losslessly through header-safe metadata`, () => {
      const encoded = encodeValue(value);
      expect(encoded).toMatch(HEADER_SAFE);
      expect(encoded.endsWith(' ')).toBe(false);
      expect(decodeValue(encoded)).toStrictEqual(value);
      if (typeof value === 'number') expect(Object.is(decodeValue(encoded), value)).toBe(true);
    });
    it(`round-trips ${name} through the body form`, () => {
      expect(decodeValue(encodeValue(value, 'body'))).toStrictEqual(value);
    });
  }

  it('s3db.js defect: the strings "null" and "undefined" came back as null; here they stay strings', () => {
    expect(decodeValue(encodeValue('null'))).toBe('null');
    expect(decodeValue(encodeValue('undefined'))).toBe('undefined');
    expect(decodeValue(encodeValue(null))).toBeNull();
  });

  it('s3db.js defect: strings starting with { or [ came back parsed; here they stay strings', () => {
    expect(decodeValue(encodeValue('{"a":1}'))).toBe('{"a":1}');
    expect(decodeValue(encodeValue('[1,2]'))).toBe('[1,2]');
  });

  it('s3db.js defect: 1e-7 came back as ""; here it comes back as 1e-7', () => {
    expect(decodeValue(encodeValue(1e-7))).toBe(1e-7);
  });

  it('uses compact base-36 for safe integers', () => {
    expect(encodeValue(1295)).toBe('izz');
    expect(encodeValue(-35)).toBe('i-z');
  });

  it('picks the shorter of percent and base64 for non-ASCII text', () => {
    const cjk = '数据库文档存储数据库文档存储';
    expect(encodeText(cjk).length).toBeLessThan(encodeURIComponent(cjk).length);
    expect(encodeText('mostly ascii with one é').startsWith('p')).toBe(true);
    expect(decodeText(encodeText(cjk))).toBe(cjk);
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('🎉')).toBe(4);
    expect(utf8Length('abc')).toBe(3);
  });

  it('rejects unsupported values with a ValidationError', () => {
    expect(() => encodeValue(() => 1)).toThrow(ValidationError);
    expect(() => encodeValue(10n)).toThrow(ValidationError);
    expect(() => encodeValue(new Date(Number.NaN))).toThrow(ValidationError);
    expect(() => encodeValue('\uD800 lone')).toThrow(ValidationError);
  });

  it('reports corrupt stored values as StorageError instead of guessing', () => {
    expect(() => decodeValue('?what')).toThrow(StorageError);
    expect(() => decodeValue('n-abc')).toThrow(StorageError);
    expect(() => decodeValue('p%E0%A4%A')).toThrow(StorageError);
    expect(() => decodeValue('')).toThrow(StorageError);
  });
});
