import { describe, expect, it } from 'vitest';
import { complete, valid } from '../../../../src/docs/plugins/cache/entry-version.js';

const entry = (version: string, tokens?: string[]) => ({ version, args: '@1', value: {}, ...(tokens ? { tokens } : {}) });

describe('entry versions', () => {
  it('an entry from a serialising driver (no tokens) matches only exactly the current tokens', () => {
    const e = entry('g1.r1.d1');
    expect(valid(e, '@1', ['g1', 'r1', 'd1'])).toBe(true);
    expect(valid(e, '@1', ['g1', 'r1', 'd2'])).toBe(false);
    expect(valid(e, '@1', ['g1', 'r1'])).toBe(false);
    expect(valid(e, '@1', ['g1', 'r1', 'd1', 'x'])).toBe(false);
    expect(valid(e, '@1', ['g1r1', 'd1', ''])).toBe(false);
    expect(valid(e, '@1', ['g', '1.r1', 'd1'])).toBe(false);
    expect(valid(e, '@1', ['g1', 'r1', undefined])).toBe(false);
    expect(valid(entry('g1.r1.d1x'), '@1', ['g1', 'r1', 'd1'])).toBe(false);
  });

  it('an entry made in this process compares its tokens, and the arguments always', () => {
    expect(valid(entry('g1.r1.d1', ['g1', 'r1', 'd1']), '@1', ['g1', 'r1', 'd1'])).toBe(true);
    expect(valid(entry('g1.r1.d1', ['g1', 'r1', 'd1']), '@1', ['g1', 'r2', 'd1'])).toBe(false);
    expect(valid(entry('g1.r1.d1', ['g1', 'r1', 'd1']), '@1', ['g1', 'r1'])).toBe(false);
    expect(valid(entry('g1.r1.d1', ['g1', 'r1', 'd1']), '@2', ['g1', 'r1', 'd1'])).toBe(false);
    expect(valid(entry('g1.r1.d1'), '@2', ['g1', 'r1', 'd1'])).toBe(false);
  });

  it('complete() says whether every token is there', () => {
    expect(complete(['a', 'b'])).toBe(true);
    expect(complete(['a', undefined])).toBe(false);
  });
});
