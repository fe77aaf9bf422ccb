import { describe, expect, it } from 'vitest';
import { ExecutorPool, Cache, Memoizer, ValidationError } from '../../src/core/index.js';

describe('option validation fails fast with one message template', () => {
  it.each([
    [{ concurrency: 0 }, 'Expected `concurrency` to be an integer from 1 and up, got `0` (number)'],
    [{ concurrency: 2.5 }, 'Expected `concurrency` to be an integer from 1 and up, got `2.5` (number)'],
    [{ concurrency: '10' }, 'Expected `concurrency` to be an integer from 1 and up, got `"10"` (string)'],
    [{ retries: -1 }, 'Expected `retries` to be an integer from 0 and up, got `-1` (number)'],
    [{ retryDelay: null }, 'Expected `retryDelay` to be an integer from 0 and up, got `null`'],
    [{ timeout: -5 }, 'Expected `timeout` to be an integer from 0 and up, got `-5` (number)'],
    [
      { autotune: { enabled: true, minConcurrency: 50, maxConcurrency: 10 } },
      'Expected `autotune.maxConcurrency` to be at least minConcurrency (50), got `10` (number)',
    ],
  ])('ExecutorPool(%j)', (options, message) => {
    let error: unknown;
    try {
      new ExecutorPool(options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(message);
    expect((error as ValidationError).code).toBe('VALIDATION');
  });

  it('rejects a bad priority or a non-function task', async () => {
    const pool = new ExecutorPool();
    await expect(pool.run(async () => 1, { priority: Number.NaN })).rejects.toThrow('Expected `priority` to be a finite number');
    await expect(pool.run('nope' as never)).rejects.toThrow('Expected `fn` to be a function');
  });

  it('Cache and Memoizer validate too', () => {
    expect(() => new Cache({ max: 0 })).toThrow('Expected `max` to be an integer from 1 and up, got `0` (number)');
    expect(() => new Cache({ ttl: -1 })).toThrow(ValidationError);
    expect(() => Memoizer(async () => 1, { ttl: 0 })).toThrow('Expected `ttl`');
    expect(() => Memoizer(42 as never)).toThrow('Expected `fn` to be a function');
  });
});
