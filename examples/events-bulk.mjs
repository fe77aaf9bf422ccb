// Seed: "Bulk Operations": storeBulk writes many events (and their model changes) in one transaction.
import { join } from 'node:path';
import { initQueue, modelSetup } from 's3lite';
import { tempDir } from './_temp-dir.mjs';

const dbName = join(tempDir('bulk'), 'events.sqlite');
const eventQueue = initQueue({ dbName });
const model = modelSetup({
  dbName, // same file: events and model rows commit together
  tables(db) {
    db.exec('CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, amount REAL)');
  },
  queries(db) {
    return { insert: db.prepare('INSERT INTO orders (id, amount) VALUES (?, ?)') };
  },
  methods(queries) {
    return { orderPlaced: ({ id, amount }) => queries.insert.run(id, amount) };
  },
});
const events = Array.from({ length: 10000 }, (_, i) => ({ cmd: 'orderPlaced', data: { id: `o${i}`, amount: i } }));
const start = performance.now();
const results = eventQueue.storeBulk(events, model, {});
const ms = performance.now() - start;
console.log(`${results.length} events in ${ms.toFixed(0)} ms (${Math.round((results.length * 1000) / ms)} events/s)`);
console.log('model rows:', model._db.prepare('SELECT count(*) AS n FROM orders').get().n);
eventQueue.close();
