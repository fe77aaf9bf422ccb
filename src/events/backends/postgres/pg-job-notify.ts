/**
 * Wake-ups between machines: `add` notifies JOBS_CHANNEL (in its insert, so a
 * job added in a transaction is announced at commit), and each running queue
 * LISTENs on one pool connection. Polling stays as the fallback.
 */
import type pg from 'pg';
import { JOBS_CHANNEL } from './pg-job-table.js';

/** LISTENs on a pool connection; null (after `onError`) when that fails: the queue then finds new jobs by polling. */
export async function listenForJobs(pool: pg.Pool, onJob: () => void, onError: (err: unknown) => void): Promise<pg.PoolClient | null> {
  let client: pg.PoolClient | undefined;
  try {
    client = await pool.connect();
    client.on('notification', onJob);
    await client.query(`LISTEN ${JOBS_CHANNEL}`);
    return client;
  } catch (err) {
    client?.release(err as Error);
    onError(err);
    return null;
  }
}

/** Stops listening and gives the connection back (dropped if UNLISTEN fails). */
export async function stopListening(client: pg.PoolClient | null): Promise<void> {
  if (!client) return;
  client.removeAllListeners('notification');
  await client.query(`UNLISTEN ${JOBS_CHANNEL}`).then(
    () => client.release(),
    (err: Error) => client.release(err),
  );
}
