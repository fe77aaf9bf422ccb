// README quick start: the events engine. The model shares the queue's file, so each event and its model changes commit together.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initQueue, modelSetup, eventCallbacks } from 's3lite';

const dir = mkdtempSync(join(tmpdir(), 's3lite-quickstart-'));
const dbName = join(dir, 'events.sqlite');
const queue = initQueue({ dbName, profile: 'balanced' });

const model = modelSetup({
  dbName,
  tables(db) {
    db.query('CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, balance INTEGER NOT NULL)').run();
  },
  queries(db) {
    return {
      open: db.query('INSERT INTO accounts (id, balance) VALUES ($id, 0)'),
      deposit: db.query('UPDATE accounts SET balance = balance + $amount WHERE id = $id'),
      balance: db.query('SELECT balance FROM accounts WHERE id = $id'),
    };
  },
  methods(queries) {
    return {
      openAccount: ({ id }) => queries.open.run({ id }),
      deposit: ({ id, amount }) => queries.deposit.run({ id, amount }),
    };
  },
});

const callbacks = { ...eventCallbacks.void, deposit: (result, row) => console.log(`deposited ${row.data.amount} (event ${row.id})`) };
const opened = queue.store({ cmd: 'openAccount', data: { id: 'acc-1' } }, model, callbacks);
queue.store({ cmd: 'deposit', data: { id: 'acc-1', amount: 50 }, causationId: 1 }, model, callbacks);
await Promise.all([10, 20, 30].map((amount) => queue.storeAsync({ cmd: 'deposit', data: { id: 'acc-1', amount } }, model, callbacks)));
console.log('balance:', model._queries.balance.get({ id: 'acc-1' }).balance);
console.log('transaction:', queue.getTransaction(queue.retrieveByID(1).correlation_id).map((e) => e.cmd));
console.log('opened:', opened !== undefined);
queue.close();
rmSync(dir, { recursive: true, force: true });
