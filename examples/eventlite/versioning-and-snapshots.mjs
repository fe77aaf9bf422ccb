// eventlite's versioning-and-snapshots flow on s3lite: `reset: true`, model
// migrations for old event versions, a snapshot at the last event, restore
// into a fresh model and replay of what followed.
import { join } from 'node:path';
import { eventCallbacks, initQueue, initSnapshots, modelSetup } from 's3lite';
import { tempDir } from '../_temp-dir.mjs';

const dir = tempDir('eventlite-versions');
const dbName = join(dir, 'versioned-events.sqlite');
const earlier = initQueue({ dbName });
earlier.store({ cmd: 'leftover' });
earlier.close();
const eventQueue = initQueue({ dbName, reset: true }); // starts from an empty log
const snapshots = initSnapshots({ dbName: join(dir, 'order-snapshots.sqlite') });

function orderModel(file) {
  return modelSetup({
    dbName: file,
    reset: ['delete'],
    tables(db) {
      db.query(`CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT, status TEXT DEFAULT 'pending', total REAL DEFAULT 0)`).run();
    },
    queries(db) {
      return {
        create: db.query('INSERT INTO orders (customer_id) VALUES ($customerId)'),
        addToTotal: db.query('UPDATE orders SET total = total + $amount WHERE id = $id'),
        setStatus: db.query('UPDATE orders SET status = $status WHERE id = $id'),
        all: db.query('SELECT id, customer_id, status, total FROM orders ORDER BY id'),
      };
    },
    methods(q) {
      return {
        createOrder({ customerId }) {
          return { orderId: Number(q.create.run({ customerId }).lastInsertRowid) };
        },
        addItem({ orderId, price, quantity }) {
          q.addToTotal.run({ id: orderId, amount: price * quantity });
          return { orderId };
        },
        updateStatus({ orderId, status }) {
          q.setStatus.run({ id: orderId, status });
          return { orderId, status };
        },
      };
    },
    migrations() {
      return {
        // v1 -> v2: old status names.
        updateStatus: [(data) => ({ ...data, status: { completed: 'delivered', 'in-progress': 'processing' }[data.status] ?? data.status })],
      };
    },
  });
}

const model = orderModel(join(dir, 'orders.sqlite'));
const cb = eventCallbacks.void;
eventQueue.store({ cmd: 'createOrder', data: { customerId: 'C1' }, version: 1 }, model, cb);
eventQueue.store({ cmd: 'addItem', data: { orderId: 1, price: 29.99, quantity: 2 }, version: 1 }, model, cb);
eventQueue.store({ cmd: 'updateStatus', data: { orderId: 1, status: 'completed' }, version: 1 }, model, cb);
for (let i = 2; i <= 3; i++) {
  eventQueue.store({ cmd: 'createOrder', data: { customerId: `C${i}` }, version: 2 }, model, cb);
  eventQueue.store({ cmd: 'addItem', data: { orderId: i, price: 10 * i, quantity: 1 }, version: 2 }, model, cb);
}

const lastId = eventQueue._queries.getLastRow.get().id;
const snap = await snapshots.createSnapshot('orders', lastId, model, { description: 'after the first orders' });
console.log(`snapshot ${snap.success ? 'saved' : 'failed'} at event ${snap.eventId}`);
const wrong = await snapshots.createSnapshot('orders', 3, model);
console.log('snapshot labelled 3:', wrong.success, '-', wrong.error.split(';')[0]);

eventQueue.store({ cmd: 'updateStatus', data: { orderId: 2, status: 'in-progress' }, version: 1 }, model, cb);
eventQueue.store({ cmd: 'updateStatus', data: { orderId: 3, status: 'shipped' }, version: 2 }, model, cb);

const fresh = orderModel(join(dir, 'orders-restored.sqlite'));
const restored = await snapshots.restoreSnapshot('orders', lastId, fresh);
console.log(`restored event ${restored.eventId}, replay from ${restored.replayFrom}`);
let replayed = 0;
eventQueue.cycleThrough(fresh, () => console.log(`replayed ${replayed} events`), { _default: () => replayed++, _error: (e) => console.error(e.msg) }, { start: restored.replayFrom });

const same = JSON.stringify(fresh._queries.all.all()) === JSON.stringify(model._queries.all.all());
console.log('orders:', model._queries.all.all().map((o) => `${o.id}:${o.status}:${o.total}`).join(' '));
console.log('restored + replay equals the live model:', same);
console.log('old snapshots deleted:', snapshots.deleteOldSnapshots('orders', lastId + 1));
snapshots.close();
eventQueue.close();
model._close();
fresh._close();
