import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { initQueue, modelSetup } from '../../src/events/index.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir();

/**
 * The queue table as eventlite-sourcing v0.2.0 creates it (lib/event-source.js),
 * with its two default indexes, and the pre-0.2 table (no version, correlation,
 * causation or metadata columns).
 */
const EVENTLITE_V020 = `CREATE TABLE IF NOT EXISTS queue ( id INTEGER PRIMARY KEY AUTOINCREMENT, version INTEGER DEFAULT 1, datetime INTEGER NOT NULL, user TEXT, ip TEXT, cmd TEXT NOT NULL, data TEXT, correlation_id TEXT, causation_id INTEGER, metadata TEXT);
CREATE INDEX IF NOT EXISTS idx_correlation_id ON queue(correlation_id);
CREATE INDEX IF NOT EXISTS idx_causation_id ON queue(causation_id);
CREATE INDEX IF NOT EXISTS idx_cmd ON queue(cmd);`;
const EVENTLITE_V01 = `CREATE TABLE IF NOT EXISTS queue ( id INTEGER PRIMARY KEY AUTOINCREMENT, datetime INTEGER NOT NULL, user TEXT, ip TEXT, cmd TEXT NOT NULL, data TEXT);`;

describe('eventlite-sourcing files', () => {
  it('opens a v0.2.0 file as-is, adds the stream columns, keeps ids and reads its rows', () => {
    const dbName = tmp.file('eventlite');
    const raw = new Database(dbName);
    raw.exec(EVENTLITE_V020);
    const insert = raw.prepare(
      'INSERT INTO queue (version, datetime, user, ip, cmd, data, correlation_id, causation_id, metadata) VALUES ($version,$datetime,$user,$ip,$cmd,$data,$correlation_id,$causation_id,$metadata)',
    );
    insert.run({ version: 1, datetime: 1700000000000, user: 'ann', ip: '::1', cmd: 'createUser', data: '{"name":"ann"}', correlation_id: 'c-1', causation_id: null, metadata: '{}' });
    insert.run({ version: 2, datetime: 1700000000500, user: 'ann', ip: '::1', cmd: 'rename', data: '{"name":"anne"}', correlation_id: 'c-1', causation_id: 1, metadata: null });
    raw.close();

    const queue = initQueue({ dbName });
    const columns = (queue.db.prepare('PRAGMA table_info(queue)').all() as Array<{ name: string }>).map((c) => c.name);
    expect(columns).toEqual(['id', 'version', 'datetime', 'user', 'ip', 'cmd', 'data', 'correlation_id', 'causation_id', 'metadata', 'stream', 'stream_version']);
    expect(queue.retrieveByID(2)).toEqual({
      id: 2, version: 2, datetime: 1700000000500, user: 'ann', ip: '::1', cmd: 'rename', data: { name: 'anne' },
      correlation_id: 'c-1', causation_id: 1, metadata: {}, stream: null, stream_version: null,
    });
    // eventlite's disabled-by-default idx_cmd is dropped: the file now matches the configuration.
    expect(queue.settings().presentIndexes.sort()).toEqual(['causation_id', 'correlation_id']);
    queue.store({ cmd: 'rename', causationId: 2, data: { name: 'ann b' } });
    expect(queue.getTransaction('c-1').map((e) => e.id)).toEqual([1, 2, 3]);
    queue.close();
  });

  it('migrates a pre-0.2 file (no version/correlation/metadata columns)', () => {
    const dbName = tmp.file('eventlite-old');
    const raw = new Database(dbName);
    raw.exec(EVENTLITE_V01);
    raw.prepare(`INSERT INTO queue (datetime, user, ip, cmd, data) VALUES (1, 'u', 'ip', 'old', '{"a":1}')`).run();
    raw.close();
    const queue = initQueue({ dbName });
    expect(queue.retrieveByID(1)).toMatchObject({ version: 1, correlation_id: null, causation_id: null, metadata: {}, data: { a: 1 } });
    queue.store({ cmd: 'new', causationId: 1 });
    expect(queue.retrieveByID(2)!.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    queue.close();
  });

  it('runs eventlite model code unchanged: db.query, named parameters from plain objects, (data, meta) methods, get/all passthrough', () => {
    const dbName = tmp.file();
    const eventQueue = initQueue({ dbName });
    const model = modelSetup({
      dbName,
      tables(db) {
        db.query('CREATE TABLE carts (user_id TEXT PRIMARY KEY, items TEXT, total REAL)').run();
      },
      queries(db) {
        return {
          getCart: db.query('SELECT * FROM carts WHERE user_id = $userId'),
          saveCart: db.query('INSERT OR REPLACE INTO carts (user_id, items, total) VALUES ($userId, $items, $total)'),
        };
      },
      methods(queries) {
        return {
          addItem({ userId, item, price }: { userId: string; item: string; price: number }, meta: { cmd: string; id: number }) {
            const cart = (queries.getCart.get({ userId }) as { items: string } | undefined) ?? { items: '[]', total: 0 };
            const items = JSON.parse(cart.items) as Array<{ item: string; price: number }>;
            items.push({ item, price });
            const total = items.reduce((sum, i) => sum + i.price, 0);
            queries.saveCart.run({ userId, items: JSON.stringify(items), total });
            return { userId, itemCount: items.length, total, cmd: meta.cmd, id: meta.id };
          },
        };
      },
    });
    eventQueue.store({ cmd: 'addItem', data: { userId: 'u1', item: 'pen', price: 2 } }, model);
    expect(eventQueue.store({ cmd: 'addItem', data: { userId: 'u1', item: 'ink', price: 3 } }, model)).toEqual({ userId: 'u1', itemCount: 2, total: 5, cmd: 'addItem', id: 2 });
    expect(eventQueue.store({ cmd: 'getCart', data: { userId: 'u1' } }, model)).toMatchObject({ user_id: 'u1', total: 5 });
    expect(model.all('getCart', { userId: 'u1' })).toHaveLength(1);
    eventQueue.close();
    model._close();
  });
});
