/**
 * Redis failing under a running database: the cache never breaks reads.
 * These tests start their own redis-server child process on a free port
 * (so they can kill it) and skip with a printed reason when the binary is
 * missing, except in CI, where they must run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { S3db } from '../../../../src/docs/index.js';
import { memoryConnectionString, openCachedDb } from './helpers.js';
import { freePort } from '../../../helpers/free-port.js';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer) {
  if (process.env.CI === 'true') throw new Error('redis-server is not installed: CI must run the Redis fault tests');
  console.warn('[cache tests] skipping Redis fault tests: redis-server is not installed');
}


interface OwnRedis {
  url: string;
  kill(): Promise<void>;
}

async function startRedis(port: number): Promise<OwnRedis> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  for (let attempt = 0; ; attempt++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (err) {
      if (attempt > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  return {
    url,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

const servers: OwnRedis[] = [];
const dbs: S3db[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.disconnect();
  for (const server of servers.splice(0)) await server.kill();
});

describe.skipIf(!hasRedisServer)('redis driver faults', () => {
  it('Redis stopped mid-run: reads keep working from storage, errors are counted and logged once, and the cache resumes when Redis is back', async () => {
    const port = await freePort();
    servers.push(await startRedis(port));
    const warnings: string[] = [];
    const { db, plugin } = await openCachedDb(memoryConnectionString(), { driver: 'redis', url: `redis://127.0.0.1:${port}`, timeout: 500 }, {
      logLevel: 'warn',
      logger: { warn: (m: string) => warnings.push(m) },
    });
    dbs.push(db);
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    for (let i = 0; i < 5; i++) await users.insert({ id: `u${i}`, name: `User ${i}` });
    await users.get('u1');
    await plugin.flush();
    await users.get('u1');
    expect(plugin.stats()).toMatchObject({ hits: 1, errors: 0 });

    await servers[0]!.kill();
    for (let round = 0; round < 20; round++) {
      expect((await users.get('u1')).name).toBe(round === 0 ? 'User 1' : `changed ${round - 1}`);
      expect(await users.count()).toBe(5);
      expect(await users.listIds({ limit: 2 })).toEqual(['u0', 'u1']);
      await users.update('u1', { name: `changed ${round}` });
    }
    const down = plugin.stats();
    // Reads fail over at once; after the first failure Redis is only retried (every 250 ms) to put a new cache epoch in place.
    expect(down.errors).toBeGreaterThanOrEqual(1);
    expect(down.hits).toBe(1);
    expect(down.drivers.redis!.errors).toBe(down.errors);
    expect(warnings.filter((w) => w.includes('cache driver redis'))).toHaveLength(1);

    // Back (empty, on the same port): ioredis reconnects, missed invalidations are replayed, caching resumes.
    servers.push(await startRedis(port));
    let hitsAfter = 0;
    for (let attempt = 0; attempt < 100 && hitsAfter === 0; attempt++) {
      await new Promise((r) => setTimeout(r, 100));
      const hits = plugin.stats().hits;
      expect((await users.get('u1')).name).toBe('changed 19');
      await plugin.flush();
      expect((await users.get('u1')).name).toBe('changed 19');
      hitsAfter = plugin.stats().hits - hits;
    }
    expect(hitsAfter).toBeGreaterThan(0);
  }, 30_000);

  it('an invalidation Redis could not take (writes paused) is replayed before Redis serves again: no stale read in between', async () => {
    const port = await freePort();
    const server = await startRedis(port);
    servers.push(server);
    const { db, plugin } = await openCachedDb(memoryConnectionString(), { driver: 'redis', url: server.url, timeout: 200 });
    dbs.push(db);
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    await users.insert({ id: 'a', name: 'old' });
    await users.get('a');
    await plugin.flush();
    expect((await users.get('a')).name).toBe('old');
    expect(plugin.stats().hits).toBe(1);

    // Reads still work on a paused server, writes time out: the write's invalidation fails.
    const admin = new Redis(server.url);
    await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    await users.patch('a', { name: 'new' });
    expect(plugin.stats().errors).toBeGreaterThan(0);
    // The old entry is still in Redis, but the driver is not used until the invalidation is replayed.
    expect((await users.get('a')).name).toBe('new');
    expect((await users.list()).map((d) => d.name)).toEqual(['new']);

    await new Promise((r) => setTimeout(r, 1600));
    for (let i = 0; i < 5; i++) {
      expect((await users.get('a')).name).toBe('new');
      await plugin.flush();
      await new Promise((r) => setTimeout(r, 300));
    }
    const hits = plugin.stats().hits;
    expect((await users.get('a')).name).toBe('new');
    expect(plugin.stats().hits).toBe(hits + 1);
    admin.disconnect();
  }, 30_000);
});
