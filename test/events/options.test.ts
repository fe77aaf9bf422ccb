import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { initQueue } from '../../src/events/index.js';
import { resolveQueueOptions } from '../../src/events/options.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir();

describe('initQueue options', () => {
  it('defect "indexes: {cmd: true} turns the core indexes off": options merge with the defaults', () => {
    const queue = initQueue({ dbName: tmp.file(), indexes: { cmd: true } });
    const settings = queue.settings();
    expect(settings.indexes).toMatchObject({ correlation_id: true, causation_id: true, cmd: true, user: false });
    expect(settings.presentIndexes.sort()).toEqual(['causation_id', 'cmd', 'correlation_id']);
    queue.close();
  });

  it('defect "a disabled index is never dropped": switching an index off drops it', () => {
    const dbName = tmp.file();
    initQueue({ dbName, indexes: { user: true, user_datetime: true } }).close();
    const queue = initQueue({ dbName, indexes: { user: false, correlation_id: false, user_datetime: true } });
    expect(queue.settings().presentIndexes.sort()).toEqual(['causation_id', 'user_datetime']);
    queue.close();
    // The configuration states the whole set: what it leaves off (by default) is dropped too.
    const defaults = initQueue({ dbName });
    expect(defaults.settings().presentIndexes.sort()).toEqual(['causation_id', 'correlation_id']);
    defaults.close();
  });

  it('maps each of the eight seed indexes to one SQLite index', () => {
    const all = { correlation_id: true, causation_id: true, cmd: true, user: true, datetime: true, version: true, correlation_cmd: true, user_datetime: true };
    const queue = initQueue({ dbName: tmp.file(), indexes: all });
    expect(queue.settings().presentIndexes).toHaveLength(8);
    const plan = queue.db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM queue WHERE user = ? AND datetime > ?`).all('u', 0) as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join()).toContain('idx_composite_user_datetime');
    queue.close();
  });

  it('defect "no pragma is set explicitly": journal, synchronous and busy_timeout are set and readable', () => {
    const full = initQueue({ dbName: tmp.file() });
    expect(full.settings()).toMatchObject({ journalMode: 'wal', synchronous: 'FULL', busyTimeout: 5000, durability: 'full', tempStore: 'MEMORY', cacheSize: -65536 });
    full.close();
    const normal = initQueue({ dbName: tmp.file(), WAL: false, durability: 'normal', busyTimeout: 250 });
    expect(normal.settings()).toMatchObject({ journalMode: 'delete', synchronous: 'NORMAL', busyTimeout: 250 });
    normal.close();
  });

  it('profiles match the seed table and explicit options override them', () => {
    const high = initQueue({ dbName: tmp.file(), profile: 'high-volume' });
    expect(high.settings().presentIndexes.sort()).toEqual(['causation_id', 'correlation_id']);
    expect(high.getCacheStats().enabled).toBe(false);
    high.close();
    const balanced = initQueue({ dbName: tmp.file(), profile: 'balanced' });
    expect(balanced.settings().presentIndexes.sort()).toEqual(['causation_id', 'cmd', 'correlation_id', 'datetime']);
    expect(balanced.getCacheStats()).toMatchObject({ enabled: true, maxSize: 1000, ttl: 300000 });
    balanced.close();
    const query = initQueue({ dbName: tmp.file(), profile: 'query-optimized', indexes: { user_datetime: true }, cache: { ttl: 1000 } });
    expect(query.settings().presentIndexes).toHaveLength(8);
    expect(query.getCacheStats()).toMatchObject({ maxSize: 5000, ttl: 1000 });
    query.close();
  });

  it('runs the seed quick-start configurations as written', () => {
    const fastQueue = initQueue({
      dbName: tmp.file(),
      WAL: true,
      indexes: { correlation_id: true, causation_id: true },
      cache: { enabled: false },
    });
    const balancedQueue = initQueue({
      dbName: tmp.file(),
      WAL: true,
      indexes: { correlation_id: true, causation_id: true, cmd: true, datetime: true },
      cache: { enabled: true, maxSize: 1000, ttl: 300000 },
    });
    const queryQueue = initQueue({
      dbName: tmp.file(),
      WAL: true,
      indexes: { correlation_id: true, causation_id: true, cmd: true, user: true, datetime: true, version: true, correlation_cmd: true },
      cache: { enabled: true, maxSize: 5000, ttl: 600000 },
    });
    expect(fastQueue.settings().presentIndexes).toHaveLength(2);
    expect(balancedQueue.settings().presentIndexes).toHaveLength(4);
    expect(queryQueue.settings().presentIndexes).toHaveLength(7);
    for (const q of [fastQueue, balancedQueue, queryQueue]) q.close();
  });

  it('rejects unknown and malformed options with a ValidationError naming them', () => {
    const dbName = tmp.file();
    expect(() => initQueue({ dbName, walMode: true } as never)).toThrow(/Unknown initQueue option `walMode`/);
    expect(() => initQueue({ dbName, indexes: { cmdd: true } } as never)).toThrow(/indexes\.cmdd/);
    expect(() => initQueue({ dbName, cache: { maxSize: 0 } })).toThrow(ValidationError);
    expect(() => initQueue({ dbName, durability: 'eventual' as never })).toThrow(/durability/);
    expect(() => initQueue({ dbName, profile: 'fast' as never })).toThrow(/profile/);
    expect(() => initQueue({ dbName, reset: 'yes' as never })).toThrow(/reset/);
  });

  it('defaults: data/events.sqlite, WAL, durability full, core indexes, cache on', () => {
    expect(resolveQueueOptions({})).toMatchObject({
      dbName: 'data/events.sqlite',
      WAL: true,
      durability: 'full',
      busyTimeout: 5000,
      cache: { enabled: true, maxSize: 1000, ttl: 300000 },
      indexes: { correlation_id: true, causation_id: true, cmd: false },
    });
    expect(resolveQueueOptions({ noWAL: true }).WAL).toBe(false);
  });

  it('risky adds reset(), which empties the log', () => {
    const queue = initQueue({ dbName: tmp.file(), risky: true });
    queue.store({ cmd: 'x' });
    queue.reset!();
    expect(queue.retrieveByID(1)).toBeUndefined();
    expect(initQueue({ dbName: tmp.file() }).reset).toBeUndefined();
    queue.close();
  });
});
