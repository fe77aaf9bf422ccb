import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { RecentCheck } from '../../src/core/recent-check.js';

describe('RecentCheck', () => {
  it('holds after a check until reset, and not before any check', () => {
    const check = new RecentCheck(60_000);
    expect(check.holds()).toBe(false);
    expect(check.mark()).toBe(true);
    for (let i = 0; i < 200; i++) expect(check.holds()).toBe(true);
    check.reset();
    expect(check.holds()).toBe(false);
  });

  it('stops holding once the window has passed, by its timer', async () => {
    const check = new RecentCheck(20);
    check.mark();
    await new Promise((r) => setTimeout(r, 40));
    expect(check.holds()).toBe(false);
  });

  it('stops holding within `every` uses in a loop that never yields (no timer runs)', () => {
    const check = new RecentCheck(20, 8);
    check.mark();
    const until = performance.now() + 40;
    while (performance.now() < until) {
      // spin: the event loop gets no turn
    }
    const answers = Array.from({ length: 8 }, () => check.holds());
    expect(answers.at(-1)).toBe(false);
    expect(check.holds()).toBe(false);
  });

  it('refuses a check that started a whole window ago', () => {
    const check = new RecentCheck(20);
    expect(check.mark(performance.now() - 25)).toBe(false);
    expect(check.holds()).toBe(false);
  });
});
