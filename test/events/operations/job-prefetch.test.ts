import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { PREFETCH_BUDGET_MS, PREFETCH_CAP, PrefetchSizer, adaptivePrefetch } from '../../../src/events/operations/job-prefetch.js';
import { resolveQueueOptions } from '../../../src/events/operations/job-queue-options.js';

describe('adaptive prefetch', () => {
  it('takes concurrency * 2 ahead until a job has finished', () => {
    expect(adaptivePrefetch(1, null)).toBe(2);
    expect(adaptivePrefetch(16, null)).toBe(32);
    expect(new PrefetchSizer(16, null).prefetch).toBe(32);
  });

  it('keeps about the budget of expected work waiting per slot', () => {
    // 1 ms jobs: 100 per slot (16 slots: 1600, capped).
    expect(adaptivePrefetch(1, 1)).toBe(PREFETCH_BUDGET_MS);
    expect(adaptivePrefetch(4, 1)).toBe(400);
    expect(adaptivePrefetch(16, 1)).toBe(PREFETCH_CAP);
    // 10 ms jobs: 10 per slot.
    expect(adaptivePrefetch(16, 10)).toBe(160);
  });

  it('takes the cap for instant jobs, and never less than concurrency * 2 as cap', () => {
    expect(adaptivePrefetch(1, 0)).toBe(PREFETCH_CAP);
    expect(adaptivePrefetch(16, 0.01)).toBe(PREFETCH_CAP);
    expect(adaptivePrefetch(400, 0)).toBe(800);
  });

  it('takes few or none ahead for long jobs', () => {
    expect(adaptivePrefetch(16, 50)).toBe(32); // today's default at 50 ms
    expect(adaptivePrefetch(16, 100)).toBe(16);
    expect(adaptivePrefetch(16, 1000)).toBe(1);
    expect(adaptivePrefetch(4, 1000)).toBe(0);
    expect(adaptivePrefetch(1, 60_000)).toBe(0);
  });

  it('grows as short jobs finish and shrinks at once when long ones do', () => {
    const sizer = new PrefetchSizer(8, null);
    for (let i = 0; i < 20; i++) sizer.record(0.2);
    expect(sizer.prefetch).toBe(PREFETCH_CAP);
    sizer.record(2000); // one slow job halves toward it
    expect(sizer.averageMs).toBeGreaterThan(900);
    expect(sizer.prefetch).toBe(0);
    const afterSlow = sizer.prefetch;
    for (let i = 0; i < 10; i++) sizer.record(0.2);
    expect(sizer.prefetch).toBeGreaterThan(afterSlow); // decays back, slowly
    expect(sizer.prefetch).toBeLessThan(PREFETCH_CAP);
    for (let i = 0; i < 200; i++) sizer.record(0.2);
    expect(sizer.prefetch).toBe(PREFETCH_CAP);
  });

  it('leaves an explicit prefetch fixed, 0 included', () => {
    for (const fixed of [0, 3, 200]) {
      const sizer = new PrefetchSizer(4, fixed);
      sizer.record(0.1);
      sizer.record(5000);
      expect(sizer.prefetch).toBe(fixed);
      expect(sizer.averageMs).toBeNull();
    }
  });

  it('resolves an unset prefetch to adaptive (null) and validates a set one', () => {
    expect(resolveQueueOptions({ dbName: 'x.sqlite' }).prefetch).toBeNull();
    expect(resolveQueueOptions({ dbName: 'x.sqlite', prefetch: 0 }).prefetch).toBe(0);
    expect(resolveQueueOptions({ dbName: 'x.sqlite', prefetch: 7 }).prefetch).toBe(7);
    expect(() => resolveQueueOptions({ dbName: 'x.sqlite', prefetch: -1 })).toThrow(ValidationError);
    expect(() => resolveQueueOptions({ dbName: 'x.sqlite', prefetch: 1.5 })).toThrow(ValidationError);
  });
});
