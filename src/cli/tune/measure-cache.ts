/**
 * The seed's "Caching Strategies" measured: repeated reads with no cache,
 * with the seed's CachePlugin (`{ driver: 'memory', ttl: 60000, max: 1000 }`)
 * and with the Memoizer in front of get(). Two reads: get() of a hot set, and
 * the partition lookup of the partitions measurement.
 */
import { CachePlugin, Memoizer, type Resource, type S3db } from '../../index.js';
import type { CacheFigures } from './tune-types.js';

const HOT_SET = 50;
const LOOKUP = { partition: 'byStatus', partitionValues: { status: 'pending' } };

async function rate(reads: number, read: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < reads; i++) await read(i);
  return (reads * 1000) / (performance.now() - start);
}

/**
 * `partitioned` is the resource of the partitions measurement (its lookup is
 * the cached list). Installs the CachePlugin on `db`, so run it last.
 */
export async function measureCache(db: S3db, resource: Resource, partitioned: Resource, sizes: { gets: number; lists: number }): Promise<CacheFigures> {
  const hot = Array.from({ length: HOT_SET }, (_, i) => `hot-${i}`);
  await Promise.all(hot.map((id, i) => resource.insert({ id, customerId: `c${i}`, status: 'paid', amount: i })));
  const pick = (i: number) => hot[(i * 7919) % hot.length] as string;
  const get = (i: number) => resource.get(pick(i));
  const list = () => partitioned.list(LOOKUP);
  const rows: CacheFigures['rows'] = [];

  // Warm-up, not recorded.
  await rate(Math.min(sizes.gets, 200), get);
  await list();
  const getOff = await rate(sizes.gets, get);
  const listOff = await rate(sizes.lists, list);

  const memoized = Memoizer((id: string) => resource.get(id), { ttl: 60_000, max: 1000, key: (id) => id });
  const getMemo = await rate(sizes.gets, (i) => memoized(pick(i)));

  const cache = await db.usePlugin(new CachePlugin({ driver: 'memory', ttl: 60000, max: 1000 }));
  const before = cache.stats();
  const getOn = await rate(sizes.gets, get);
  const afterGets = cache.stats();
  const listOn = await rate(sizes.lists, list);
  const afterLists = cache.stats();
  await cache.flush();
  const hitRate = (a: { hits: number; misses: number }, b: { hits: number; misses: number }) => {
    const lookups = b.hits - a.hits + (b.misses - a.misses);
    return lookups === 0 ? 0 : (b.hits - a.hits) / lookups;
  };

  rows.push(
    { cache: 'off', read: 'get() of a hot set of 50', reads: sizes.gets, perSec: getOff, hitRate: null },
    { cache: "CachePlugin({ driver: 'memory', ttl: 60000, max: 1000 })", read: 'get() of a hot set of 50', reads: sizes.gets, perSec: getOn, hitRate: hitRate(before, afterGets) },
    { cache: 'Memoizer (application-level, not the plugin)', read: 'get() of a hot set of 50', reads: sizes.gets, perSec: getMemo, hitRate: memoized.stats().hitRate },
    { cache: 'off', read: "list({ partition: 'byStatus', … 'pending' })", reads: sizes.lists, perSec: listOff, hitRate: null },
    { cache: "CachePlugin({ driver: 'memory', ttl: 60000, max: 1000 })", read: "list({ partition: 'byStatus', … 'pending' })", reads: sizes.lists, perSec: listOn, hitRate: hitRate(afterGets, afterLists) },
  );
  return { hotSet: HOT_SET, listed: (await partitioned.list(LOOKUP)).length, rows };
}
