// eventlite's bulk operations on s3lite: storeBulk, JSONL export (from startId 0)
// and import, processing statistics, batch processing and event migration.
import { join } from 'node:path';
import { BulkOperations, initQueue } from 's3lite';
import { tempDir } from '../_temp-dir.mjs';

const dir = tempDir('eventlite-bulk');
const eventQueue = initQueue({ dbName: join(dir, 'events.sqlite') });
const users = ['ann', 'bob', 'cy'];
eventQueue.storeBulk(
  Array.from({ length: 1000 }, (_, i) => ({
    cmd: i % 4 === 0 ? 'orderPlaced' : 'pageViewed',
    user: users[i % 3],
    data: { n: i, amount: i % 4 === 0 ? 10 : 0 },
    version: i < 500 ? 1 : 2,
    correlationId: `session-${i % 10}`,
  })),
);

const bulkOps = new BulkOperations(eventQueue);
const file = join(dir, 'events.jsonl');
const { exported } = await bulkOps.exportToJSONL(file, { startId: 0 });
const copy = initQueue({ dbName: join(dir, 'copy.sqlite') });
const { imported } = await new BulkOperations(copy).importFromJSONL(file);
console.log(`exported ${exported}, imported ${imported}`);

const stats = await bulkOps.getProcessingStats();
console.log('stats:', stats.totalEvents, 'events;', JSON.stringify(stats.eventsByCommand), JSON.stringify(stats.eventsByVersion), stats.uniqueCorrelations, 'correlations');

let revenue = 0;
const processed = await bulkOps.batchProcess(async (batch) => {
  for (const event of batch) revenue += event.data.amount;
}, { batchSize: 100, cmd: 'orderPlaced', parallel: true, maxConcurrency: 2 });
console.log(`batchProcess: ${processed.totalProcessed} orders, revenue ${revenue}`);

const toCents = (event) => (event.cmd === 'orderPlaced' ? { ...event, data: { ...event.data, amountCents: event.data.amount * 100 } } : null);
const dry = await bulkOps.migrateEvents(toCents, { targetVersion: 2, dryRun: true });
const real = await bulkOps.migrateEvents(toCents, { targetVersion: 2 });
console.log(`migrate: dry run would add ${dry.totalMigrated}, added ${real.totalMigrated}; log now ${eventQueue._queries.getLastRow.get().id} events`);
eventQueue.close();
copy.close();
