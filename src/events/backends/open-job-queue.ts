/**
 * `openJobQueue({ connectionString })`: the durable job queue on SQLite or
 * PostgreSQL, picked by the connection string as `openQueue` picks the event
 * queue. Both answer the same calls with the same shapes (`await` works on the
 * SQLite queue's plain return values too).
 */
import { invalidOption } from '../../core/options.js';
import { BackgroundJobQueue } from '../operations/background-job-queue.js';
import { resolveQueueOptions, type BackgroundJobQueueOptions } from '../operations/job-queue-options.js';
import { parseConnectionString } from './open-queue.js';
import { PgJobQueue } from './postgres/pg-job-queue.js';
import { PgJobTable } from './postgres/pg-job-table.js';
import { createPool } from './postgres/pg-pool.js';

/**
 * Options of {@link openJobQueue}: the database comes from `connectionString`; the
 * rest are {@link BackgroundJobQueueOptions} (`concurrency`, `prefetch`,
 * `pollInterval`, `leaseDuration`, `durability`) with the same defaults.
 */
export interface OpenJobQueueOptions extends Omit<BackgroundJobQueueOptions, 'dbName' | 'queue'> {
  /** `postgres://…`, `sqlite:///abs/path.sqlite` or a SQLite file path (the jobs database). */
  connectionString: string;
  /** PostgreSQL: connections in the pool (2 and up). Refused on SQLite. @default 4 */
  poolSize?: number;
}

/**
 * Opens the job queue named by `connectionString`. On PostgreSQL the job tables
 * are created in that database (beside an `openQueue` event table if the URL is
 * the same); `durability` there is the server's `synchronous_commit`.
 *
 * @example
 * const jobs = await openJobQueue({ connectionString: process.env.JOBS_URL ?? 'data/jobs.sqlite', concurrency: 16 });
 * jobs.registerWorker('sendEmail', async (data, { signal }) => mailer.send(data, { signal }));
 * await jobs.add('sendEmail', { to: 'a@example.com' });
 * jobs.start();
 */
export async function openJobQueue(options: OpenJobQueueOptions): Promise<BackgroundJobQueue | PgJobQueue> {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object with a connectionString', options);
  const { connectionString, poolSize, ...queueOptions } = options;
  const parsed = parseConnectionString(connectionString);
  if ('dbName' in queueOptions || 'queue' in queueOptions) {
    throw invalidOption('dbName', 'omitted: openJobQueue takes the database from connectionString', (queueOptions as BackgroundJobQueueOptions).dbName);
  }
  if (parsed.backend === 'sqlite') {
    if (poolSize !== undefined) throw invalidOption('poolSize', 'omitted on SQLite (PostgreSQL only)', poolSize);
    return new BackgroundJobQueue({ ...queueOptions, dbName: parsed.target });
  }
  const resolved = resolveQueueOptions(queueOptions);
  if (poolSize !== undefined && (!Number.isInteger(poolSize) || poolSize < 2)) throw invalidOption('poolSize', 'an integer from 2 and up', poolSize);
  const pool = createPool({ connectionString: parsed.target, max: poolSize ?? 4 });
  try {
    return new PgJobQueue(pool, await PgJobTable.open(pool), resolved);
  } catch (err) {
    await pool.end();
    throw err;
  }
}
