import { describe, expect, it } from 'vitest';
import { cloneValue } from '../../../../src/docs/plugins/cache/clone-value.js';

describe('cloneValue', () => {
  it('copies documents deeply: nested objects, arrays, dates; primitives as they are', () => {
    const doc = { id: 'a', n: 1, big: 2n, ok: true, none: null, missing: undefined, tags: ['x', { deep: [1, 2] }], born: new Date(1000), meta: { at: { level: 3 } } };
    const copy = cloneValue(doc);
    expect(copy).toEqual(doc);
    expect(copy).not.toBe(doc);
    expect(copy.tags).not.toBe(doc.tags);
    expect(copy.tags[1]).not.toBe(doc.tags[1]);
    expect(copy.born).not.toBe(doc.born);
    expect(copy.born.getTime()).toBe(1000);
    expect(copy.meta.at).not.toBe(doc.meta.at);
    expect(Object.keys(copy)).toEqual(Object.keys(doc));
    expect('missing' in copy).toBe(true);
  });

  it('changing the copy leaves the original as it was (and the other way round)', () => {
    const doc = { list: [{ v: 1 }], born: new Date(5) };
    const copy = cloneValue(doc);
    copy.list[0]!.v = 2;
    copy.list.push({ v: 3 });
    copy.born.setTime(0);
    expect(doc).toEqual({ list: [{ v: 1 }], born: new Date(5) });
    doc.list[0]!.v = 9;
    expect(copy.list[0]!.v).toBe(2);
  });

  it('keeps null-prototype objects null-prototype, and copies class instances with structuredClone', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: { b: 1 } });
    const copy = cloneValue(bare);
    expect(Object.getPrototypeOf(copy)).toBe(null);
    expect(copy.a).toEqual({ b: 1 });
    expect(copy.a).not.toBe(bare.a);
    const map = new Map([['k', { v: 1 }]]);
    const mapCopy = cloneValue(map);
    expect(mapCopy).toBeInstanceOf(Map);
    expect(mapCopy.get('k')).toEqual({ v: 1 });
    expect(mapCopy.get('k')).not.toBe(map.get('k'));
  });

  it('an enumerable property added to Object.prototype does not become a field of the copy', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = { evil: true };
    try {
      const copy = cloneValue({ a: 1 });
      expect(Object.hasOwn(copy, 'polluted')).toBe(false);
    } finally {
      delete proto.polluted;
    }
  });
});
