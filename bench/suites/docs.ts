/**
 * Docs bench: the whole stack (ExecutorPool + codec + store) on the resource
 * of the issue (`customerId`, `status`, `amount`, optional `note`, no
 * partitions): insert one by one, insertMany, get one by one, getMany, update
 * one by one, list, and a full-scan query on a non-partition field over 15,000
 * documents; on memory://, and on a real s3rver and a real Ceph radosgw (where
 * installed; it enforces conditional writes) at concurrency 10 and 100 beside
 * the bare SDK PutObject rate at the same concurrency; peak RSS.
 *
 * The published s3db.js is not installed here (it installs from npm only with
 * dependency overrides, and this bench may not install packages), so it cannot
 * run in the same process: its reference figures from the issue are printed
 * beside ours instead.
 */
import { createRequire } from 'node:module';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { S3db, type Resource } from '../../src/docs/index.js';
import { startRgwServer, startS3rverServer, type BenchServer } from '../lib/servers.js';
import { peakRssMiB, type Cell, type SuiteReport } from '../lib/report.js';
import { bareS3Client } from '../lib/bare-s3-client.js';

const ATTRIBUTES = { customerId: 'string', status: 'string', amount: 'number', note: 'string|optional' };
const STATUSES = ['pending', 'paid', 'shipped', 'closed'];
const doc = (i: number) => ({ customerId: `customer-${i % 977}`, status: STATUSES[i % 4] as string, amount: Math.round(i * 137.31) / 100 });

/** s3db.js 21.6 on memory://, 2 cores, from the issue. */
const REFERENCE: Record<string, { value: number; unit: string; setting: string }> = {
  'insert (one by one)': { value: 9_600, unit: 'ops/s', setting: 'no partitions' },
  insertMany: { value: 10_700, unit: 'ops/s', setting: 'byStatus partition' },
  'get (one by one)': { value: 19_500, unit: 'ops/s', setting: 'no partitions' },
  getMany: { value: 22_000, unit: 'ops/s', setting: 'byStatus partition' },
  'update (one by one)': { value: 3_500, unit: 'ops/s', setting: 'no partitions' },
  'query, full scan of 15k docs': { value: 6_500, unit: 'ms', setting: 'byStatus partition, non-partition field' },
};

interface Figures {
  [op: string]: { value: number; unit: 'ops/s' | 'ms'; n: number };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs the workload on one database; `sizes` scale it to the backend's speed. */
async function workload(db: S3db, sizes: { docs: number; sequential: number; rounds: number }): Promise<Figures> {
  const resource: Resource = await db.createResource({ name: `orders_${Date.now().toString(36)}`, attributes: ATTRIBUTES });
  const figures: Figures = {};
  const rate = (n: number, ms: number) => (n * 1000) / ms;
  const record = (op: string, samples: number[], n: number, unit: 'ops/s' | 'ms') => {
    figures[op] = { value: median(samples), unit, n };
  };

  // insertMany builds the data set the read workloads use.
  const many: number[] = [];
  let ids: string[] = [];
  for (let round = 0; round < sizes.rounds; round++) {
    const items = Array.from({ length: sizes.docs }, (_, i) => ({ id: `r${round}-${String(i).padStart(6, '0')}`, ...doc(i) }));
    let results: Awaited<ReturnType<Resource['insertMany']>> = [];
    many.push(rate(sizes.docs, await timed(async () => (results = await resource.insertMany(items)))));
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) throw new Error(`insertMany: ${failed.length} of ${sizes.docs} failed`);
    if (round === 0) ids = results.map((r) => r.id as string);
    else await resource.deleteMany(results.map((r) => r.id as string));
  }
  record('insertMany', many, sizes.docs, 'ops/s');
  await resource.update(ids[Math.floor(ids.length / 2)] as string, { note: 'needle' });

  const one: number[] = [];
  for (let round = 0; round < sizes.rounds; round++) {
    const made: string[] = [];
    one.push(rate(sizes.sequential, await timed(async () => {
      for (let i = 0; i < sizes.sequential; i++) made.push((await resource.insert(doc(i))).id);
    })));
    await resource.deleteMany(made);
  }
  record('insert (one by one)', one, sizes.sequential, 'ops/s');

  const gets: number[] = [];
  for (let round = 0; round < sizes.rounds; round++) {
    gets.push(rate(sizes.sequential, await timed(async () => {
      for (let i = 0; i < sizes.sequential; i++) await resource.get(ids[i] as string);
    })));
  }
  record('get (one by one)', gets, sizes.sequential, 'ops/s');

  const getMany: number[] = [];
  for (let round = 0; round < sizes.rounds; round++) getMany.push(rate(ids.length, await timed(() => resource.getMany(ids))));
  record('getMany', getMany, ids.length, 'ops/s');

  const updates: number[] = [];
  const updateCount = Math.max(1, Math.floor(sizes.sequential / 2));
  for (let round = 0; round < sizes.rounds; round++) {
    updates.push(rate(updateCount, await timed(async () => {
      for (let i = 0; i < updateCount; i++) await resource.update(ids[i] as string, { amount: round + i });
    })));
  }
  record('update (one by one)', updates, updateCount, 'ops/s');

  const lists: number[] = [];
  for (let round = 0; round < sizes.rounds; round++) {
    let n = 0;
    lists.push(await timed(async () => (n = (await resource.list()).length)));
    if (n !== ids.length) throw new Error(`list returned ${n} of ${ids.length}`);
  }
  record('list (every document)', lists, ids.length, 'ms');

  const queries: number[] = [];
  for (let round = 0; round < sizes.rounds; round++) {
    let found = 0;
    queries.push(await timed(async () => (found = (await resource.query({ note: 'needle' })).length)));
    if (found !== 1) throw new Error(`query found ${found} documents, expected 1`);
  }
  record(`query, full scan of ${sizes.docs >= 15_000 ? '15k' : sizes.docs} docs`, queries, ids.length, 'ms');
  return figures;
}

function s3dbInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('s3db.js');
    return true;
  } catch {
    return false;
  }
}

/** Bare SDK PutObject rate with `concurrency` workers, same metadata and body shape as an insert (and its If-None-Match when asked). */
async function barePutRate(server: BenchServer, connectionString: string, concurrency: number, n: number, ifNoneMatch = false): Promise<number> {
  const bucket = new URL(connectionString).pathname.split('/')[1] as string;
  const client = bareS3Client(server.endpoint, concurrency, server.credentials);
  const prefix = ifNoneMatch ? 'bare-inm' : 'bare';
  const metadata = { 's-v': '1', '0': 'scustomer-123', '1': 'spaid', '2': 'n1234.56' };
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/id=${i}`, Body: 'abcdefghijkl', Metadata: metadata, ContentType: 'text/plain', IfNoneMatch: ifNoneMatch ? '*' : undefined }),
        );
      }
    }),
  );
  const ms = performance.now() - start;
  client.destroy();
  return (n * 1000) / ms;
}

export async function run(report: SuiteReport): Promise<void> {
  const installed = s3dbInstalled();
  const comparisonNote = installed
    ? 's3db.js is installed but this suite does not drive it; reference figures are from the issue.'
    : 's3db.js could not be run: it is not installed (it installs from npm only with dependency overrides, and the bench may not install packages). Reference figures are the issue\'s s3db.js 21.6 measurements on a 2-core machine.';

  // memory://
  const concurrency = 100;
  const baselineRss = peakRssMiB();
  const memDb = new S3db({ connectionString: `memory://bench-docs-${Date.now()}/db`, executorPool: { concurrency }, logLevel: 'silent' });
  await memDb.connect();
  // JIT warm-up on a throwaway resource, so the figures measure steady state rather than compilation.
  await workload(memDb, { docs: 3_000, sequential: 3_000, rounds: 1 });
  const mem = await workload(memDb, { docs: 15_000, sequential: 15_000, rounds: 3 });
  await memDb.client.clear();
  await memDb.disconnect();
  const rss = peakRssMiB();

  const rows: Cell[][] = Object.entries(mem).map(([op, f]) => {
    const ref = REFERENCE[op];
    const ratio = ref ? (f.unit === 'ms' ? ref.value / f.value : f.value / ref.value) : null;
    return [op, f.n, f.value, f.unit, ref ? ref.value : null, ref ? ref.setting : null, ratio === null ? null : `${ratio.toFixed(1)}x`];
  });
  rows.push(['peak RSS (MiB, whole process)', null, rss, 'MiB', 260, 'byStatus partition', `${(260 / rss).toFixed(1)}x less`]);
  rows.push(['RSS before the workload (node + tsx)', null, baselineRss, 'MiB', null, null, null]);
  report.add({
    title: 'docs on memory:// (whole stack: pool + codec + store), median of 3 rounds',
    settings: { backend: 'memory://', concurrency, partitions: 'none', resource: 'customerId, status, amount, note?', s3dbjs: installed ? 'installed' : 'not installed' },
    columns: ['operation', 'n', 's3lite', 'unit', 's3db.js 21.6', 's3db.js setting', 'vs s3db.js'],
    rows,
    notes: [comparisonNote, 'After a warm-up pass on 3,000 documents. Peak RSS covers warm-up plus 3 rounds with all documents held by the memory store.', 'Goal: at least 3x each s3db.js figure. ms rows: lower is better, the ratio is s3db.js ms / s3lite ms.'],
  });

  await serverTables(report, await startS3rverServer());
  const rgw = await startRgwServer();
  if (rgw) await serverTables(report, rgw);
}

/** The docs workload at concurrency 10 and 100 on a real server, beside the bare SDK's PutObject rate. */
async function serverTables(report: SuiteReport, server: BenchServer): Promise<void> {
  try {
    for (const c of [10, 100]) {
      const cs = await server.connectionString('docs');
      const db = new S3db({ connectionString: cs, executorPool: { concurrency: c }, logLevel: 'error' });
      await db.connect();
      const figures = await workload(db, { docs: 1_000, sequential: 200, rounds: 1 });
      await db.disconnect();
      const bare = await barePutRate(server, cs, c, 1_000);
      const insertMany = figures.insertMany?.value ?? 0;
      const rows: Cell[][] = [
        ...Object.entries(figures).map(([op, f]): Cell[] => [op, f.n, f.value, f.unit]),
        ['bare SDK PutObject (same metadata, c workers)', 1_000, bare, 'ops/s'],
        ['insertMany / bare PutObject', null, `${((insertMany / bare) * 100).toFixed(0)}%`, ''],
      ];
      if (server.conditionalWrites) {
        // Our inserts send If-None-Match: *, which this server really checks: compare with the bare SDK doing the same.
        const bareConditional = await barePutRate(server, cs, c, 1_000, true);
        rows.push(['bare SDK PutObject If-None-Match: * (c workers)', 1_000, bareConditional, 'ops/s']);
        rows.push(['insertMany / bare PutObject If-None-Match', null, `${((insertMany / bareConditional) * 100).toFixed(0)}%`, '']);
      }
      report.add({
        title: `docs on ${server.name}, concurrency ${c}`,
        settings: { backend: server.description, concurrency: c, partitions: 'none', conditionalWrites: server.conditionalWrites },
        columns: ['operation', 'n', 's3lite', 'unit'],
        rows,
        notes: [`${server.name} shares the machine's cores with this process: absolute figures measure the server; the ratio to the bare SDK is what matters (goal >= 90%).`],
      });
    }
  } finally {
    await server.stop();
  }
}
