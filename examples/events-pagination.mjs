// Seed: "Pagination": { events, totalCount, hasMore, nextOffset }, read in one snapshot.
import { join } from 'node:path';
import { initQueue } from 's3lite';
import { tempDir } from './_temp-dir.mjs';

const eventQueue = initQueue({ dbName: join(tempDir('pagination'), 'events.sqlite') });
const correlationId = 'order-42';
eventQueue.storeBulk(Array.from({ length: 250 }, (_, i) => ({ cmd: 'lineAdded', data: { line: i }, correlationId })));
let offset = 0;
for (;;) {
  const page = eventQueue.getByCorrelationIdPaginated(correlationId, { limit: 100, offset });
  console.log(`offset ${offset}: ${page.events.length} events of ${page.totalCount}, hasMore ${page.hasMore}`);
  if (!page.hasMore) break;
  offset = page.nextOffset;
}
eventQueue.close();
