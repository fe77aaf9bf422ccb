// eventlite's wait conditions on s3lite: an order ships once payment and
// inventory are both in, a document is approved after three yes votes,
// an unanswered request expires and a cancelled one never runs.
import { join } from 'node:path';
import { initQueue, modelSetup } from 's3lite';
import { tempDir } from '../_temp-dir.mjs';

const dir = tempDir('eventlite-wait');
const dbName = join(dir, 'events.sqlite');
let now = Date.now();
const eventQueue = initQueue({ dbName, datetime: () => now });
const model = modelSetup({
  dbName, // same file as the queue: an event, the event it releases and both model changes commit together
  tables(db) {
    db.query('CREATE TABLE IF NOT EXISTS log (line TEXT)').run();
  },
  queries(db) {
    return { add: db.query('INSERT INTO log VALUES ($line)'), all: db.query('SELECT line FROM log ORDER BY rowid') };
  },
  methods(q) {
    const note = (cmd) => (data) => {
      q.add.run(`${cmd} ${JSON.stringify(data)}`);
      return cmd;
    };
    return Object.fromEntries(['createOrder', 'paymentReceived', 'inventoryChecked', 'fulfillOrder', 'approvalGranted', 'documentApproved', 'remind', 'refund'].map((c) => [c, note(c)]));
  },
});
const callbacks = { _default() {}, _error: (e) => console.log('error:', e.msg), _timeout: (event) => console.log(`timed out: ${event.cmd}`) };

const order = 'order-123';
eventQueue.store({ cmd: 'createOrder', correlationId: order, data: { items: ['widget'] } }, model, callbacks);
const pending = eventQueue.storeWhen(
  { cmd: 'fulfillOrder', correlationId: order, data: { orderId: 123 }, waitFor: { all: [{ pattern: 'paymentReceived', correlationId: order }, { pattern: 'inventoryChecked', correlationId: order }] }, timeout: 300_000 },
  model,
  callbacks,
);
console.log('fulfillOrder is', pending.status);
eventQueue.store({ cmd: 'paymentReceived', correlationId: order, data: { amount: 99.99 } }, model, callbacks);
console.log('after payment, pending for the order:', eventQueue.getPendingEventsByCorrelation(order).length);
eventQueue.store({ cmd: 'inventoryChecked', correlationId: order, data: { ok: true } }, model, callbacks);
console.log('after inventory, pending for the order:', eventQueue.getPendingEventsByCorrelation(order).length);

const doc = 'approval-doc-7';
eventQueue.storeWhen({ cmd: 'documentApproved', correlationId: doc, data: { documentId: 7 }, waitFor: { count: { pattern: 'approvalGranted', correlationId: doc, count: 3, where: { decision: 'approve' } } } }, model, callbacks);
for (const decision of ['approve', 'reject', 'approve', 'approve']) eventQueue.store({ cmd: 'approvalGranted', correlationId: doc, data: { decision } }, model, callbacks);

const reminder = eventQueue.storeWhen({ cmd: 'remind', correlationId: 'r-1', waitFor: { any: [{ pattern: 'answered', correlationId: 'r-1' }] }, timeout: 1000 }, model, callbacks);
const refund = eventQueue.storeWhen({ cmd: 'refund', correlationId: 'o-9', waitFor: { any: [{ pattern: 'returned', correlationId: 'o-9' }] } }, model, callbacks);
console.log('cancelled refund:', eventQueue.cancelPendingEvent(refund.pendingEventId));
now += 5000;
console.log('expired:', eventQueue.expirePendingEvents().map((p) => p.id).includes(reminder.pendingEventId));

console.log(model._queries.all.all().map((r) => r.line.split(' ')[0]).join(' > '));
console.log('executed pending events:', eventQueue.getPendingEventsByStatus('executed').length);
eventQueue.close();
model._close();
