/**
 * Partition references after a crash: a writer killed (SIGKILL) between its
 * document writes and their reference writes must leave nothing invisible.
 * Real child processes on file:// (state survives the process), then a
 * reconnect: the damage is reported at once (partitionStats().intents,
 * query() scans, partition lists still complete) and recovery repairs it.
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/core/errors.js';
import { S3db, type Resource } from '../../../src/docs/index.js';
import { isDeadWriter, thisWriter } from '../../../src/docs/partitions/partition-intents.js';
import { createClient } from '../../../src/storage/index.js';
import type { KeyInput, ListObjectsInput, ObjectStore, PutObjectInput } from '../../../src/storage/object-store.js';
import { rgwConnectionString } from '../../helpers/rgw.js';
import { backendSkipReason, CountingStore } from '../helpers.js';
import { CRASH_DEFINITION, CRASH_STATUSES } from './fixtures/partition-crash-definition.js';
import { GatedStore, intentKeys, openOn, referenceKeys } from './fixtures.js';

const rgwSkip = backendSkipReason('rgw');

const CHILD = join(import.meta.dirname, 'fixtures', 'partition-crash-child.ts');
const KILLS = 8;

/**
 * Waits until the store stops changing (two listings 1 s apart agree on every key and ETag).
 * A killed writer's requests already sent to a network server may still be applied after its
 * death: recovery assumes they land within its settle time (10 s), which a loaded test server
 * (s3rver on a busy CI machine) was seen to exceed. The trial starts from a settled store.
 */
async function settled(store: ObjectStore, prefix = 'resource=orders/'): Promise<void> {
  const snapshot = async () => {
    const parts: string[] = [];
    for await (const object of store.listAll({ prefix })) parts.push(`${object.key} ${object.etag}`);
    return parts.join('\n');
  };
  let last = await snapshot();
  for (let i = 0; i < 60; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const next = await snapshot();
    if (next === last) return;
    last = next;
  }
  throw new Error('the store kept changing for 60 s after the writer was killed');
}

/** Starts a writer process, lets it write for `ms` after it reports writes under way, then kills it with SIGKILL. */
async function writeAndKill(connectionString: string, ms: number): Promise<void> {
  const child = fork(CHILD, [connectionString], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.on('message', () => resolve());
    child.on('exit', (code) => reject(new Error(`writer exited before it was killed (code ${code})`)));
  });
  await new Promise((resolve) => setTimeout(resolve, ms));
  child.kill('SIGKILL');
  await exited;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

const sortedIds = (docs: { id: string }[]) => docs.map((d) => d.id).sort();

/** Lists no intents: a reader of the references as they are. */
class IntentBlindStore extends CountingStore {
  override async listObjects(input?: ListObjectsInput) {
    const page = await super.listObjects(input);
    return input?.prefix?.includes('/partition-intent/') ? { ...page, objects: [], isTruncated: false, nextContinuationToken: undefined } : page;
  }
}

/** Shows intents as written by a process of another machine (whose pid cannot be checked from here). */
class OtherHostStore extends CountingStore {
  override async getObject(input: KeyInput) {
    const object = await super.getObject(input);
    if (!input.key.includes('/partition-intent/')) return object;
    const body = JSON.parse(object.body.toString('utf8')) as { writer: { host: string } };
    body.writer.host = `elsewhere-${body.writer.host}`;
    return { ...object, body: Buffer.from(JSON.stringify(body)) };
  }
}

async function connectThrough(connectionString: string, wrap: (inner: ObjectStore) => ObjectStore): Promise<S3db> {
  const db = new S3db({ client: wrap(createClient(connectionString)), logLevel: 'silent' });
  await db.connect();
  return db;
}

describe('partition references after kill -9 (file://, real writer processes)', () => {
  let dir: string | undefined;
  const open: S3db[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.disconnect();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it(`a writer killed ${KILLS} times mid-write: the next connect() finds every intent it left and repairs those documents, 0 missing and 0 stale references after`, async () => {
    dir = mkdtempSync(join(tmpdir(), 's3lite-partition-crash-'));
    const connectionString = `file://${dir}`;
    for (let kill = 0; kill < KILLS; kill++) await writeAndKill(connectionString, 150 + kill * 60);

    // The damage, measured by a reader that does not see the intents (as every process did before them).
    const blind = await connectThrough(connectionString, (inner) => new IntentBlindStore(inner));
    const before = await (blind.resources.orders as Resource).verifyPartitions();
    await blind.disconnect();
    // The trial proves something only if the kills damaged references.
    expect(before.missing.length + before.stale.length).toBeGreaterThan(0);

    // Seen from another machine (the writer's pid cannot be checked there), the intents wait for recoveryGrace,
    // and meanwhile reads see through the damage: partition lists and query() give what a scan gives.
    const remote = await connectThrough(connectionString, (inner) => new OtherHostStore(inner));
    const orders = remote.resources.orders as Resource;
    const left = (await intentKeys(remote.client)).length;
    const seen = orders.partitionStats();
    expect(seen.intents).toBe(left);
    expect(seen.intents).toBeGreaterThan(0);
    const all = await orders.list();
    for (const status of CRASH_STATUSES) {
      const scan = sortedIds(all.filter((d) => d.status === status));
      expect((await orders.listIds({ partition: 'byStatus', partitionValues: { status } })).sort()).toEqual(scan);
      expect(sortedIds(await orders.query({ status }))).toEqual(scan);
    }
    await remote.disconnect();

    // On this machine the writer is known dead: connect() alone repairs, default options.
    const db = new S3db({ connectionString, logLevel: 'silent' });
    open.push(db);
    await db.connect();
    const recovered = db.resources.orders as Resource;
    const stats = await recovered.flushPartitions();
    const after = await recovered.verifyPartitions();
    console.log(
      `partition crash trial: ${KILLS} kills of 1 writer (12 writes in flight, queue concurrency 2), ${before.checked} documents: ` +
        `before ${before.missing.length} missing, ${before.stale.length} stale references, ${left} intents left; ` +
        `after connect() ${after.missing.length} missing, ${after.stale.length} stale, ${stats.recovered} intents recovered`,
    );
    expect(after.missing).toEqual([]);
    expect(after.stale).toEqual([]);
    expect(stats).toMatchObject({ pending: 0, failed: 0, intents: 0, recovered: left });
    expect(await intentKeys(db.client)).toEqual([]);
  }, 300_000);

  // s3rver is left out: it enforces no conditional writes, so a write can replace a version it never read,
  // and a writer killed between that PUT landing and its response leaves the replaced version's references
  // with no intent naming them (the CHANGELOG's Known issues; partition-unconditional.test.ts covers the case
  // recovery does handle). Ceph RGW is a real S3 server with S3's semantics.
  for (const backend of ['file', 'rgw'] as const) {
    it(`recoverPartitions() repairs what a writer killed after this process opened left behind (${backend}, default grace: the writer is known dead)`, async () => {
      let connectionString: string;
      if (backend === 'file') {
        dir = mkdtempSync(join(tmpdir(), 's3lite-partition-crash-'));
        connectionString = `file://${dir}`;
      } else if (rgwSkip !== undefined) {
        console.info(`[rgw] partition crash trial on Ceph RGW skipped: ${rgwSkip}`);
        return;
      } else connectionString = await rgwConnectionString('crash');
      const db = new S3db({ connectionString, logLevel: 'silent' });
      open.push(db);
      await db.connect();
      const orders = await db.createResource(CRASH_DEFINITION);
      expect(orders.partitionStats()).toMatchObject({ intents: 0, recovered: 0 });
      await writeAndKill(connectionString, 300);
      await settled(db.client);
      const left = (await intentKeys(db.client)).length;
      const damaged = await orders.verifyPartitions();
      expect(left).toBeGreaterThan(0);
      const stats = await orders.recoverPartitions();
      const verified = await orders.verifyPartitions();
      console.log(
        `partition crash trial (${backend}): 1 kill, ${damaged.checked} documents: before ${damaged.missing.length} missing, ${damaged.stale.length} stale, ` +
          `${left} intents; after recoverPartitions() ${verified.missing.length} missing, ${verified.stale.length} stale`,
      );
      expect(stats).toMatchObject({ pending: 0, failed: 0, intents: 0, recovered: left });
      expect(verified.missing).toEqual([]);
      expect(verified.stale).toEqual([]);
    }, 120_000);
  }
});

describe('telling a dead writer from a live one', () => {
  it('a live process of this machine is alive, the same pid after kill -9 is dead, another machine or this process is never called dead', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const writer = { ...thisWriter(), pid: child.pid as number };
    expect(isDeadWriter(writer)).toBe(false);
    expect(isDeadWriter(thisWriter())).toBe(false);
    child.kill('SIGKILL');
    await exited;
    expect(isDeadWriter(writer)).toBe(true);
    expect(isDeadWriter({ ...writer, host: `elsewhere-${writer.host}` })).toBe(false);
    expect(isDeadWriter({ ...writer, ns: 'pid:[1]' })).toBe(false);
    expect(isDeadWriter(undefined)).toBe(false);
  });
});

describe('partition intents of writers that stop or hang', () => {
  const definition = { name: 'orders', attributes: { status: 'string' }, partitions: { byStatus: { fields: { status: 'string' } } }, asyncPartitions: true };
  const ref = (status: string, id: string) => `resource=orders/partition=byStatus/status=${status}/id=${id}`;

  it('a young intent is left to its writer (query() scans meanwhile) and recovered once it is older than recoveryGrace', async () => {
    const t = await openOn((inner) => new GatedStore(inner));
    const other = new S3db({ client: t.store.inner, logLevel: 'silent' });
    try {
      const writer = await t.db.createResource(definition);
      await writer.insert({ id: 'a', status: 'open' });
      // The writer hangs before its reference writes (as if it stopped): its intent and document are stored.
      t.store.hold();
      await writer.update('a', { status: 'paid' });
      expect(await intentKeys(t.store.inner)).toHaveLength(1);

      await other.connect();
      const orders = await other.createResource({ ...definition, partitionQueue: { recoveryGrace: 1500 } });
      expect(orders.partitionStats()).toMatchObject({ intents: 1, recovered: 0 });
      // query() does not trust byStatus while the intent is open: it finds `a` by scanning.
      expect(sortedIds(await orders.query({ status: 'paid' }))).toEqual(['a']);
      expect(await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'paid' } })).toEqual(['a']);
      expect(await referenceKeys(t.store, 'orders')).toEqual([ref('open', 'a')]);

      // Nobody calls anything: the intent comes of age and is recovered.
      await until(() => orders.partitionStats().recovered === 1, 'the intent to be recovered');
      await orders.flushPartitions();
      expect(await referenceKeys(t.store, 'orders')).toEqual([ref('paid', 'a')]);
      expect(await intentKeys(t.store.inner)).toEqual([]);
      expect(orders.partitionStats()).toMatchObject({ pending: 0, intents: 0, recovered: 1 });
    } finally {
      t.store.release();
      await other.disconnect();
      await t.cleanup();
    }
  });

  it('an intent whose writer finishes within the grace is dropped without a repair', async () => {
    const t = await openOn((inner) => new GatedStore(inner));
    const other = new S3db({ client: t.store.inner, logLevel: 'silent' });
    try {
      const writer = await t.db.createResource(definition);
      t.store.hold();
      await writer.insert({ id: 'a', status: 'open' });
      await other.connect();
      const orders = await other.createResource({ ...definition, partitionQueue: { recoveryGrace: 60_000 } });
      expect(orders.partitionStats().intents).toBe(1);
      t.store.release();
      await writer.flushPartitions();
      expect(await orders.recoverPartitions()).toMatchObject({ intents: 0, recovered: 0 });
      expect(await orders.listIds({ partition: 'byStatus', partitionValues: { status: 'open' } })).toEqual(['a']);
    } finally {
      t.store.release();
      await other.disconnect();
      await t.cleanup();
    }
  });

  /** Writes documents, then loses the response (the write happened, the caller gets an error). */
  class LostResponseStore extends CountingStore {
    lose = false;
    override async putObject(input: PutObjectInput) {
      const out = await super.putObject(input);
      if (this.lose && input.key.includes('/data/')) throw new StorageError(`injected: response of PUT ${input.key} lost`, { retryable: false });
      return out;
    }
  }

  it('a document write whose outcome is unknown still gets its references (the intent turns into a reconcile pass)', async () => {
    const t = await openOn((inner) => new LostResponseStore(inner));
    try {
      const orders = await t.db.createResource({ ...definition, asyncPartitions: false });
      t.store.lose = true;
      await expect(orders.insert({ id: 'a', status: 'open' })).rejects.toBeInstanceOf(StorageError);
      await expect(orders.update('b', { status: 'x' })).rejects.toThrow();
      await orders.flushPartitions();
      expect(await referenceKeys(t.store, 'orders')).toEqual([ref('open', 'a')]);
      t.store.lose = false;
      await orders.insert({ id: 'b', status: 'open' });
      t.store.lose = true;
      await expect(orders.update('b', { status: 'paid' })).rejects.toBeInstanceOf(StorageError);
      await orders.flushPartitions();
      expect(await referenceKeys(t.store, 'orders')).toEqual([ref('open', 'a'), ref('paid', 'b')]);
      expect(await intentKeys(t.store.inner)).toEqual([]);
      const verified = await orders.verifyPartitions();
      expect(verified.missing.length + verified.stale.length).toBe(0);
    } finally {
      await t.cleanup();
    }
  });

  /** Fails every LIST of the intents while `failing`. */
  class BlindStore extends CountingStore {
    failing = true;
    override listObjects(input?: ListObjectsInput) {
      if (this.failing && input?.prefix?.includes('/partition-intent/')) return Promise.reject(new StorageError('injected: LIST denied', { retryable: false, statusCode: 403 }));
      return super.listObjects(input);
    }
  }

  it('when the intents cannot be listed, connect still works, partitionError fires, the stats say so and query() scans until a listing succeeds', async () => {
    const t = await openOn((inner) => new BlindStore(inner));
    try {
      const errors: unknown[] = [];
      t.db.on('resourceCreated', (resource: Resource) => resource.on('partitionError', (e) => errors.push(e)));
      const orders = await t.db.createResource(definition);
      expect(errors).toHaveLength(1);
      expect(orders.partitionStats().intents).toBe(1);
      await orders.insert({ id: 'a', status: 'open' });
      await orders.flushPartitions();
      // Damage nobody recorded: only a scan still finds `a`.
      await t.store.inner.deleteObject({ key: ref('open', 'a') });
      expect(sortedIds(await orders.query({ status: 'open' }))).toEqual(['a']);
      t.store.failing = false;
      expect(await orders.recoverPartitions()).toMatchObject({ intents: 0, recovered: 0 });
    } finally {
      await t.cleanup();
    }
  });

  it('recoveryGrace is validated like every option', async () => {
    const t = await openOn((inner) => new CountingStore(inner));
    try {
      await expect(t.db.createResource({ ...definition, partitionQueue: { recoveryGrace: -1 } })).rejects.toThrow(/partitionQueue.recoveryGrace/);
    } finally {
      await t.cleanup();
    }
  });
});
