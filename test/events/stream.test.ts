import { describe, expect, it } from 'vitest';
import { initQueue } from '../../src/events/index.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir();

describe('streamEvents', () => {
  it('streams 100k events in keyset batches, in id order, each exactly once', async () => {
    const queue = initQueue({ dbName: tmp.file(), durability: 'normal' });
    queue.storeBulk(Array.from({ length: 100_000 }, (_, i) => ({ cmd: i % 10 === 0 ? 'tenth' : 'other', data: { i } })));
    let expected = 1;
    let batches = 0;
    let outOfOrder = 0;
    let largest = 0;
    for await (const batch of queue.streamEvents<{ i: number }>({ batchSize: 1000 })) {
      largest = Math.max(largest, batch.length);
      for (const event of batch) if (event.id !== expected++ || event.data.i !== event.id - 1) outOfOrder++;
      batches++;
    }
    expect(outOfOrder).toBe(0);
    expect(largest).toBe(1000);
    expect(expected - 1).toBe(100_000);
    expect(batches).toBe(100);
    let tenth = 0;
    for await (const batch of queue.streamEvents({ cmd: 'tenth', batchSize: 777 })) tenth += batch.length;
    expect(tenth).toBe(10_000);
    queue.close();
  });

  it('combines filters: id range, correlation, user, cmd, since/until', async () => {
    let clock = 1_000;
    const queue = initQueue({ dbName: tmp.file(), datetime: () => (clock += 1000) });
    for (let i = 0; i < 20; i++) queue.store({ cmd: i % 2 ? 'b' : 'a', user: i < 10 ? 'ann' : 'bob', correlationId: i % 3 ? 'x' : 'y' });
    const collect = async (options: Parameters<typeof queue.streamEvents>[0]) => {
      const ids: number[] = [];
      for await (const batch of queue.streamEvents(options)) ids.push(...batch.map((e) => e.id));
      return ids;
    };
    expect(await collect({ startId: 5, endId: 8, batchSize: 2 })).toEqual([5, 6, 7, 8]);
    expect(await collect({ user: 'bob', cmd: 'a' })).toEqual([11, 13, 15, 17, 19]);
    expect(await collect({ correlationId: 'y', endId: 10 })).toEqual([1, 4, 7, 10]);
    expect(await collect({ since: new Date(4000), until: 6000 })).toEqual([3, 4, 5]);
    await expect(collect({ batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(collect({ cmds: 'a' } as never)).rejects.toThrow(/Unknown streamEvents option/);
    queue.close();
  });

  it('runs the seed example as written', async () => {
    const eventQueue = initQueue({ dbName: tmp.file() });
    eventQueue.storeBulk([{ cmd: 'a' }, { cmd: 'b' }]);
    const processed: string[] = [];
    const processBatch = async (batch: Array<{ cmd: string }>) => {
      processed.push(...batch.map((e) => e.cmd));
    };
    for await (const batch of eventQueue.streamEvents({ batchSize: 1000 })) {
      await processBatch(batch);
    }
    expect(processed).toEqual(['a', 'b']);
    eventQueue.close();
  });
});
