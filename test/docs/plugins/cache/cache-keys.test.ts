import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { FieldCipher } from '../../../../src/docs/field-cipher.js';
import { ReadPlanner, versionKeys } from '../../../../src/docs/plugins/cache/cache-keys.js';
import { SecretSealer } from '../../../../src/docs/plugins/cache/secret-sealer.js';

describe('ReadPlanner', () => {
  it('get(id) is a doc plan depending on the global, resource and document versions; signal and priority do not change it', () => {
    const planner = new ReadPlanner();
    const plan = planner.plan('users', '1', 'get', ['u1', {}]);
    expect(plan).toMatchObject({ kind: 'doc', resource: 'users', args: '@1' });
    expect(plan?.deps).toEqual([versionKeys.global, versionKeys.resource('users'), versionKeys.doc('users', 'u1')]);
    expect(planner.plan('users', '1', 'get', ['u1', { priority: 3, signal: new AbortController().signal }])).toBe(plan);
    expect(planner.plan('users', '1', 'get', ['u1'])).toBe(plan);
  });

  it('ids and resources that only differ by escaping never share keys', () => {
    const planner = new ReadPlanner();
    const keys = [
      planner.plan('a', '1', 'get', ['b/c', {}]),
      planner.plan('a/b', '1', 'get', ['c', {}]),
      planner.plan('a', '1', 'get', ['b%2Fc', {}]),
      planner.plan('a', '1', 'get', ['b', {}]),
    ].map((p) => [p?.key, p?.deps[2]].join(' '));
    expect(new Set(keys).size).toBe(4);
  });

  it('a get with other options is a query plan of its own, never the doc plan', () => {
    const planner = new ReadPlanner();
    const doc = planner.plan('users', '1', 'get', ['u1', {}]);
    const other = planner.plan('users', '1', 'get', ['u1', { partition: 'byGroup' }]);
    expect(other?.kind).toBe('query');
    expect(other?.key).not.toBe(doc?.key);
    expect(other?.args).toContain('partition');
  });

  it('with secret fields, a query entry keeps neither the arguments nor their plain hash: a keyed digest, stable for one passphrase', async () => {
    const salt = FieldCipher.newSalt();
    const secrets = (passphrase: string) =>
      FieldCipher.create(passphrase, salt).then((cipher) => ({ fields: [{ path: 'password', segments: ['password'], key: '1', isObject: false, secret: true }], cipher }));
    const sealer = new SecretSealer('users', await secrets('one'));
    const plan = new ReadPlanner().plan('users', '1', 'query', [{ password: 'hunter2' }, {}], sealer);
    const text = 'query({"password":"hunter2"},{})';
    expect(plan?.args).not.toContain('hunter2');
    expect(plan?.key).not.toContain(createHash('sha256').update(text).digest('base64url'));
    expect(new ReadPlanner().plan('users', '1', 'query', [{ password: 'hunter2' }, {}], new SecretSealer('users', await secrets('one')))?.key).toBe(plan?.key);
    expect(new ReadPlanner().plan('users', '1', 'query', [{ password: 'hunter2' }, {}], new SecretSealer('users', await secrets('two')))?.key).not.toBe(plan?.key);
    expect(new ReadPlanner().plan('users', '1', 'query', [{ password: 'hunter3' }, {}], sealer)?.args).not.toBe(plan?.args);
  });

  it('a new schema version of the same resource gets new plans (entries of the old schema cannot match)', () => {
    const planner = new ReadPlanner();
    const v1 = planner.plan('users', '1', 'get', ['u1', {}]);
    const v2 = planner.plan('users', '2', 'get', ['u1', {}]);
    expect(v2?.args).toBe('@2');
    expect(v1?.args).toBe('@1');
    expect(planner.plan('users', '2', 'list', [{}])?.args).toMatch(/^@2 /);
  });

  it('the memo of get plans is bounded and still answers correctly past the bound', () => {
    const planner = new ReadPlanner();
    const first = planner.plan('users', '1', 'get', ['id0', {}]);
    for (let i = 1; i <= 10_001; i++) planner.plan('users', '1', 'get', [`id${i}`, {}]);
    const again = planner.plan('users', '1', 'get', ['id0', {}]);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
  });

  it('query plans: the same arguments in any key order share a plan; any other argument gets another key', () => {
    const planner = new ReadPlanner();
    const a = planner.plan('users', '1', 'list', [{ limit: 2, offset: 1 }]);
    expect(planner.plan('users', '1', 'list', [{ offset: 1, limit: 2 }])).toBe(a);
    const others = [
      planner.plan('users', '1', 'list', [{ limit: 2, offset: 2 }]),
      planner.plan('users', '1', 'list', [{ limit: 2 }]),
      planner.plan('users', '1', 'listIds', [{ limit: 2, offset: 1 }]),
      planner.plan('users', '1', 'query', [{ age: undefined }, {}]),
      planner.plan('users', '1', 'query', [{}, {}]),
      planner.plan('users', '1', 'query', [{ age: 1 }, {}]),
      planner.plan('users', '1', 'query', [{ age: '1' }, {}]),
    ];
    expect(new Set([a, ...others].map((p) => p?.key)).size).toBe(8);
    expect(new Set([a, ...others].map((p) => p?.args)).size).toBe(8);
    const ids = Array.from({ length: 200 }, (_, i) => `id${i}`);
    const long = planner.plan('users', '1', 'getMany', [ids, {}]);
    expect(planner.plan('users', '1', 'getMany', [[...ids], {}])).toEqual(long);
    expect(planner.plan('users', '1', 'getMany', [[...ids].reverse(), {}])?.key).not.toBe(long?.key);
  });

  it('arguments without a canonical form make the call uncacheable; unknown methods are not planned', () => {
    const planner = new ReadPlanner();
    expect(planner.plan('users', '1', 'query', [{ name: () => true }, {}])).toBeUndefined();
    expect(planner.plan('users', '1', 'exists', ['u1', {}])).toBeUndefined();
    expect(planner.plan('users', '1', 'stream', [{}])).toBeUndefined();
  });
});
