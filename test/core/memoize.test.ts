import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Memoizer } from '../../src/core/index.js';

describe('Memoizer', () => {
  it("works as in the seed: Memoizer(async () => configs.get('global-settings'), { ttl: 300000 })", async () => {
    let reads = 0;
    const configs = { get: async (id: string) => ({ id, reads: ++reads }) };
    const getConfig = Memoizer(async () => {
      return await configs.get('global-settings');
    }, { ttl: 300000 });
    const first = await getConfig();
    const second = await getConfig();
    expect(first).toEqual({ id: 'global-settings', reads: 1 });
    expect(second).toEqual(first);
    expect(reads).toBe(1);
  });

  it('collapses concurrent calls with the same key into one call (single flight)', async () => {
    let calls = 0;
    const load = Memoizer(async (id: number) => {
      calls++;
      await sleep(20);
      return { id };
    }, { ttl: 1000 });
    const results = await Promise.all([load(1), load(1), load(1), load(2)]);
    expect(results.map((r) => r.id)).toEqual([1, 1, 1, 2]);
    expect(calls).toBe(2);
    expect(load.stats()).toMatchObject({ calls: 2, shared: 2 });
    // Each caller gets its own object.
    expect(results[0]).not.toBe(results[1]);
  });

  it('does not cache a rejected call', async () => {
    let calls = 0;
    const flaky = Memoizer(async () => {
      if (++calls === 1) throw new Error('first call fails');
      return 'ok';
    }, { ttl: 1000 });
    await expect(flaky()).rejects.toThrow('first call fails');
    await expect(flaky()).resolves.toBe('ok');
    await expect(flaky()).resolves.toBe('ok');
    expect(calls).toBe(2);
  });

  it('expires after ttl; clear() forgets one key or all; key() picks the cache key', async () => {
    let calls = 0;
    const byUser = Memoizer(async (user: { id: number; name: string }) => `${user.id}:${++calls}`, {
      ttl: 30,
      key: (user) => String(user.id),
    });
    expect(await byUser({ id: 1, name: 'a' })).toBe('1:1');
    expect(await byUser({ id: 1, name: 'different name, same key' })).toBe('1:1');
    byUser.clear({ id: 1, name: '' });
    expect(await byUser({ id: 1, name: 'a' })).toBe('1:2');
    await sleep(40);
    expect(await byUser({ id: 1, name: 'a' })).toBe('1:3');
    byUser.clear();
    expect(await byUser({ id: 1, name: 'a' })).toBe('1:4');
  });

  it('returns copies: a caller mutating its result does not change what others get', async () => {
    const get = Memoizer(async () => ({ list: [1] }), { ttl: 1000 });
    const a = await get();
    a.list.push(2);
    expect(await get()).toEqual({ list: [1] });
  });
});

describe('Memoizer: clear() during an in-flight call (issue 12)', () => {
  it('does not cache the result of a call that was in flight when clear() ran', async () => {
    let version = 1;
    let release!: () => void;
    const load = Memoizer(async () => {
      const seen = version;
      if (seen === 1) await new Promise<void>((r) => (release = r));
      return seen;
    });
    const stale = load();
    await Promise.resolve();
    version = 2;
    load.clear();
    release();
    expect(await stale).toBe(1);
    expect(await load()).toBe(2);
  });

  it('does the same for clear(key) of one key', async () => {
    let version = 1;
    let release!: () => void;
    const load = Memoizer(async (id: string) => {
      const seen = `${id}@${version}`;
      if (version === 1) await new Promise<void>((r) => (release = r));
      return seen;
    });
    const stale = load('a');
    await Promise.resolve();
    version = 2;
    load.clear('a');
    release();
    expect(await stale).toBe('a@1');
    expect(await load('a')).toBe('a@2');
  });
});
