/**
 * Quick job throughput: jobs/s with 1, 4 and 16 workers (concurrency) on
 * SQLite and PostgreSQL, empty jobs (the queue's own cost). Jobs are added
 * first, then run by one queue (the clock runs from start() to the last
 * `completed` event) or by 2 processes with half the workers each (from both
 * being ready to the stats counting every job completed).
 *
 *   npx tsx bench/jobs-throughput.ts [jobs=5000] [postgres-admin-url]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openJobQueue } from '../src/events/index.js';

if (process.argv[2] === '--worker') {
  // A worker process: opens the queue, says ready, starts on "go", runs until killed.
  const jobs = await openJobQueue({ connectionString: process.argv[3]!, concurrency: Number(process.argv[4]) });
  jobs.registerWorker('noop', async () => undefined);
  process.stdout.write('ready\n');
  process.stdin.once('data', () => jobs.start());
  await new Promise(() => {});
}

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

async function measure(backend: 'sqlite' | 'postgres', concurrency: number, processes = 1): Promise<number> {
  const { url, drop } = await fresh(backend);
  const jobs = await openJobQueue({ connectionString: url, concurrency, poolSize: backend === 'postgres' ? 4 : undefined });
  try {
    for (let i = 0; i < total; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, total - i) }, (_, k) => jobs.add('noop', { n: i + k })));
    }
    if (processes > 1) return await inProcesses(jobs, url, concurrency, processes);
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

async function inProcesses(jobs: Awaited<ReturnType<typeof openJobQueue>>, url: string, concurrency: number, processes: number): Promise<number> {
  const script = fileURLToPath(import.meta.url);
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, [...process.execArgv, script, '--worker', url, String(Math.max(1, concurrency / processes))], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  try {
    await Promise.all(children.map((child) => new Promise((resolve) => child.stdout.once('data', resolve))));
    const started = performance.now();
    for (const child of children) child.stdin.write('go\n');
    while ((await jobs.getQueueStats()).completed < total) await new Promise((resolve) => setTimeout(resolve, 20));
    return total / ((performance.now() - started) / 1000);
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

console.log(`| workers | SQLite jobs/s | PostgreSQL jobs/s | SQLite, 2 processes | PostgreSQL, 2 processes |  (${total} empty jobs each)`);
console.log('|---:|---:|---:|---:|---:|');
for (const concurrency of [1, 4, 16]) {
  const row = [await measure('sqlite', concurrency), await measure('postgres', concurrency)];
  if (concurrency > 1) row.push(await measure('sqlite', concurrency, 2), await measure('postgres', concurrency, 2));
  console.log(`| ${concurrency} | ${row.map((v) => Math.round(v)).join(' | ')}${concurrency > 1 ? '' : ' | – | –'} |`);
}
process.exit(0);
