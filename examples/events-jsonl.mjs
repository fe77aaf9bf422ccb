// Seed: "Bulk export/import utilities": lossless JSONL both ways, and re-importing is harmless.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { initQueue, BulkOperations } from 's3lite';
import { tempDir } from './_temp-dir.mjs';

const dir = tempDir('jsonl');
process.chdir(dir); // the seed writes 'events.jsonl' in the working directory
const eventQueue = initQueue({ dbName: join(dir, 'events.sqlite') });
eventQueue.store({ cmd: 'userRegistered', data: { email: 'ann@example.com' }, correlationId: 'signup-1' });
eventQueue.store({ cmd: 'emailVerified', data: {}, causationId: 1 });

// The seed's lines, as written: export, then import the file back into the same queue.
const bulkOps = new BulkOperations(eventQueue);
console.log('export:', await bulkOps.exportToJSONL('events.jsonl'));
console.log(readFileSync('events.jsonl', 'utf8').trim());
// Every line is already stored, identical: skipped, nothing written twice.
console.log('import into the same queue:', await bulkOps.importFromJSONL('events.jsonl'));

// Into a fresh queue, the same file restores every column, ids and links included.
const copy = initQueue({ dbName: join(dir, 'copy.sqlite') });
console.log('import into a new queue:', await new BulkOperations(copy).importFromJSONL('events.jsonl'));
const event = copy.retrieveByID(2);
console.log('round trip keeps correlation and causation:', event.correlation_id, event.causation_id);
eventQueue.close();
copy.close();
