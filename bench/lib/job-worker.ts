/**
 * One worker process of the jobs rows of `npm run bench -- work`: opens its
 * queue, prints "ready", starts working on the first line on stdin and runs
 * empty jobs until it is killed. The parent counts completed jobs in the database.
 *   node --import tsx job-worker.ts ours <connection string> <workers> <pool>
 *   node --import tsx job-worker.ts raw <postgres url> <workers> <pool>
 * `raw` is the hand-written baseline on the `pg` driver over the suite's
 * `raw_jobs` table: each worker claims one job with `FOR UPDATE SKIP LOCKED`,
 * runs it and marks it done (autocommit). <pool>: PostgreSQL connections.
 */
import pg from 'pg';
import { openJobQueue } from '../../src/events/index.js';

const CLAIM = `UPDATE raw_jobs SET state = 'active'
WHERE id = (SELECT id FROM raw_jobs WHERE state = 'ready' ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id, data`;

async function rawWorkers(url: string, workers: number, poolSize: number): Promise<() => void> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', () => {});
  const noop = async (_data: unknown): Promise<void> => undefined;
  return () => {
    for (let w = 0; w < workers; w++) {
      void (async () => {
        for (;;) {
          const { rows } = await pool.query<{ id: string; data: unknown }>(CLAIM);
          const job = rows[0];
          if (!job) {
            await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          await noop(job.data);
          await pool.query(`UPDATE raw_jobs SET state = 'done' WHERE id = $1`, [job.id]);
        }
      })();
    }
  };
}

async function oursWorkers(url: string, workers: number, poolSize: number): Promise<() => void> {
  const jobs = await openJobQueue({ connectionString: url, concurrency: workers, ...(url.startsWith('postgres') ? { poolSize } : {}) });
  jobs.registerWorker('noop', async () => undefined);
  return () => jobs.start();
}

const [mode, url, workers, poolSize] = process.argv.slice(2) as ['ours' | 'raw', string, string, string];
const start = await (mode === 'raw' ? rawWorkers : oursWorkers)(url, Number(workers), Number(poolSize));
process.stdout.write('ready\n');
process.stdin.once('data', start);
