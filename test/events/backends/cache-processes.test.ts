/**
 * The `…Cached` reads of one process see what another process committed to the
 * same store: PostgreSQL by commit notifications (within pg-read-cache.ts's
 * bound), SQLite by the file's data_version (at once).
 */
import { execFile } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { openQueue, type EventStore } from '../../../src/events/index.js';
import { BACKENDS, createTestDatabase, freshQueue } from './backends.js';

const run = promisify(execFile);
const writerScript = fileURLToPath(new URL('./fixtures/cache-writer.ts', import.meta.url));

/** Another process stores `cmd` on correlation `correlationId`; resolves once it committed and exited. */
async function writeFromAnotherProcess(connectionString: string, correlationId: string, cmd: string): Promise<void> {
  await run(process.execPath, ['--import', 'tsx', writerScript, connectionString, correlationId, cmd], { timeout: 60_000 });
}

/** One more read of the correlation: it must be a cache hit, of `length` events. */
async function expectHit(queue: EventStore, correlationId: string, length: number): Promise<void> {
  const before = (await queue.getCacheStats()).hits;
  expect(await queue.getTransactionCached(correlationId)).toHaveLength(length);
  expect((await queue.getCacheStats()).hits).toBe(before + 1);
}

/** A commit by a session outside the queue's pool (as another process's). */
async function insertElsewhere(admin: pg.Client, cmd: string): Promise<void> {
  await admin.query(`INSERT INTO queue (id, datetime, cmd, correlation_id) VALUES (nextval('queue_position'), 0, $1, 'shared')`, [cmd]);
}

/** Well above the documented bound; the read is retried until then, never timed. */
const BOUND = { timeout: 10_000, interval: 20 };

for (const backend of BACKENDS) {
  const available = await backend.available();

  describe.skipIf(!available)(`cached reads across processes on ${backend.name}`, () => {
    it("a cached transaction shows another process's commit; hits are still served", { timeout: 120_000 }, async () => {
      const { queue, connectionString, done } = await freshQueue(backend);
      try {
        await queue.store({ cmd: 'first', correlationId: 'shared' });
        expect(await queue.getTransactionCached('shared')).toHaveLength(1);
        await expectHit(queue, 'shared', 1);

        await writeFromAnotherProcess(connectionString, 'shared', 'second');
        await vi.waitFor(async () => expect((await queue.getTransactionCached('shared')).map((e) => e.cmd)).toEqual(['first', 'second']), BOUND);

        // Cached again, and served from the cache until the next foreign commit.
        await expectHit(queue, 'shared', 2);
        await writeFromAnotherProcess(connectionString, 'shared', 'third');
        await vi.waitFor(async () => expect(await queue.getTransactionCached('shared')).toHaveLength(3), BOUND);
        // This process's own write is seen at once, as before.
        await queue.store({ cmd: 'fourth', correlationId: 'shared' });
        expect(await queue.getTransactionCached('shared')).toHaveLength(4);
      } finally {
        await done();
      }
    });
  });
}

const postgres = BACKENDS.find((b) => b.name === 'postgres')!;
const pgAvailable = await postgres.available();

describe.skipIf(!pgAvailable)('cached reads on postgres without their LISTEN connection', () => {
  it('reads through while the LISTEN connection is gone, and caches again once it is back', { timeout: 120_000 }, async () => {
    const { queue, connectionString, done } = await freshQueue(postgres);
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    try {
      await queue.store({ cmd: 'first', correlationId: 'shared' });
      expect(await queue.getTransactionCached('shared')).toHaveLength(1);
      // The server ends the LISTEN session: commits from now on are not announced to this process.
      const ended = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' OR (datname = current_database() AND query = 'SELECT 1' AND pid <> pg_backend_pid())`);
      expect(ended.rowCount).toBe(1);
      await insertElsewhere(admin, 'second');
      await vi.waitFor(async () => expect(await queue.getTransactionCached('shared')).toHaveLength(2), BOUND);
      // Listening again after the retry pause: hits come back.
      await vi.waitFor(() => expectHit(queue, 'shared', 2), BOUND);
      await insertElsewhere(admin, 'third');
      await vi.waitFor(async () => expect(await queue.getTransactionCached('shared')).toHaveLength(3), BOUND);
    } finally {
      await admin.end();
      await done();
    }
  });
});

/**
 * A TCP proxy in front of PostgreSQL that can make the session which ran LISTEN hang:
 * nothing more passes either way and no error is raised (a cable pulled, a stuck NAT entry).
 */
async function freezingProxy(target: URL): Promise<{ url: string; freezeListener: () => boolean; close: () => Promise<void> }> {
  const pairs: Array<{ client: Socket; server: Socket; listener: boolean; frozen: boolean }> = [];
  const proxy: Server = createServer((client) => {
    const server = connect(Number(target.port || 5432), target.hostname);
    const pair = { client, server, listener: false, frozen: false };
    pairs.push(pair);
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes('LISTEN s3lite_events')) pair.listener = true;
      if (!pair.frozen) server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (!pair.frozen) client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.host = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
  return {
    url: url.toString(),
    freezeListener: () => {
      const listening = pairs.filter((p) => p.listener && !p.client.destroyed);
      for (const p of listening) p.frozen = true;
      return listening.length === 1;
    },
    close: async () => {
      for (const p of pairs) {
        p.client.destroy();
        p.server.destroy();
      }
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

describe.skipIf(!pgAvailable)('cached reads on postgres when the LISTEN connection hangs', () => {
  it('reads through once the proof is older than the bound, then replaces the connection and caches again', { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('cachehang');
    const proxy = await freezingProxy(new URL(db.url));
    const queue = await openQueue({ connectionString: proxy.url });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await queue.store({ cmd: 'first', correlationId: 'shared' });
      expect(await queue.getTransactionCached('shared')).toHaveLength(1);
      await expectHit(queue, 'shared', 1);

      expect(proxy.freezeListener()).toBe(true);
      await insertElsewhere(admin, 'second');
      // No notification can come: the read goes to the database once the last proof is a second old.
      await vi.waitFor(async () => expect(await queue.getTransactionCached('shared')).toHaveLength(2), BOUND);
      // The hung connection is given up and a new one LISTENs: hits come back.
      await vi.waitFor(() => expectHit(queue, 'shared', 2), { timeout: 30_000, interval: 50 });
      await insertElsewhere(admin, 'third');
      await vi.waitFor(async () => expect(await queue.getTransactionCached('shared')).toHaveLength(3), BOUND);
    } finally {
      await admin.end();
      await queue.close();
      await proxy.close();
      await db.drop();
    }
  });
});
