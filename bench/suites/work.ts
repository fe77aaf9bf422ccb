/**
 * Work bench (`npm run bench -- work`): the events engine's two ways of
 * handing out work, each beside a hand-written loop on the raw driver and a
 * peer library, in the same run on the same server.
 *  - Consumers (`queue.subscribe`): catch-up throughput and end-to-end lag
 *    under 100 producers on PostgreSQL (LISTEN/NOTIFY) and SQLite (polling);
 *    Emmett's PostgreSQL consumer as the peer; a controlled 10k events/s load.
 *    The workload is bench/lib/consumer-load.mjs, shared with the Emmett process.
 *  - Jobs (`openJobQueue`): empty jobs per second with 1, 4 and 16 workers in
 *    one and in two processes; a `FOR UPDATE SKIP LOCKED` loop on `pg`; pg-boss.
 *  - The cost of the consumers' NOTIFY trigger on store().
 * Every workload gets a fresh database (PostgreSQL: unique name, dropped after;
 * SQLite: a file in a temp dir, removed after). Needs PostgreSQL at PG_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { SuiteReport, Cell } from '../lib/report.js';
import { measureConsumer, type ConsumerResult } from '../lib/consumer-load.mjs';
import { freshDb, serverSettings } from '../lib/pg-bench.js';
import { ensurePeer, runPeer, type Peer } from '../lib/peers.js';
import { RAW_PG_SCHEMA, rawPgConsumerAdapter, rawSqliteConsumerAdapter } from '../lib/raw-consumers.js';
import { openJobQueue, openQueue } from '../../src/events/index.js';

/** Consumers: events stored before the consumer starts (catch-up), live phase length, producers, batch. */
const PRELOAD = 3000;
const LIVE_MS = 3000;
const PRODUCERS = 100;
const BATCH = 100;
const OFFERED = 10_000;
const LAG_GOAL_MS = 50;
/** PostgreSQL connections of the producing queue and of the consuming one. */
const POOL = 10;
const READER_POOL = 4;
/** SQLite poll interval of both the s3lite consumer (its default) and the raw loop. */
const SQLITE_POLL_MS = 100;
/** PostgreSQL fallback poll of both the s3lite consumer (its default) and the raw loop. */
const PG_FALLBACK_MS = 1000;

/** Jobs: jobs added per row, connections per worker process, longest timed window. */
const JOBS = 3000;
const JOB_POOL = 4;
const JOB_WINDOW_MS = 3000;
const JOBS_GOAL = 5000;

/** NOTIFY cost: callers and seconds per run. */
const NOTIFY_CALLERS = 100;
const NOTIFY_MS = 3000;

const load = () => loadavg()[0]!.toFixed(1);

function payload(i: number, k: number) {
  return { orderId: i, customer: `c${i % 1000}`, amount: (i % 97) * 1.25, items: ['a', 'b'], k };
}
const event = (i: number, k: number) => ({ cmd: 'orderPlaced', data: payload(i, k), user: 'u', ip: '127.0.0.1' });

function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-work-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// ---------- consumers ----------

async function oursConsumer(url: string, rate?: number): Promise<ConsumerResult> {
  const producer = await openQueue(url.startsWith('postgres') ? { connectionString: url, poolSize: POOL } : { connectionString: url });
  // PostgreSQL: the consumer is its own queue (pool, LISTEN connection), as a separate service would be. SQLite: one queue, one connection.
  const reader = url.startsWith('postgres') ? await openQueue({ connectionString: url, poolSize: READER_POOL }) : producer;
  try {
    return await measureConsumer(
      {
        preload: async (n) => void (await producer.storeBulk(Array.from({ length: n }, (_, i) => event(i, -1)))),
        start: async (onEvent) => {
          const consumer = await reader.subscribe('bench', { batchSize: BATCH }, (e) => onEvent((e.data as { k: number }).k));
          return () => consumer.stop();
        },
        produce: (k) => producer.store(event(k, k)),
      },
      { preload: PRELOAD, producers: PRODUCERS, ms: LIVE_MS, rate },
    );
  } finally {
    if (reader !== producer) await reader.close();
    await producer.close();
  }
}

async function rawPgConsumer(url: string): Promise<ConsumerResult> {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  pool.on('error', () => {});
  try {
    await pool.query(RAW_PG_SCHEMA);
    return await measureConsumer(rawPgConsumerAdapter(url, pool, { batch: BATCH, fallbackMs: PG_FALLBACK_MS, payload }), { preload: PRELOAD, producers: PRODUCERS, ms: LIVE_MS });
  } finally {
    await pool.end();
  }
}

async function rawSqliteConsumer(file: string): Promise<ConsumerResult> {
  const raw = rawSqliteConsumerAdapter(file, { batch: BATCH, pollMs: SQLITE_POLL_MS, payload });
  try {
    return await measureConsumer(raw.adapter, { preload: PRELOAD, producers: PRODUCERS, ms: LIVE_MS });
  } finally {
    raw.close();
  }
}

async function onPg<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const db = await freshDb(false);
  try {
    return await fn(db.url);
  } finally {
    await db.drop();
  }
}

async function onSqlite<T>(fn: (file: string) => Promise<T>): Promise<T> {
  const tmp = tempDir();
  try {
    return await fn(join(tmp.dir, 'events.sqlite'));
  } finally {
    tmp.remove();
  }
}

async function emmettConsumer(emmett: Peer, rate?: number): Promise<ConsumerResult> {
  return onPg(async (url) => JSON.parse(await runPeer(emmett, ['consume', url, String(PRELOAD), String(PRODUCERS), String(LIVE_MS), String(rate ?? 0)])) as ConsumerResult);
}

function consumerCells(r: ConsumerResult): Cell[] {
  return [r.catchupPerSec, r.producedPerSec, r.lagP50, r.lagP99, r.lagMax, r.storeP99, r.missed];
}

async function consumers(report: SuiteReport, settings: Record<string, string>, emmett: Peer): Promise<void> {
  const before = load();
  const rows: Cell[][] = [];
  const row = (name: string, backend: string, offered: string, r: ConsumerResult, goal: Cell = '-') => rows.push([name, backend, offered, ...consumerCells(r), goal]);
  const closed = `${PRODUCERS} producers`;
  // Each s3lite row right after its baseline, so a swing in the shared machine's load hits both alike.
  row('raw pg: LISTEN/NOTIFY + SELECT position > $1', 'PostgreSQL', closed, await onPg(rawPgConsumer));
  row('s3lite subscribe', 'PostgreSQL', closed, await onPg((url) => oursConsumer(url)));
  if (emmett.missing) rows.push(['Emmett postgreSQLEventStoreConsumer (reactor)', 'PostgreSQL', closed, emmett.missing, '-', '-', '-', '-', '-', '-', '-']);
  else row('Emmett postgreSQLEventStoreConsumer (reactor)', 'PostgreSQL', closed, await emmettConsumer(emmett));
  const offered = await onPg((url) => oursConsumer(url, OFFERED));
  const met = offered.lagP99 < LAG_GOAL_MS && offered.missed === 0 && offered.producedPerSec >= OFFERED * 0.95;
  const goal = `lag p99 < ${LAG_GOAL_MS} ms at ${OFFERED / 1000}k/s: ${met ? 'met' : 'missed'}`;
  row('s3lite subscribe', 'PostgreSQL', `${OFFERED.toLocaleString('en')} events/s offered`, offered, goal);
  row('raw better-sqlite3 polling loop', 'SQLite', closed, await onSqlite(rawSqliteConsumer));
  row('s3lite subscribe', 'SQLite', closed, await onSqlite((file) => oursConsumer(`sqlite://${file}`)));
  report.add({
    title: 'Consumers: catch-up throughput and end-to-end lag under load',
    settings: {
      ...settings,
      events: 'JSON payload ~90 B, handler does nothing but note the time',
      catch_up: `${PRELOAD} events stored, then the consumer starts from the beginning; timed from its start (included) to the last one handled`,
      live: `${LIVE_MS / 1000} s of producers (closed loop: each stores its next event when the last is acknowledged, yielding to the event loop between)`,
      lag: 'handler called - store acknowledged to the producer (0 when the handler runs first); the store column is call -> acknowledgement',
      batch: `${BATCH} events`,
      s3lite_pg: `producers on openQueue poolSize ${POOL}, consumer on its own openQueue poolSize ${READER_POOL}, LISTEN/NOTIFY + ${PG_FALLBACK_MS} ms fallback poll`,
      raw_pg: `plain table (bigserial position, jsonb), statement NOTIFY trigger, autocommit INSERT per event from a pg.Pool of ${POOL}, checkpoint UPDATE per batch, ${PG_FALLBACK_MS} ms fallback poll`,
      emmett: `@event-driven-io/emmett-postgresql 0.42.0 in its own process (bench/peers/emmett), appendToStream on a pg.Pool of 10, consumer polls every 50 ms (its default; no NOTIFY), reactor stores its checkpoint after every message`,
      sqlite: `one process, one s3lite queue (durability full, WAL); raw loop: better-sqlite3, WAL, synchronous FULL, autocommit INSERT; both poll every ${SQLITE_POLL_MS} ms`,
      load_average_1m: `${before} before, ${load()} after (2 cores, shared)`,
    },
    columns: ['consumer', 'backend', 'load', 'catch-up events/s', 'produced events/s', 'lag p50 ms', 'lag p99 ms', 'lag max ms', 'store p99 ms', 'never handled', 'goal'],
    rows,
    notes: [
      '"never handled": live events the consumer had not seen 2 s after its last progress. The raw PostgreSQL loop can skip an event whose position was taken before, but committed after, a later one; s3lite reads up to a high-water mark so it never does.',
    ],
  });
}

// ---------- jobs ----------

type JobImpl = 'ours' | 'raw' | 'pgboss';

const JOB_WORKER = fileURLToPath(new URL('../lib/job-worker.ts', import.meta.url));

/** Spawns a worker process and resolves once it printed "ready". */
function startWorker(impl: JobImpl, url: string, workers: number, pgboss: Peer): Promise<ChildProcess> {
  const child =
    impl === 'pgboss'
      ? spawn(process.execPath, [`${pgboss.dir}worker.mjs`, 'work', url, String(workers), String(JOB_POOL)], { cwd: pgboss.dir, stdio: ['pipe', 'pipe', 'inherit'] })
      : spawn(process.execPath, ['--import', 'tsx', JOB_WORKER, impl, url, String(workers), String(JOB_POOL)], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${impl} job worker exited ${code} before it was ready`)));
  });
}

/** Adds JOBS empty jobs; returns a counter of completed ones and its cleanup. */
async function preloadJobs(impl: JobImpl, url: string, pgboss: Peer): Promise<{ completed: () => Promise<number>; close: () => Promise<void> }> {
  if (impl === 'ours') {
    const jobs = await openJobQueue(url.startsWith('postgres') ? { connectionString: url, poolSize: JOB_POOL } : { connectionString: url });
    for (let i = 0; i < JOBS; i += 100) await Promise.all(Array.from({ length: Math.min(100, JOBS - i) }, (_, k) => jobs.add('noop', { n: i + k })));
    return { completed: async () => (await jobs.getQueueStats()).completed, close: () => jobs.close() };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  if (impl === 'raw') {
    await client.query(`CREATE TABLE raw_jobs (id bigserial PRIMARY KEY, name text NOT NULL, data jsonb NOT NULL, state text NOT NULL DEFAULT 'ready');
      CREATE INDEX raw_jobs_ready ON raw_jobs (id) WHERE state = 'ready'`);
    await client.query(`INSERT INTO raw_jobs (name, data) SELECT 'noop', jsonb_build_object('n', i) FROM generate_series(1, $1) i`, [JOBS]);
  } else {
    await runPeer(pgboss, ['preload', url, String(JOBS)]);
  }
  const sql = impl === 'raw' ? `SELECT count(*) AS n FROM raw_jobs WHERE state = 'done'` : `SELECT count(*) AS n FROM pgboss.job WHERE name = 'noop' AND state = 'completed'`;
  return { completed: async () => Number((await client.query(sql)).rows[0].n), close: () => client.end() };
}

/**
 * Jobs per second: JOBS added first, then `processes` processes with `workers` in all;
 * completions counted from "go" until all are done or JOB_WINDOW_MS passed.
 */
async function jobsRate(impl: JobImpl, backend: 'postgres' | 'sqlite', workers: number, processes: number, pgboss: Peer): Promise<number> {
  const run = async (url: string): Promise<number> => {
    const counter = await preloadJobs(impl, url, pgboss);
    const children: ChildProcess[] = [];
    try {
      const starting = Array.from({ length: processes }, () => startWorker(impl, url, workers / processes, pgboss));
      // Every child that started is killed below, even when another failed to.
      for (const result of await Promise.allSettled(starting)) if (result.status === 'fulfilled') children.push(result.value);
      await Promise.all(starting);
      const started = performance.now();
      for (const child of children) child.stdin!.write('go\n');
      let done = 0;
      let elapsed = 0;
      do {
        await new Promise((r) => setTimeout(r, 20));
        done = await counter.completed();
        elapsed = performance.now() - started;
      } while (done < JOBS && elapsed < JOB_WINDOW_MS);
      return (done * 1000) / elapsed;
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await counter.close();
    }
  };
  return backend === 'postgres' ? onPg(run) : onSqlite((file) => run(`sqlite://${file}`));
}

async function jobs(report: SuiteReport, settings: Record<string, string>, pgboss: Peer): Promise<void> {
  const before = load();
  const rows: Cell[][] = [];
  const combos: Array<[number, number]> = [
    [1, 1],
    [4, 1],
    [16, 1],
    [4, 2],
    [16, 2],
  ];
  for (const [workers, processes] of combos) {
    // The four side by side for each setting, so a swing in load hits all of them.
    const raw = await jobsRate('raw', 'postgres', workers, processes, pgboss);
    const ours = await jobsRate('ours', 'postgres', workers, processes, pgboss);
    const boss = pgboss.missing ?? (await jobsRate('pgboss', 'postgres', workers, processes, pgboss));
    const sqlite = await jobsRate('ours', 'sqlite', workers, processes, pgboss);
    const goal = workers === 16 ? `>= ${JOBS_GOAL / 1000}k/s: ${ours >= JOBS_GOAL ? 'met' : 'missed'}` : '-';
    rows.push(
      ['raw pg FOR UPDATE SKIP LOCKED, one job per claim', 'PostgreSQL', workers, processes, raw, ours / raw, '-'],
      ['s3lite openJobQueue', 'PostgreSQL', workers, processes, ours, '-', goal],
      ['pg-boss 10.4.2 (batchSize 100 per work())', 'PostgreSQL', workers, processes, boss, typeof boss === 'number' ? ours / boss : '-', '-'],
      ['s3lite openJobQueue', 'SQLite', workers, processes, sqlite, '-', '-'],
    );
  }
  report.add({
    title: 'Jobs: empty jobs per second by workers and processes',
    settings: {
      ...settings,
      jobs: `${JOBS} empty jobs added first, then the worker processes (already started) are told to go; completions counted in the database every 20 ms until all ${JOBS} are done or ${JOB_WINDOW_MS / 1000} s passed`,
      workers: 'in all, split evenly across the processes (s3lite: concurrency; raw: async loops; pg-boss: work() calls)',
      connections: `${JOB_POOL} PostgreSQL connections per process for all three`,
      raw: 'UPDATE … WHERE id = (SELECT id … WHERE state = ready ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING, then UPDATE state = done (autocommit each)',
      pg_boss: 'bench/peers/pgboss (10.4.2: 11 and 12 need Node 22), its own process(es); each work() fetches up to 100 jobs, runs them, and waits out its 0.5 s polling interval (the minimum) before the next fetch',
      sqlite: 'openJobQueue on a SQLite file (durability full, WAL)',
      load_average_1m: `${before} before, ${load()} after (2 cores, shared)`,
    },
    columns: ['queue', 'backend', 'workers', 'processes', 'jobs/s', 's3lite PostgreSQL vs this', 'goal'],
    rows,
  });
}

// ---------- NOTIFY cost ----------

/** store() events/s from NOTIFY_CALLERS callers; `trigger`: a consumer subscribed once (installing the trigger) and stopped; `listening`: it keeps running. */
async function storeRate(mode: 'none' | 'trigger' | 'listening'): Promise<number> {
  return onPg(async (url) => {
    const queue = await openQueue({ connectionString: url, poolSize: POOL });
    const reader = mode === 'none' ? null : await openQueue({ connectionString: url, poolSize: READER_POOL });
    try {
      const consumer = reader ? await reader.subscribe('notify-cost', { from: 'end' }, () => undefined) : null;
      if (mode === 'trigger') await consumer!.stop();
      let n = 0;
      const start = performance.now();
      const deadline = start + NOTIFY_MS;
      await Promise.all(
        Array.from({ length: NOTIFY_CALLERS }, async () => {
          while (performance.now() < deadline) await queue.store(event(n, n++));
        }),
      );
      return (n * 1000) / (performance.now() - start);
    } finally {
      await reader?.close();
      await queue.close();
    }
  });
}

async function notifyCost(report: SuiteReport, settings: Record<string, string>): Promise<void> {
  const before = load();
  const modes = ['none', 'trigger', 'listening'] as const;
  const runs: Record<(typeof modes)[number], number[]> = { none: [], trigger: [], listening: [] };
  // Two rounds, the modes alternating within each.
  for (let round = 0; round < 2; round++) for (const mode of modes) runs[mode].push(await storeRate(mode));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const base = mean(runs.none);
  const labels = {
    none: 'no consumer ever subscribed (no trigger)',
    trigger: 'trigger installed (a consumer subscribed, then stopped): every commit notifies',
    listening: 'trigger installed and a consumer listening and handling (its own queue, same process)',
  };
  report.add({
    title: 'NOTIFY cost: store() on PostgreSQL with and without the consumers\' trigger',
    settings: {
      ...settings,
      callers: `${NOTIFY_CALLERS} concurrent store() callers on openQueue poolSize ${POOL} (group commit), ${NOTIFY_MS / 1000} s per run, a fresh database per run`,
      trigger: 'AFTER INSERT ON queue FOR EACH STATEMENT: pg_notify(s3lite_events) once per committing transaction',
      load_average_1m: `${before} before, ${load()} after (2 cores, shared)`,
    },
    columns: ['store() on PostgreSQL', 'events/s (mean of 2)', 'runs', 'vs no trigger'],
    rows: modes.map((mode) => [labels[mode], mean(runs[mode]), runs[mode].map((r) => Math.round(r)).join(', '), mean(runs[mode]) / base]),
  });
}

export async function run(report: SuiteReport): Promise<void> {
  const settings = await serverSettings();
  const emmett = ensurePeer('emmett', '@event-driven-io/emmett-postgresql/package.json');
  const pgboss = ensurePeer('pgboss', 'pg-boss/package.json');
  await consumers(report, settings, emmett);
  await jobs(report, settings, pgboss);
  await notifyCost(report, settings);
}
