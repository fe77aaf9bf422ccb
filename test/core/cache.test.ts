import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cache } from '../../src/core/index.js';

describe('Cache', () => {
  it('hands out copies: changing a value read or written does not change the cache (eventlite callers could corrupt cached rows)', () => {
    const cache = new Cache<{ tags: string[] }>();
    const original = { tags: ['a'] };
    cache.set('k', original);
    original.tags.push('written-after-set');
    const read = cache.get('k');
    expect(read).toEqual({ tags: ['a'] });
    read?.tags.push('written-after-get');
    expect(cache.get('k')).toEqual({ tags: ['a'] });
    expect(cache.get('k')).not.toBe(cache.get('k'));
  });

  it('with freeze: true hands out one deep-frozen value that cannot be changed', () => {
    const cache = new Cache<{ nested: { n: number } }>({ freeze: true });
    cache.set('k', { nested: { n: 1 } });
    const read = cache.get('k');
    expect(Object.isFrozen(read)).toBe(true);
    expect(Object.isFrozen(read?.nested)).toBe(true);
    expect(() => {
      (read as { nested: { n: number } }).nested.n = 2;
    }).toThrow(TypeError);
    expect(cache.get('k')?.nested.n).toBe(1);
  });

  it('counts hits, misses and evictions, and evicts the least recently used', () => {
    const cache = new Cache<number>({ max: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now most recent
    cache.set('c', 3); // evicts b
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBe(3);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, evictions: 1, size: 2, max: 2, hitRate: 2 / 3 });
  });

  it('expires entries after ttl, and a per-entry ttl overrides it', async () => {
    // Wide margins: a loaded machine can stall this process for hundreds of ms between steps.
    const cache = new Cache<string>({ ttl: 1500 });
    cache.set('short', 'x', { ttl: 10 });
    cache.set('default', 'y');
    await sleep(60);
    expect(cache.get('short')).toBeUndefined();
    expect(cache.get('default')).toBe('y');
    await sleep(1500);
    expect(cache.get('default')).toBeUndefined();
    expect(cache.stats().ttl).toBe(1500);
  });

  it('bounds the summed size with maxBytes', () => {
    const cache = new Cache<string>({ max: 100, maxBytes: 50, sizeOf: (v) => v.length });
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, 'x'.repeat(10));
    expect(cache.size).toBe(5);
    expect(cache.stats().evictions).toBe(5);
  });

  it('deletes one key, a key prefix, or everything', () => {
    const cache = new Cache<number>();
    for (const k of ['user:1', 'user:2', 'order:1']) cache.set(k, 1);
    expect(cache.delete('order:1')).toBe(true);
    expect(cache.deletePrefix('user:')).toBe(2);
    cache.set('x', 1);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
