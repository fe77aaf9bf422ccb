/**
 * The backends the async-queue feature suite runs on: one factory each
 * (Emmett style). PostgreSQL needs a server (PG_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres); without one its cases are
 * skipped with the reason printed, except under CI=true, where they fail.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openQueue, type EventStore, type OpenQueueOptions } from '../../../src/events/index.js';

export const PG_ADMIN_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether PostgreSQL answers (throws under CI=true when it does not). */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    const reason = `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(err as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}: CI must run the PostgreSQL tests; start it first (.ci/run does)`);
    console.warn(`[events backends] skipping PostgreSQL tests: ${reason}`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh database with a unique name; returns its URL and a function that drops it. */
export async function createTestDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `s3lite_${label}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Opens a fresh, empty queue; `cleanup` closes it and removes its storage. */
export interface BackendFactory {
  name: 'sqlite' | 'postgres';
  available: () => Promise<boolean>;
  /** A connection string of a fresh, empty store, and its cleanup. */
  fresh: () => Promise<{ connectionString: string; cleanup: () => Promise<void> }>;
}

export const BACKENDS: BackendFactory[] = [
  {
    name: 'sqlite',
    available: async () => true,
    fresh: async () => {
      const dir = mkdtempSync(join(tmpdir(), 's3lite-backends-'));
      return { connectionString: `sqlite://${join(dir, 'events.sqlite')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    available: postgresReachable,
    fresh: async () => {
      const db = await createTestDatabase('suite');
      return { connectionString: db.url, cleanup: db.drop };
    },
  },
];

/** Opens a queue on a fresh store of `backend`; the returned `done` closes and removes it. */
export async function freshQueue(backend: BackendFactory, options: Omit<OpenQueueOptions, 'connectionString'> = {}): Promise<{ queue: EventStore; connectionString: string; done: () => Promise<void> }> {
  const { connectionString, cleanup } = await backend.fresh();
  const queue = await openQueue({ ...options, connectionString });
  return {
    queue,
    connectionString,
    done: async () => {
      await queue.close();
      await cleanup();
    },
  };
}
