// Seed: "Bulk export/import utilities": lossless JSONL both ways.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { initQueue, BulkOperations } from 's3lite';
import { tempDir } from './_temp-dir.mjs';

const dir = tempDir('jsonl');
const eventQueue = initQueue({ dbName: join(dir, 'events.sqlite') });
eventQueue.store({ cmd: 'userRegistered', data: { email: 'ann@example.com' }, correlationId: 'signup-1' });
eventQueue.store({ cmd: 'emailVerified', data: {}, causationId: 1 });
const bulkOps = new BulkOperations(eventQueue);
const file = join(dir, 'events.jsonl');
console.log('export:', await bulkOps.exportToJSONL(file));
console.log(readFileSync(file, 'utf8').trim());
const copy = initQueue({ dbName: join(dir, 'copy.sqlite') });
console.log('import:', await new BulkOperations(copy).importFromJSONL(file));
const event = copy.retrieveByID(2);
console.log('round trip keeps correlation and causation:', event.correlation_id, event.causation_id);
eventQueue.close();
copy.close();
