/**
 * A write whose invalidation missed the shared cache leaves a note in the
 * database's store; the next process to open (or any process, on its
 * periodic check) starts a new cache epoch and removes the note, so
 * entries cached before the write are never served, by anyone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../../src/core/errors.js';
import type { S3db } from '../../../../src/docs/index.js';
import { MemoryDriver, type CacheDriver, type CacheEntry, type DriverContext, type VersionWrite } from '../../../../src/docs/plugins/cache/index.js';
import { memoryConnectionString, openCachedDb } from './helpers.js';

/** One process's connection to a cache every "process" shares (a MemoryDriver standing for a server), that can fail like a lost connection. */
class SharedCache implements CacheDriver {
  readonly kind = 'shared';
  readonly shared = true;
  failing = false;
  constructor(readonly server: MemoryDriver) {}
  #check(): void {
    if (this.failing) throw new StorageError('connection lost', { retryable: true });
  }
  async open(_context: DriverContext): Promise<void> {}
  async read(versionKeys: readonly string[], entryKey: string | undefined) {
    this.#check();
    const read = this.server.readNow(versionKeys, entryKey);
    // What a serialising driver hands back: no shared token array.
    return { versions: read.versions, entry: read.entry && { version: read.entry.version, args: read.entry.args, value: read.entry.value } };
  }
  async ensure(versions: readonly VersionWrite[]) {
    this.#check();
    return this.server.ensure(versions);
  }
  async invalidate(versions: readonly VersionWrite[], stale: readonly string[]) {
    this.#check();
    return this.server.invalidate(versions, stale);
  }
  async write(key: string, entry: CacheEntry, ttl: number) {
    this.#check();
    return this.server.write(key, { version: entry.version, args: entry.args, value: entry.value }, ttl);
  }
  evictions() {
    return 0;
  }
  async close() {}
}

const dbs: S3db[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.disconnect();
});

async function notes(db: S3db): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of db.client.listAll({ prefix: 'plugin=cache-missed/' })) keys.push(key);
  return keys;
}

describe('missed invalidations across processes', () => {
  it('the writer notes its missed invalidation before the write resolves; the next process to open starts a new epoch and removes the note', async () => {
    const server = new MemoryDriver();
    const connectionString = memoryConnectionString('missed');
    const open = async (driver: SharedCache) => {
      const opened = await openCachedDb(connectionString, { drivers: [driver] });
      dbs.push(opened.db);
      return opened;
    };
    const writerCache = new SharedCache(server);
    const writer = await open(writerCache);
    const docs = await writer.db.createResource({ name: 'docs', attributes: { v: 'string' } });
    await docs.insert({ id: 'd1', v: 'v0' });

    const reader = await open(new SharedCache(server));
    const readerDocs = reader.db.resources.docs as typeof docs;
    await readerDocs.get('d1');
    await reader.plugin.flush();
    expect((await readerDocs.get('d1')).v).toBe('v0');
    expect(reader.plugin.stats().hits).toBe(1);

    writerCache.failing = true;
    await docs.update('d1', { v: 'v1' });
    expect(await notes(writer.db)).toHaveLength(1);
    // The writer never comes back (its kept invalidation is never replayed).

    const late = await open(new SharedCache(server));
    expect(await notes(late.db)).toHaveLength(0);
    expect((await (late.db.resources.docs as typeof docs).get('d1')).v).toBe('v1');
    // The epoch is shared: the reader, which saw no failure itself, no longer serves its old entry either.
    expect((await readerDocs.get('d1')).v).toBe('v1');
    await reader.plugin.flush();
    const hits = reader.plugin.stats().hits;
    expect((await readerDocs.get('d1')).v).toBe('v1');
    expect(reader.plugin.stats().hits).toBe(hits + 1);
  });

  it('a process that saw no failure and does not reopen finds the note on its periodic check', async () => {
    const server = new MemoryDriver();
    const connectionString = memoryConnectionString('missed-idle');
    const open = async (driver: SharedCache) => {
      const opened = await openCachedDb(connectionString, { drivers: [driver], ttl: 600_000 });
      dbs.push(opened.db);
      return opened;
    };
    const writerCache = new SharedCache(server);
    const writer = await open(writerCache);
    const docs = await writer.db.createResource({ name: 'docs', attributes: { v: 'string' } });
    await docs.insert({ id: 'd1', v: 'v0' });
    const reader = await open(new SharedCache(server));
    const readerDocs = reader.db.resources.docs as typeof docs;
    await readerDocs.get('d1');
    await reader.plugin.flush();

    writerCache.failing = true;
    await docs.update('d1', { v: 'v1' });
    // Until its next check (every few seconds) the reader may still serve v0; after it, never again.
    let seen = (await readerDocs.get('d1')).v;
    for (let i = 0; i < 300 && seen !== 'v1'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await readerDocs.get('d1')).v;
    }
    expect(seen).toBe('v1');
    expect(await notes(reader.db)).toHaveLength(0);
    for (let i = 0; i < 5; i++) expect((await readerDocs.get('d1')).v).toBe('v1');
  }, 60_000);
});
