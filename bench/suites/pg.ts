/**
 * PostgreSQL events bench (`npm run bench -- pg`): the event store on
 * PostgreSQL against the raw `pg` driver on the same server, in the same run,
 * on the same table shape; plus the driver comparison (`pg` vs `postgres`) on
 * the group-commit workload that picked the driver; plus Emmett's
 * appendToStream (bench/peers/emmett, installed on demand into its own folder
 * and run in its own processes: it needs commander 12, s3lite ships 14).
 * Each workload gets its own fresh database. Needs PostgreSQL at PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import postgres from 'postgres';
import type { SuiteReport } from '../lib/report.js';
import { freshDb, serverSettings } from '../lib/pg-bench.js';
import { ensurePeer, runPeer, type Peer } from '../lib/peers.js';
import { newCorrelationId, openQueue } from '../../src/events/index.js';

const TIMED_MS = 3000;
const BULK = 100_000;
const POOL = 10;

/** A pool whose idle connections may be dropped by the server without crashing the bench. */
function newPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  pool.on('error', () => {});
  return pool;
}

function payload(i: number) {
  return { orderId: i, customer: `c${i % 1000}`, amount: (i % 97) * 1.25, items: ['a', 'b'] };
}

const RAW_INSERT = `INSERT INTO queue (id, version, datetime, "user", ip, cmd, data, correlation_id, causation_id, metadata)
VALUES (nextval('queue_position'), 1, $1, 'u', '127.0.0.1', 'orderPlaced', $2, $3, NULL, '{}')`;
// Every column sent as an array, as the event store sends them (a fair floor for its batches).
const RAW_BATCH = `INSERT INTO queue (id, version, datetime, "user", ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version)
SELECT nextval('queue_position'), * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::int[])`;

/** `callers` loops calling `op(i)` for TIMED_MS; events per second. */
async function timed(callers: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let n = 0;
  const start = performance.now();
  const deadline = start + TIMED_MS;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) await op(n++);
    }),
  );
  return (n * 1000) / (performance.now() - start);
}

async function rawAutocommit(callers: number): Promise<number> {
  const db = await freshDb();
  const pool = newPool(db.url);
  try {
    return await timed(callers, (i) => pool.query(RAW_INSERT, [Date.now(), JSON.stringify(payload(i)), newCorrelationId()]));
  } finally {
    await pool.end();
    await db.drop();
  }
}

function batchArrays(from: number, n: number): unknown[] {
  const columns: unknown[][] = Array.from({ length: 11 }, () => []);
  for (let i = from; i < from + n; i++) {
    const row = [1, Date.now(), 'u', '127.0.0.1', 'orderPlaced', JSON.stringify(payload(i)), newCorrelationId(), null, '{}', null, null];
    for (let c = 0; c < 11; c++) columns[c]!.push(row[c]);
  }
  return columns;
}

async function rawBulk(): Promise<number> {
  const db = await freshDb();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const start = performance.now();
    await client.query('BEGIN');
    for (let from = 0; from < BULK; from += 10_000) await client.query(RAW_BATCH, batchArrays(from, 10_000));
    await client.query('COMMIT');
    return (BULK * 1000) / (performance.now() - start);
  } finally {
    await client.end();
    await db.drop();
  }
}

/** The group-commit workload with each driver: 100-row transactions from `POOL` connections. */
async function driverRate(driver: 'pg' | 'postgres'): Promise<number> {
  const db = await freshDb();
  const rows = 100;
  try {
    if (driver === 'pg') {
      const pool = newPool(db.url);
      try {
        return (await timed(POOL, async (i) => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await client.query(RAW_BATCH, batchArrays(i * rows, rows));
            await client.query('COMMIT');
          } finally {
            client.release();
          }
        })) * rows;
      } finally {
        await pool.end();
      }
    }
    const sql = postgres(db.url, { max: POOL, onnotice: () => {} });
    try {
      return (await timed(POOL, (i) => sql.begin((tx) => tx.unsafe(RAW_BATCH, batchArrays(i * rows, rows) as never[])))) * rows;
    } finally {
      await sql.end();
    }
  } finally {
    await db.drop();
  }
}

async function oursStore(callers: number): Promise<number> {
  const db = await freshDb();
  const queue = await openQueue({ connectionString: db.url, poolSize: POOL });
  try {
    return await timed(callers, (i) => queue.store({ cmd: 'orderPlaced', data: payload(i), user: 'u', ip: '127.0.0.1' }));
  } finally {
    await queue.close();
    await db.drop();
  }
}

async function oursBulk(): Promise<number> {
  const db = await freshDb();
  const queue = await openQueue({ connectionString: db.url, poolSize: POOL });
  try {
    const events = Array.from({ length: BULK }, (_, i) => ({ cmd: 'orderPlaced', data: payload(i), user: 'u', ip: '127.0.0.1' }));
    const start = performance.now();
    await queue.storeBulk(events);
    return (BULK * 1000) / (performance.now() - start);
  } finally {
    await queue.close();
    await db.drop();
  }
}

/** 4 processes × 25 callers, each process timed on its own; the sum of their rates. */
async function oursProcesses(): Promise<number> {
  const db = await freshDb();
  const worker = fileURLToPath(new URL('../lib/pg-store-worker.ts', import.meta.url));
  try {
    const rates = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<number>((resolve, reject) => {
            const child = spawn(process.execPath, ['--import', 'tsx', worker, db.url, '25', String(TIMED_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            child.stdout.on('data', (c: Buffer) => (out += c.toString()));
            child.on('close', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`worker exited ${code}`))));
          }),
      ),
    );
    return rates.reduce((a, b) => a + b, 0);
  } finally {
    await db.drop();
  }
}

/** Emmett appendToStream from `processes` x `callers` (events/s summed), or a bulk of BULK events when callers is 0. */
async function emmettRate(emmett: Peer, processes: number, callers: number): Promise<number> {
  const db = await freshDb(false);
  const worker = async (args: string[]) => Number(await runPeer(emmett, args));
  try {
    await worker(['migrate', db.url]);
    if (callers === 0) return await worker(['bulk', db.url, String(BULK)]);
    const rates = await Promise.all(Array.from({ length: processes }, (_, p) => worker(['timed', db.url, String(callers), String(TIMED_MS), `p${p}`])));
    return rates.reduce((a, b) => a + b, 0);
  } finally {
    await db.drop();
  }
}

export async function run(report: SuiteReport): Promise<void> {
  const settings = await serverSettings();
  const load = loadavg()[0]!.toFixed(1);
  const pgRate = await driverRate('pg');
  const postgresRate = await driverRate('postgres');
  report.add({
    title: 'PostgreSQL driver on the group-commit workload (100-row transactions, unnest insert)',
    settings: { ...settings, connections: POOL, seconds: TIMED_MS / 1000 },
    columns: ['driver', 'events/s'],
    rows: [
      ['pg (node-postgres)', pgRate],
      ['postgres (postgres.js)', postgresRate],
    ],
  });

  const raw1 = await rawAutocommit(1);
  const raw100 = await rawAutocommit(100);
  // Best of two: the first bulk of a process also pays for JIT warm-up.
  const rawBatch = Math.max(await rawBulk(), await rawBulk());
  // Emmett and s3lite measured in pairs, back to back, so a swing in the shared machine's load hits both alike.
  const emmettPeer = ensurePeer('emmett', '@event-driven-io/emmett-postgresql/package.json');
  const emmettMissing = emmettPeer.missing;
  const emmettOr = async (rate: () => Promise<number>) => (emmettMissing ? undefined : rate());
  const emmettOne = await emmettOr(() => emmettRate(emmettPeer, 1, 1));
  const store1 = await oursStore(1);
  const emmettHundred = await emmettOr(() => emmettRate(emmettPeer, 1, 100));
  const store100 = await oursStore(100);
  const emmettBulk = await emmettOr(async () => Math.max(await emmettRate(emmettPeer, 1, 0), await emmettRate(emmettPeer, 1, 0)));
  const bulk = Math.max(await oursBulk(), await oursBulk());
  const emmettProcs = await emmettOr(() => emmettRate(emmettPeer, 4, 25));
  const procs = await oursProcesses();
  const emmett = { one: emmettOne, hundred: emmettHundred, bulk: emmettBulk, procs: emmettProcs };
  const vsEmmett = (ours: number, theirs: number | undefined) => (theirs ? `${(ours / theirs).toFixed(2)}x` : '-');
  const emmettCell = (rate: number | undefined) => rate ?? emmettMissing;
  report.add({
    title: 'Event store on PostgreSQL vs raw pg (same run, same server)',
    settings: {
      ...settings,
      pool: `${POOL} connections per process`,
      indexes: 'primary key, (stream, stream_version) unique, correlation_id, causation_id',
      events: 'JSON payload ~80 B',
      emmett:
        '@event-driven-io/emmett-postgresql 0.42.0 from bench/peers/emmett in its own processes, pg.Pool of 10 per process, ' +
        'one stream per caller, no expected version, user/ip in metadata; bulk = one appendToStream call',
      load_average_1m: `${load} before, ${loadavg()[0]!.toFixed(1)} after (2 cores, shared)`,
    },
    columns: ['operation', 'events/s', 'vs raw autocommit (100 callers)', 'vs Emmett (same concurrency)', 'goal'],
    rows: [
      ['raw INSERT autocommit, 1 caller', raw1, '-', '-', '-'],
      ['raw INSERT autocommit, 100 callers', raw100, 1, '-', '-'],
      [`raw one-transaction batch of ${BULK.toLocaleString('en')} (unnest, 10k rows/statement)`, rawBatch, rawBatch / raw100, '-', '-'],
      ['Emmett appendToStream, 1 caller', emmettCell(emmett.one), emmett.one ? emmett.one / raw100 : '-', '-', '-'],
      ['Emmett appendToStream, 100 callers', emmettCell(emmett.hundred), emmett.hundred ? emmett.hundred / raw100 : '-', '-', '-'],
      [`Emmett appendToStream ${BULK.toLocaleString('en')} events in one call`, emmettCell(emmett.bulk), emmett.bulk ? `${(emmett.bulk / rawBatch).toFixed(2)}x raw batch` : '-', '-', '-'],
      ['Emmett appendToStream, 4 processes x 25 callers', emmettCell(emmett.procs), emmett.procs ? emmett.procs / raw100 : '-', '-', '-'],
      ['s3lite store, 1 caller', store1, store1 / raw100, vsEmmett(store1, emmett.one), '>= 2x Emmett'],
      ['s3lite store, 100 callers (group commit)', store100, store100 / raw100, vsEmmett(store100, emmett.hundred), '>= 5x raw autocommit, >= 2x Emmett'],
      [`s3lite storeBulk ${BULK.toLocaleString('en')}`, bulk, `${(bulk / rawBatch).toFixed(2)}x raw batch`, vsEmmett(bulk, emmett.bulk), '>= 0.8x raw batch, >= 2x Emmett'],
      ['s3lite store, 4 processes x 25 callers', procs, procs / raw100, vsEmmett(procs, emmett.procs), '>= 2x Emmett'],
    ],
  });
}
