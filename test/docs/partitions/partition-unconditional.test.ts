/**
 * Partition intents on a store that ignores If-Match / If-None-Match (as
 * s3rver does): a write may replace a version it never read, and its intent
 * names only the version it read. The replaced version's intent must outlive
 * the replacing write's reference work, or a writer killed in between leaves
 * that version's references stale with no intent naming them.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { S3db } from '../../../src/docs/index.js';
import { createClient, type StoreCapabilities } from '../../../src/storage/index.js';
import type { KeyInput, PutObjectInput } from '../../../src/storage/object-store.js';
import { CountingStore } from '../helpers.js';
import { intentKeys } from './fixtures.js';

type Gate = (method: 'putObject' | 'deleteObject', key: string) => boolean;

/** Drops every write condition (and says so, as a probed S3 server would); holds the reference requests `held` selects. */
class UnconditionalStore extends CountingStore {
  /** Inserts whose If-None-Match: * this store dropped. */
  blindInserts = 0;
  held: Gate = () => false;
  readonly #parked: { method: 'putObject' | 'deleteObject'; key: string; go: () => void }[] = [];
  #onPark: (() => void) | undefined;

  knownCapabilities(): StoreCapabilities {
    return { conditionalWrites: false, conditionalDeletes: false, metadataLimit: false };
  }
  /** Lets through every parked request `held` no longer selects. */
  release(): void {
    for (const parked of [...this.#parked]) {
      if (this.held(parked.method, parked.key)) continue;
      this.#parked.splice(this.#parked.indexOf(parked), 1);
      parked.go();
    }
  }
  /** Resolves when the next request is held. */
  nextHeld(): Promise<void> {
    return new Promise((resolve) => (this.#onPark = resolve));
  }
  async #gate(method: 'putObject' | 'deleteObject', key: string): Promise<void> {
    if (!key.includes('/partition=') || !this.held(method, key)) return;
    await new Promise<void>((go) => {
      this.#parked.push({ method, key, go });
      this.#onPark?.();
    });
  }
  override async putObject(input: PutObjectInput) {
    if (input.ifNoneMatch === '*' && input.key.includes('/data/')) this.blindInserts++;
    await this.#gate('putObject', input.key);
    const { ifMatch: _ifMatch, ifNoneMatch: _ifNoneMatch, ...blind } = input;
    return super.putObject(blind);
  }
  override async deleteObject(input: KeyInput & { ifMatch?: string }) {
    await this.#gate('deleteObject', input.key);
    const { ifMatch: _ifMatch, ...blind } = input;
    return super.deleteObject(blind);
  }
}

const ORDERS = { name: 'orders', attributes: { status: 'string' }, partitions: { byStatus: { fields: { status: 'string' } } }, asyncPartitions: true };

describe('partition intents on a store that ignores write conditions', () => {
  it('two inserts of one id in one process, the second replacing the first unseen: a writer killed after the first one\'s references leaves nothing stale', async () => {
    const inner = createClient(`memory://unconditional-${randomBytes(6).toString('hex')}/db`);
    const store = new UnconditionalStore(inner);
    const writer = new S3db({ client: store, logLevel: 'silent' });
    const recoverer = new S3db({ client: new CountingStore(inner), logLevel: 'silent' });
    try {
      await writer.connect();
      const orders = await writer.createResource(ORDERS);
      store.held = () => true;
      await Promise.all([orders.upsert({ id: 'a', status: 'open' }), orders.upsert({ id: 'a', status: 'paid' })]);
      // The interleaving under test: both found no document, both inserted, the second replaced the first.
      expect(store.blindInserts).toBe(2);
      expect((await orders.get('a')).status).toBe('paid');
      expect(await intentKeys(inner)).toHaveLength(2);

      // The first insert's references are written; the second's reference work starts after it (one lane per
      // document) and is held: the writer dies there.
      const secondStarted = store.nextHeld();
      store.held = (method, key) => !(method === 'putObject' && key.includes('status=open'));
      store.release();
      await secondStarted;
      expect(await intentKeys(inner)).toHaveLength(2);

      // Another process recovers (the writer's pid is this one, alive: a grace of 0 lets it recover at once).
      await recoverer.connect();
      const recovered = await recoverer.createResource({ ...ORDERS, partitionQueue: { recoveryGrace: 0 } });
      const stats = await recovered.recoverPartitions();
      const verified = await recovered.verifyPartitions();
      expect(verified.stale).toEqual([]);
      expect(verified.missing).toEqual([]);
      expect(stats).toMatchObject({ pending: 0, failed: 0, intents: 0, recovered: 2 });
    } finally {
      store.held = () => false;
      store.release();
      await writer.disconnect();
      await recoverer.disconnect();
    }
  });
});
