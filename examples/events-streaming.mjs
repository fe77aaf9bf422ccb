// Seed: "Streaming": constant memory over any log size (keyset paging).
import { join } from 'node:path';
import { initQueue } from 's3lite';
import { tempDir } from './_temp-dir.mjs';

const eventQueue = initQueue({ dbName: join(tempDir('streaming'), 'events.sqlite') });
eventQueue.storeBulk(Array.from({ length: 5000 }, (_, i) => ({ cmd: i % 2 ? 'orderPaid' : 'orderPlaced', data: { amount: i } })));
let batches = 0;
let total = 0;
async function processBatch(batch) {
  batches++;
  total += batch.reduce((sum, e) => sum + e.data.amount, 0);
}
for await (const batch of eventQueue.streamEvents({ batchSize: 1000 })) {
  await processBatch(batch);
}
console.log(`${batches} batches, sum of amounts ${total}`);
let paid = 0;
for await (const batch of eventQueue.streamEvents({ batchSize: 1000, cmd: 'orderPaid' })) paid += batch.length;
console.log(`orderPaid events: ${paid}`);
eventQueue.close();
