/**
 * The docs engine's concurrency guarantees on a real S3 server that enforces
 * conditional writes (Ceph radosgw, started by test/global-setup.ts). Before
 * the dialect probe every update() failed there: RGW 16 answers 412 to the
 * quoted If-Match form and some race losers get 500 instead of 412.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/core/errors.js';
import { S3db } from '../../src/docs/index.js';
import { rgwConnectionString } from '../helpers/rgw.js';

const skip = inject('rgwEndpoint') === '' ? inject('rgwSkipReason') : undefined;
if (skip !== undefined) console.info(`[rgw] skipped the docs concurrency tests on Ceph RGW: ${skip}`);

const FIELDS = Array.from({ length: 20 }, (_, i) => `f${i}`);

describe.skipIf(skip !== undefined)('no lost updates on Ceph RGW', () => {
  const opened: S3db[] = [];
  const open = async (connectionString: string) => {
    const db = new S3db({ connectionString, logLevel: 'silent', executorPool: { concurrency: 20, retryDelay: 5 } });
    await db.connect();
    opened.push(db);
    return db;
  };
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.disconnect();
  });

  it('20 concurrent update()s of 20 different fields of one document all survive', async () => {
    const db = await open(await rgwConnectionString('db'));
    const counters = await db.createResource({ name: 'counters', attributes: Object.fromEntries(FIELDS.map((f) => [f, 'number|optional'])) });
    await counters.insert({ id: 'one' });
    const results = await Promise.allSettled(FIELDS.map((f, i) => counters.update('one', { [f]: i + 1 })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const doc = await counters.get('one');
    for (const [i, f] of FIELDS.entries()) expect(doc[f]).toBe(i + 1);
    expect(db.capabilities).toMatchObject({ conditionalWrites: true, conditionalDeletes: false, s3: { ifMatch: 'unquoted' } });
  });

  it('two databases (two processes) updating one document concurrently keep both changes', async () => {
    const connectionString = await rgwConnectionString('db');
    const [one, two] = [await open(connectionString), await open(connectionString)];
    const a = await one.createResource({ name: 'shared', attributes: { x: 'number|optional', y: 'number|optional' } });
    const b = await two.createResource({ name: 'shared', attributes: { x: 'number|optional', y: 'number|optional' } });
    await a.insert({ id: 'doc' });
    await Promise.all([...Array.from({ length: 10 }, (_, i) => a.update('doc', { x: i })), ...Array.from({ length: 10 }, (_, i) => b.update('doc', { y: i }))]);
    const doc = await a.get('doc');
    expect(typeof doc.x).toBe('number');
    expect(typeof doc.y).toBe('number');
  });

  it('insert racing insert of one id: exactly one wins, the others get ConflictError, the winner is kept', async () => {
    const db = await open(await rgwConnectionString('db'));
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    const names = Array.from({ length: 10 }, (_, i) => `writer-${i}`);
    const results = await Promise.allSettled(names.map((name) => users.insert({ id: 'same', name })));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [names[i]] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    expect((await users.get('same')).name).toBe(winners[0]);
  });

  it('update racing delete: the delete wins or sees the update; nothing is resurrected and no partition reference is left', async () => {
    const db = await open(await rgwConnectionString('db'));
    const orders = await db.createResource({
      name: 'orders',
      attributes: { status: 'string' },
      asyncPartitions: false,
      partitions: { byStatus: { fields: { status: 'string' } } },
    });
    const ids = Array.from({ length: 10 }, (_, i) => `o${i}`);
    for (const id of ids) await orders.insert({ id, status: 'pending' });
    const raced = await Promise.all(ids.map((id) => Promise.allSettled([orders.update(id, { status: 'shipped' }), orders.delete(id)])));
    for (const [update, remove] of raced) {
      expect(remove.status).toBe('fulfilled');
      if (update.status === 'rejected') expect(update.reason).toBeInstanceOf(NotFoundError);
    }
    for (const id of ids) await expect(orders.get(id)).rejects.toBeInstanceOf(NotFoundError);
    const refs: string[] = [];
    for await (const object of db.client.listAll({ prefix: 'resource=orders/partition=' })) refs.push(object.key);
    expect(refs).toEqual([]);
  });

  it('an update landing between a delete\'s read and its DELETE is seen, not silently deleted (RGW ignores If-Match on DELETE)', async () => {
    const connectionString = await rgwConnectionString('db');
    const [mine, theirs] = [await open(connectionString), await open(connectionString)];
    const config = { name: 'orders', attributes: { status: 'string' }, asyncPartitions: false, partitions: { byStatus: { fields: { status: 'string' } } } };
    const orders = await mine.createResource(config);
    const remote = await theirs.createResource(config);
    await orders.insert({ id: 'o1', status: 'pending' });
    let interfered = false;
    orders.addHook('beforeDelete', async () => {
      if (!interfered) {
        interfered = true;
        await remote.update('o1', { status: 'shipped' });
      }
    });
    const deleted = await orders.delete('o1');
    // The stale DELETE was refused (by S3Store's check), re-read, and the version that really existed was deleted.
    expect(deleted.status).toBe('shipped');
    await expect(orders.get('o1')).rejects.toBeInstanceOf(NotFoundError);
    const refs: string[] = [];
    for await (const object of mine.client.listAll({ prefix: 'resource=orders/partition=' })) refs.push(object.key);
    expect(refs).toEqual([]);
  });
});
