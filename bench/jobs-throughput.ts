/**
 * Quick job throughput: jobs/s with 1, 4 and 16 workers (concurrency) on
 * SQLite and PostgreSQL, empty jobs (the queue's own cost). Jobs are added
 * first, then one queue runs them all; the clock runs from start() to the last
 * `completed` event.
 *
 *   npx tsx bench/jobs-throughput.ts [jobs=5000] [postgres-admin-url]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openJobQueue } from '../src/events/index.js';

const total = Number(process.argv[2] ?? 5000);
const adminUrl = process.argv[3] ?? process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function fresh(backend: 'sqlite' | 'postgres'): Promise<{ url: string; drop: () => Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 's3lite-jobs-bench-'));
    return { url: `sqlite://${join(dir, 'jobs.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `s3lite_jobs_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function measure(backend: 'sqlite' | 'postgres', concurrency: number): Promise<number> {
  const { url, drop } = await fresh(backend);
  const jobs = await openJobQueue({ connectionString: url, concurrency, poolSize: backend === 'postgres' ? 4 : undefined });
  try {
    for (let i = 0; i < total; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, total - i) }, (_, k) => jobs.add('noop', { n: i + k })));
    }
    let done = 0;
    const finished = new Promise<void>((resolve) => jobs.on('completed', () => ++done === total && resolve()));
    jobs.registerWorker('noop', async () => undefined);
    const started = performance.now();
    jobs.start();
    await finished;
    return total / ((performance.now() - started) / 1000);
  } finally {
    await jobs.close();
    await drop();
  }
}

console.log(`| workers | SQLite jobs/s | PostgreSQL jobs/s |  (${total} empty jobs each)`);
console.log('|---:|---:|---:|');
for (const concurrency of [1, 4, 16]) {
  const sqlite = await measure('sqlite', concurrency);
  const postgres = await measure('postgres', concurrency);
  console.log(`| ${concurrency} | ${Math.round(sqlite)} | ${Math.round(postgres)} |`);
}
