/**
 * A write whose response is lost (the PUT took effect, the caller saw a
 * transient error) is retried by the executor pool; the retry's condition
 * then fails against the caller's own write. The write token (the revision
 * in the body) tells the writer that the object is its own: no error, no
 * second application.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import { S3db } from '../../src/docs/index.js';
import { createClient } from '../../src/storage/index.js';
import type { DeleteObjectInput, ObjectStore, PutObjectInput } from '../../src/storage/object-store.js';
import { startLossyProxy } from '../helpers/lossy-s3-proxy.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, s3rverConnectionStringFor } from '../helpers/s3rver.js';
import { CountingStore } from './helpers.js';

const OPS = 200;
const LOSS_RATE = 0.1;

/** Small seeded PRNG (mulberry32): the same responses are lost on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Performs every PUT and DELETE, then drops the response of some of them as a broken connection would. */
class LosingStore extends CountingStore {
  losing = false;
  lost = 0;
  readonly #random: () => number;
  constructor(inner: ObjectStore, seed: number) {
    super(inner);
    this.#random = seeded(seed);
  }
  override async putObject(input: PutObjectInput) {
    const out = await super.putObject(input);
    if (this.losing && this.#random() < LOSS_RATE) {
      this.lost++;
      throw new StorageError('socket hang up (response lost after the PUT took effect)', { retryable: true });
    }
    return out;
  }
  override async deleteObject(input: DeleteObjectInput) {
    await super.deleteObject(input);
    if (this.losing && this.#random() < LOSS_RATE) {
      this.lost++;
      throw new StorageError('socket hang up (response lost after the DELETE took effect)', { retryable: true });
    }
  }
}

interface Losses {
  losing: boolean;
  readonly lost: number;
}

/** 200 inserts then 200 updates with responses being lost; what went wrong, counted. */
async function trial(db: S3db, losses: Losses) {
  const items = await db.createResource({ name: 'items', attributes: { n: 'number', rev: 'number|optional' } });
  // Stands for any change computed from the stored version: applied twice, it counts twice.
  items.addHook('beforeUpdate', (data, { before }) => ({ ...data, rev: ((before?.rev as number | undefined) ?? 0) + 1 }));
  losses.losing = true;
  const ids = Array.from({ length: OPS }, (_, i) => `item-${i}`);
  const inserts = await Promise.allSettled(ids.map((id, i) => items.insert({ id, n: i })));
  const lostOnInsert = losses.lost;
  const updates = await Promise.allSettled(ids.map((id, i) => items.update(id, { n: i * 10 })));
  const lostOnUpdate = losses.lost - lostOnInsert;
  losses.losing = false;
  const docs = await Promise.all(ids.map((id) => items.get(id)));

  losses.losing = true;
  const deletes = await Promise.allSettled(ids.map((id) => items.delete(id)));
  const lostOnDelete = losses.lost - lostOnInsert - lostOnUpdate;
  losses.losing = false;
  const left = await items.count();

  // The trial really lost responses on every kind of write.
  expect(lostOnInsert).toBeGreaterThan(5);
  expect(lostOnUpdate).toBeGreaterThan(5);
  expect(lostOnDelete).toBeGreaterThan(5);
  expect(docs.map((doc) => doc.n)).toEqual(ids.map((_, i) => i * 10));
  const rejected = (results: PromiseSettledResult<unknown>[]) => results.filter((r) => r.status === 'rejected').length;
  // Say why, so a failure names the error and not only a count.
  for (const r of [...inserts, ...updates, ...deletes]) if (r.status === 'rejected') console.error('[lost responses] rejected:', r.reason);
  return {
    failed: { insert: rejected(inserts), update: rejected(updates), delete: rejected(deletes) },
    appliedTwice: docs.filter((doc) => doc.rev !== 1).length,
    left,
  };
}

const NOTHING_WRONG = { failed: { insert: 0, update: 0, delete: 0 }, appliedTwice: 0, left: 0 };

describe('lost responses', () => {
  let db: S3db | undefined;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await db?.disconnect();
    db = undefined;
    for (const close of closers.splice(0)) await close();
  });

  it(`insert() and update() and delete() succeed exactly once when ${LOSS_RATE * 100}% of write responses are lost (${OPS} of each, memory://)`, async () => {
    const store = new LosingStore(createClient(`memory://lost-${randomBytes(6).toString('hex')}/db`), 12);
    db = new S3db({ client: store, logLevel: 'silent', executorPool: { retries: 3, retryDelay: 1 } });
    await db.connect();
    expect(await trial(db, store)).toEqual(NOTHING_WRONG);
  });

  it(`the same through a lossy HTTP proxy in front of s3rver (${LOSS_RATE * 100}% of PUT and DELETE responses dropped after the write)`, async () => {
    const endpoint = new URL(inject('s3rverEndpoint'));
    const connectionString = new URL(await s3rverConnectionStringFor(endpoint.origin, 'db'));
    const bucket = connectionString.pathname.split('/')[1]!;
    const direct = createClient(`http://${S3RVER_ACCESS_KEY}:${S3RVER_SECRET_KEY}@${endpoint.host}/${bucket}`);
    const proxy = await startLossyProxy(endpoint.origin, bucket, direct, LOSS_RATE, seeded(12));
    closers.push(() => proxy.close(), () => direct.close());
    connectionString.host = new URL(proxy.endpoint).host;
    // Retries spaced out: on a loaded machine s3rver also answers some requests (or the proxy's HEAD) with a
    // transient 500, and four attempts 1 ms apart could all meet it; lost responses are what this case is about.
    db = new S3db({ connectionString: connectionString.href, logLevel: 'silent', executorPool: { retries: 5, retryDelay: 25 } });
    await db.connect();
    expect((await db.probeCapabilities()).conditionalWrites).toBe(true);
    expect(await trial(db, proxy)).toEqual(NOTHING_WRONG);
  }, 120_000);
});
