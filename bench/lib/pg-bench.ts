/**
 * PostgreSQL helpers of the benches: throw-away databases with unique names
 * (dropped after each workload) and the server settings that go with the figures.
 * Needs PostgreSQL at PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_SCHEMA } from '../../src/events/backends/postgres/pg-schema.js';

export const ADMIN = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database (with the queue schema unless told otherwise); returns its URL and a drop function. */
export async function freshDb(withSchema = true): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `s3lite_bench_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  const drop = () => admin((c) => c.query(`DROP DATABASE ${name} WITH (FORCE)`)).then(() => undefined);
  if (!withSchema) return { url: url.toString(), drop };
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(PG_SCHEMA);
  await client.end();
  return { url: url.toString(), drop };
}

/** The server version and durability settings, for a table's settings line. */
export function serverSettings(): Promise<Record<string, string>> {
  return admin(async (c) => {
    const get = async (name: string) => (await c.query(`SHOW ${name}`)).rows[0][name] as string;
    return {
      server: (await c.query('SELECT version()')).rows[0].version.split(' on ')[0],
      synchronous_commit: await get('synchronous_commit'),
      fsync: await get('fsync'),
      wal_sync_method: await get('wal_sync_method'),
    };
  });
}
