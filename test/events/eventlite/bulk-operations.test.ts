/** BulkOperations' batch helpers as eventlite documents them: getProcessingStats, batchProcess, migrateEvents. */
import { describe, expect, it } from 'vitest';
import { BulkOperations, initQueue } from '../../../src/events/index.js';
import type { EventRow } from '../../../src/events/index.js';
import { useTempDir } from '../helpers.js';

const { file } = useTempDir();

function seeded() {
  let t = 1000;
  const queue = initQueue({ dbName: file(), datetime: () => (t += 10) });
  queue.store({ cmd: 'orderPlaced', user: 'ann', data: { total: 5 }, correlationId: 'o1' });
  queue.store({ cmd: 'orderPaid', user: 'ann', data: { total: 5 }, causationId: 1 });
  queue.store({ cmd: 'orderPlaced', user: 'bob', data: { total: 7 }, version: 2 });
  queue.store({ cmd: 'ping', data: {} });
  return queue;
}

describe('BulkOperations batch helpers', () => {
  it('getProcessingStats counts by cmd, user and version, root/child events, correlations and the date range', async () => {
    const queue = seeded();
    const stats = await new BulkOperations(queue).getProcessingStats();
    expect(stats).toEqual({
      totalEvents: 4,
      eventsByCommand: { orderPaid: 1, orderPlaced: 2, ping: 1 },
      eventsByUser: { ann: 2, bob: 1 },
      eventsByVersion: { 1: 3, 2: 1 },
      dateRange: { min: 1010, max: 1040 },
      rootEvents: 3,
      childEvents: 1,
      uniqueCorrelations: 3,
    });
    expect((await new BulkOperations(queue).getProcessingStats({ startId: 2, endId: 3 })).totalEvents).toBe(2);
    queue.close();
  });

  it('batchProcess calls the function per batch with parsed events; a throwing batch is counted, not fatal', async () => {
    const queue = seeded();
    const seen: number[][] = [];
    const result = await new BulkOperations(queue).batchProcess(
      async (batch: EventRow[]) => {
        seen.push(batch.map((e) => e.id));
        if (batch.some((e) => e.cmd === 'ping')) throw new Error('no pings');
      },
      { batchSize: 3 },
    );
    expect(seen).toEqual([[1, 2, 3], [4]]);
    expect(result).toEqual({ success: true, totalProcessed: 3, totalErrors: 1, errors: [{ batch: 1, error: 'no pings' }] });
    const placed: string[] = [];
    await new BulkOperations(queue).batchProcess((batch: EventRow[]) => void placed.push(...batch.map((e) => e.user)), { cmd: 'orderPlaced', parallel: true, maxConcurrency: 2, batchSize: 1 });
    expect(placed.sort()).toEqual(['ann', 'bob']);
    queue.close();
  });

  it('migrateEvents appends upgraded copies of older events at targetVersion, keeping correlation; dryRun stores nothing', async () => {
    const queue = seeded();
    const bulk = new BulkOperations(queue);
    const upgrade = (event: EventRow) => (event.cmd === 'orderPlaced' ? { ...event, data: { ...(event.data as Record<string, unknown>), currency: 'USD' } } : null);
    expect(await bulk.migrateEvents(upgrade, { targetVersion: 2, dryRun: true })).toEqual({ totalProcessed: 4, totalMigrated: 1, errors: [], dryRun: true });
    expect(queue.retrieveByID(5)).toBeUndefined();
    const result = await bulk.migrateEvents(upgrade, { targetVersion: 2 });
    expect(result).toMatchObject({ totalProcessed: 4, totalMigrated: 1, dryRun: false });
    expect(queue.retrieveByID(5)).toMatchObject({ cmd: 'orderPlaced', version: 2, correlation_id: 'o1', data: { total: 5, currency: 'USD' } });
    expect(queue.retrieveByID(6)).toBeUndefined();
    const failing = await bulk.migrateEvents(() => {
      throw new Error('bad');
    }, { targetVersion: 3 });
    expect(failing.errors[0]).toEqual({ eventId: 1, error: 'bad' });
    queue.close();
  });
});
