/**
 * The docs engine's concurrency guarantees, one suite over every backend that
 * enforces conditional writes: memory://, file:// and Ceph radosgw (a real S3
 * server; before the dialect probe every update() failed there: RGW 16
 * answers 412 to the quoted If-Match form and some race losers get 500
 * instead of 412). s3rver enforces no condition: its case is the warning.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/core/errors.js';
import { S3db } from '../../src/docs/index.js';
import { createClient } from '../../src/storage/index.js';
import { backendSkipReason, openTestDb, type Backend, type TestDb } from './helpers.js';
import { referenceKeys } from './partitions/fixtures.js';

const FIELDS = Array.from({ length: 20 }, (_, i) => `f${i}`);

interface Row {
  name: string;
  backend: Backend;
  /** Part of what the store turns out to enforce once the database has written (S3 servers are probed then). */
  capabilities: Record<string, unknown>;
}

const LOCAL: Row['capabilities'] = { conditionalWrites: true, conditionalDeletes: true };
const ROWS: Row[] = [
  { name: 'memory://', backend: 'memory', capabilities: LOCAL },
  { name: 'file://', backend: 'file', capabilities: LOCAL },
  // Ceph 16 takes If-Match only in the bare hex form and ignores it on DELETE (S3Store checks with a HEAD just before).
  { name: 'Ceph RGW', backend: 'rgw', capabilities: { conditionalWrites: true, conditionalDeletes: false, s3: { ifMatch: 'unquoted' } } },
];

const ORDERS = { name: 'orders', attributes: { status: 'string' }, asyncPartitions: false, partitions: { byStatus: { fields: { status: 'string' } } } };

for (const { name, backend, capabilities } of ROWS) {
  const skip = backendSkipReason(backend);
  if (skip !== undefined) console.info(`[concurrency] skipped the ${name} row: ${skip}`);

  describe.skipIf(skip !== undefined)(`no lost updates on ${name}`, () => {
    let t: TestDb | undefined;
    afterEach(async () => {
      await t?.cleanup();
      t = undefined;
    });

    it('s3db.js defect: concurrent update()s of different fields lost one; here 20 concurrent updates of 20 fields all survive', async () => {
      t = await openTestDb(backend);
      const attributes = Object.fromEntries(FIELDS.map((f) => [f, 'number|optional']));
      const counters = await t.db.createResource({ name: 'counters', attributes });
      await counters.insert({ id: 'one' });
      const results = await Promise.allSettled(FIELDS.map((f, i) => counters.update('one', { [f]: i + 1 })));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const doc = await counters.get('one');
      for (const [i, f] of FIELDS.entries()) expect(doc[f]).toBe(i + 1);
      // Some writers really did collide and retry: the test exercised the conflict path.
      const puts = t.store.log.filter((e) => e.method === 'putObject' && e.key === 'resource=counters/data/id=one');
      expect(puts.length).toBeGreaterThan(21);
      expect(t.db.capabilities).toMatchObject(capabilities);
    });

    it('two databases (two processes) updating one document concurrently keep both changes', async () => {
      t = await openTestDb(backend);
      const other = await t.reopen();
      const a = await t.db.createResource({ name: 'shared', attributes: { x: 'number|optional', y: 'number|optional' } });
      const b = await other.createResource({ name: 'shared', attributes: { x: 'number|optional', y: 'number|optional' } });
      await a.insert({ id: 'doc' });
      await Promise.all([...Array.from({ length: 10 }, (_, i) => a.update('doc', { x: i })), ...Array.from({ length: 10 }, (_, i) => b.update('doc', { y: i }))]);
      const doc = await a.get('doc');
      expect(typeof doc.x).toBe('number');
      expect(typeof doc.y).toBe('number');
    });

    it('insert racing insert of one id: exactly one wins, the others get ConflictError, the winner is kept', async () => {
      t = await openTestDb(backend);
      const users = await t.db.createResource({ name: 'users', attributes: { name: 'string' } });
      const names = Array.from({ length: 10 }, (_, i) => `writer-${i}`);
      const results = await Promise.allSettled(names.map((name) => users.insert({ id: 'same', name })));
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [names[i]] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
      expect((await users.get('same')).name).toBe(winners[0]);
    });

    it('s3db.js defect: If-Match did not protect metadata-only objects (empty body, same ETag); here every write changes the ETag', async () => {
      t = await openTestDb(backend);
      const flags = await t.db.createResource({ name: 'flags', attributes: { on: 'boolean' } });
      await flags.insert({ id: 'f', on: true });
      const first = await t.db.client.headObject({ key: 'resource=flags/data/id=f' });
      await flags.update('f', { on: false });
      await flags.update('f', { on: true });
      const third = await t.db.client.headObject({ key: 'resource=flags/data/id=f' });
      // Same metadata as the first write, yet a different ETag: a stale If-Match fails.
      expect(third.metadata).toEqual(first.metadata);
      expect(third.etag).not.toBe(first.etag);
      await expect(
        t.db.client.putObject({ key: 'resource=flags/data/id=f', body: 'stale', metadata: first.metadata, ifMatch: first.etag }),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it('update racing delete: the delete wins or sees the update; nothing is resurrected and no partition reference is left', async () => {
      t = await openTestDb(backend);
      const orders = await t.db.createResource(ORDERS);
      const ids = Array.from({ length: 10 }, (_, i) => `o${i}`);
      for (const id of ids) await orders.insert({ id, status: 'pending' });
      const raced = await Promise.all(ids.map((id) => Promise.allSettled([orders.update(id, { status: 'shipped' }), orders.delete(id)])));
      for (const [update, remove] of raced) {
        expect(remove.status).toBe('fulfilled');
        if (update.status === 'rejected') expect(update.reason).toBeInstanceOf(NotFoundError);
      }
      const survivors: string[] = [];
      for (const id of ids) {
        const read = await orders.get(id).then((doc) => doc, (err: unknown) => err);
        if (read instanceof NotFoundError) continue;
        // Where the server ignores If-Match on DELETE (RGW), it also does not order a conditional PUT
        // against a DELETE that lands while the PUT is in flight: the update may come back after the delete.
        // Such a survivor is the whole update, with exactly its references.
        expect(capabilities.conditionalDeletes, `${id} came back after its delete`).toBe(false);
        expect(read).toEqual({ id, status: 'shipped' });
        survivors.push(id);
      }
      expect(await referenceKeys(t.store, 'orders')).toEqual(survivors.map((id) => `resource=orders/partition=byStatus/status=shipped/id=${id}`));
    });

    it('delete is conditional on the version read: an update landing between its read and its DELETE is seen, not silently deleted', async () => {
      t = await openTestDb(backend);
      const other = await t.reopen();
      const orders = await t.db.createResource(ORDERS);
      const remote = await other.createResource(ORDERS);
      await orders.insert({ id: 'o1', status: 'pending' });
      let interfered = false;
      orders.addHook('beforeDelete', async () => {
        // Another process changes the document after our read, before our DELETE.
        if (!interfered) {
          interfered = true;
          await remote.update('o1', { status: 'shipped' });
        }
      });
      const deleted = await orders.delete('o1');
      // The stale DELETE was refused (by the store, or by S3Store's check where the server ignores If-Match on
      // DELETE), re-read, and the version that really existed was deleted, its reference cleaned.
      expect(deleted.status).toBe('shipped');
      await expect(orders.get('o1')).rejects.toBeInstanceOf(NotFoundError);
      expect(await referenceKeys(t.store, 'orders')).toEqual([]);
      const deletes = t.store.log.filter((e) => e.method === 'deleteObject' && e.key === 'resource=orders/data/id=o1');
      expect(deletes.length).toBe(2);
    });

    it('update gives up with ConflictError after updateAttempts conflicting attempts', async () => {
      t = await openTestDb(backend);
      const docs = await t.db.createResource({ name: 'hot', attributes: { n: 'number' }, updateAttempts: 2 });
      await docs.insert({ id: 'h', n: 0 });
      let bumps = 0;
      // Another writer changes the document between every read and write of ours.
      docs.addHook('beforeUpdate', async () => {
        if (bumps++ < 5) await t!.db.client.putObject({ key: 'resource=hot/data/id=h', body: `x${bumps}`, metadata: { 's-v': '1', '0': 'i1' } });
      });
      const err = await docs.update('h', { n: 5 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).details).toMatchObject({ attempts: 2 });
    });
  });
}

describe('stores that do not enforce conditions', () => {
  it('says once that concurrent writers may overwrite each other where the store does not enforce conditions', async () => {
    const { s3rverConnectionString } = await import('../helpers/s3rver.js');
    const warnings: string[] = [];
    const db = new S3db({ connectionString: await s3rverConnectionString('warn'), logger: { warn: (m) => warnings.push(m) } });
    await db.connect();
    try {
      // S3 stores probe on their first conditional write, not at connect.
      expect(db.capabilities).toBeUndefined();
      const r = await db.createResource({ name: 'w', attributes: { a: 'string' } });
      await r.insert({ a: 'x' });
      expect(db.capabilities?.conditionalWrites).toBe(false);
      expect(warnings.filter((w) => w.includes('concurrent writers may overwrite'))).toHaveLength(1);
    } finally {
      await db.disconnect();
    }
    // memory:// enforces conditions: no such warning.
    const quiet: string[] = [];
    const mem = new S3db({ client: createClient('memory://quiet/db'), logger: { warn: (m) => quiet.push(m) } });
    await mem.connect();
    await mem.disconnect();
    expect(quiet).toEqual([]);
  });
});
