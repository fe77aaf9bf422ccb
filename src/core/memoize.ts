/**
 * Memoizer: caches the results of an async function for `ttl` ms.
 *
 * Concurrent calls with the same key share one in-flight call (single flight),
 * so a burst of callers costs one request. A rejected call is not cached: the
 * next call tries again.
 */
import { Cache, type CacheStats } from './cache.js';
import { checkOptions, invalidOption } from './options.js';

/** Options of {@link Memoizer}. A bad value or an unknown name throws ValidationError. */
export interface MemoizerOptions<A extends unknown[]> {
  /** How long a result is kept, in ms (an integer from 1). @default 60000 */
  ttl?: number;
  /** Most distinct keys kept; the least recently used is evicted past it (an integer from 1). @default 1000 */
  max?: number;
  /** Cache key for a call's arguments; calls with equal keys share one result. @default JSON.stringify(args) */
  key?: (...args: A) => string;
}

/** What a memoized function's `stats()` returns: the result cache's {@link CacheStats} plus call counts. */
export interface MemoizerStats extends CacheStats {
  /** Calls that joined an in-flight call instead of starting one. */
  shared: number;
  /** Calls of the wrapped function. */
  calls: number;
}

/**
 * The function {@link Memoizer} returns: call it as the wrapped function (it
 * always returns a Promise). A cached result is handed out as a structured
 * clone, so one caller changing it never changes what the next one gets.
 */
export interface Memoized<A extends unknown[], R> {
  (...args: A): Promise<R>;
  /**
   * Forgets one key's result (computed from the arguments), or every result. A call in
   * flight at that moment still answers its callers but is not cached, and later
   * calls start a fresh one instead of joining it.
   */
  clear(...args: A | []): void;
  /** Hits, misses, size, hit rate, and how many calls ran or joined one in flight; see {@link MemoizerStats}. */
  stats(): MemoizerStats;
}

/**
 * Caches the results of an async function: concurrent calls with the same
 * arguments share one call (single flight), failures are not cached (the next
 * call tries again), results expire after `ttl` ms. Results must be
 * structured-cloneable (plain data, Dates, Maps, Buffers…): a result holding a
 * function makes the call reject with DataCloneError.
 * Not invalidated by writes: for documents that change, use the CachePlugin.
 *
 * Throws ValidationError at once when `fn` is not a function or an option is bad.
 *
 * @example
 * const getConfig = Memoizer(async () => configs.get('global-settings'), { ttl: 300000 });
 * const settings = await getConfig();
 * getConfig.clear();
 */
export function Memoizer<A extends unknown[], R>(
  fn: (...args: A) => Promise<R> | R,
  options: MemoizerOptions<A> = {},
): Memoized<A, R> {
  if (typeof fn !== 'function') throw invalidOption('fn', 'a function', fn);
  checkOptions('Memoizer', options, ['ttl', 'max', 'key']);
  const ttl = options.ttl ?? 60_000;
  if (!Number.isInteger(ttl) || ttl < 1) throw invalidOption('ttl', 'an integer number of ms from 1 and up', ttl);
  const keyOf = options.key ?? ((...args: A) => JSON.stringify(args));
  const results = new Cache<{ value: R }>({ max: options.max ?? 1000, ttl });
  const inFlight = new Map<string, Promise<R>>();
  let shared = 0;
  let calls = 0;

  const memoized = (async (...args: A): Promise<R> => {
    const key = keyOf(...args);
    const cached = results.get(key);
    if (cached !== undefined) return cached.value;
    const pending = inFlight.get(key);
    if (pending !== undefined) {
      shared++;
      return structuredClone(await pending);
    }
    calls++;
    const call = (async () => fn(...args))();
    inFlight.set(key, call);
    try {
      const value = await call;
      // clear() while this call ran dropped it from inFlight: its result may predate the
      // change that prompted the clear, so it goes to its callers but not into the cache.
      if (inFlight.get(key) === call) results.set(key, { value });
      return value;
    } finally {
      if (inFlight.get(key) === call) inFlight.delete(key);
    }
  }) as Memoized<A, R>;

  memoized.clear = (...args: A | []) => {
    if (args.length === 0) {
      results.clear();
      inFlight.clear();
    } else {
      const key = keyOf(...(args as A));
      results.delete(key);
      inFlight.delete(key);
    }
  };
  memoized.stats = () => ({ ...results.stats(), shared, calls });
  return memoized;
}
