/**
 * Partitions bench.
 *
 * 1. `list({ partition })` of a 100-document partition when the resource
 *    holds 1,000 vs 50,000 documents (memory://) and 1,000 vs 10,000
 *    (s3rver), beside `query()` on a non-partitioned field (a full scan).
 *    The ratio large/small of the partition list should stay near 1: its cost
 *    is the partition's, not the resource's.
 * 2. Insert and update throughput, one call at a time, with 0, 1 and 3
 *    partitions, sync vs async references (async: the rate until the calls
 *    return, and including `flushPartitions()`), with requests per operation
 *    counted by the ExecutorPool.
 *
 * The whole suite takes about 2 minutes on 2 cores. s3rver (one process
 * writing every object to disk) compares 1,000 vs 5,000 documents by
 * default; PARTITIONS_BENCH_S3RVER_LARGE=10000 runs the 10,000 (about
 * 3.5 minutes in all). PARTITIONS_BENCH_QUICK=1 cuts every size for a smoke run.
 */
import { S3db } from '../../src/docs/database.js';
import type { Resource } from '../../src/docs/resource.js';
import { s3rverConnectionStringFor, startS3rver } from '../../test/helpers/s3rver.js';
import type { Cell, SuiteReport } from '../lib/report.js';

const QUICK = process.env.PARTITIONS_BENCH_QUICK === '1';
const S3RVER_LARGE = Number(process.env.PARTITIONS_BENCH_S3RVER_LARGE ?? 5_000);
const PARTITION_SIZE = 100;

const ATTRIBUTES = { status: 'string', region: 'string', day: 'string', bucket: 'number', amount: 'number' };
const PARTITIONS = {
  byStatus: { fields: { status: 'string' } },
  byDay: { fields: { day: 'date' } },
  byRegionAndStatus: { fields: { region: 'string', status: 'string' } },
};
const partitionsOf = (n: 0 | 1 | 3) => Object.fromEntries(Object.entries(PARTITIONS).slice(0, n));

/** Document i: the first PARTITION_SIZE have status `target`, the rest spread over 50 other statuses. */
const docAt = (i: number) => ({
  id: `d${String(i).padStart(6, '0')}`,
  status: i < PARTITION_SIZE ? 'target' : `s${i % 50}`,
  region: ['eu', 'us', 'ap'][i % 3] as string,
  day: new Date(Date.UTC(2024, 0, 1 + (i % 28))).toISOString(),
  bucket: i % 97,
  amount: i,
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Median ms and requests (pool tasks) of `fn` over `runs` runs. */
async function measure(db: S3db, runs: number, fn: () => Promise<unknown>): Promise<{ ms: number; requests: number }> {
  const samples: number[] = [];
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    const before = db.executorPool.stats().completed;
    samples.push(await timed(fn));
    requests = db.executorPool.stats().completed - before;
  }
  return { ms: median(samples), requests };
}

async function fill(resource: Resource, count: number): Promise<void> {
  const chunk = 5_000;
  for (let start = 0; start < count; start += chunk) {
    const results = await resource.insertMany(Array.from({ length: Math.min(chunk, count - start) }, (_, i) => docAt(start + i)));
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) throw new Error(`insertMany: ${failed.length} failed`);
  }
  await resource.flushPartitions();
}

interface ListFigures {
  size: number;
  list: { ms: number; requests: number };
  query: { ms: number; requests: number };
}

async function listWorkload(db: S3db, sizes: number[], runs: { list: number; query: number }): Promise<ListFigures[]> {
  const lookup = { partition: 'byStatus', partitionValues: { status: 'target' } };
  const resources: Resource[] = [];
  for (const size of sizes) {
    const resource = await db.createResource({ name: `orders_${size}`, attributes: ATTRIBUTES, partitions: partitionsOf(1), asyncPartitions: true });
    await fill(resource, size);
    const check = await resource.list(lookup);
    if (check.length !== PARTITION_SIZE) throw new Error(`partition list returned ${check.length}, expected ${PARTITION_SIZE}`);
    resources.push(resource);
  }
  // Warm-up (JIT), then runs alternate between the sizes so drift and GC hit both alike.
  for (let i = 0; i < 20; i++) for (const resource of resources) await resource.list(lookup);
  const samples = resources.map(() => [] as number[]);
  const listRequests = resources.map(() => 0);
  for (let run = 0; run < runs.list; run++) {
    for (const [i, resource] of resources.entries()) {
      const m = await measure(db, 1, () => resource.list(lookup));
      (samples[i] as number[]).push(m.ms);
      listRequests[i] = m.requests;
    }
  }
  const out: ListFigures[] = [];
  for (const [i, resource] of resources.entries()) {
    // bucket 5 holds ~1% of the documents: a scan must read them all.
    const query = await measure(db, runs.query, () => resource.query({ bucket: 5 }));
    out.push({ size: sizes[i] as number, list: { ms: median(samples[i] as number[]), requests: listRequests[i] as number }, query });
  }
  return out;
}

function listTable(report: SuiteReport, backend: string, concurrency: number, figures: ListFigures[]): void {
  const small = figures[0] as ListFigures;
  const large = figures[figures.length - 1] as ListFigures;
  const ratio = large.list.ms / small.list.ms;
  report.add({
    title: `list({ partition }) of a ${PARTITION_SIZE}-document partition vs resource size, ${backend}`,
    settings: { backend, concurrency, asyncPartitions: true, partitions: 'byStatus', runs: 'median' },
    columns: ['documents in resource', 'partition list ms', 'requests', 'query (scan, non-partition field) ms', 'requests'],
    rows: figures.map((f): Cell[] => [f.size, f.list.ms, f.list.requests, f.query.ms, f.query.requests]),
    notes: [
      `partition list, ${large.size.toLocaleString('en-US')} vs ${small.size.toLocaleString('en-US')} documents: ratio ${ratio.toFixed(2)} (target < 1.5)`,
      'requests = ExecutorPool tasks: 1 LIST + 1 GET per document of the partition, whatever the resource size; the scan costs 1 LIST per 1000 keys + 1 GET per document.',
    ],
  });
}

async function writeWorkload(db: S3db, n: number): Promise<Cell[][]> {
  const rows: Cell[][] = [];
  for (const count of [0, 1, 3] as const) {
    for (const asyncPartitions of count === 0 ? [true] : [false, true]) {
      const name = `w${count}_${asyncPartitions ? 'a' : 's'}_${Date.now().toString(36)}`;
      const resource = await db.createResource({ name, attributes: ATTRIBUTES, partitions: partitionsOf(count), asyncPartitions });
      let before = db.executorPool.stats().completed;
      const insertMs = await timed(async () => {
        for (let i = 0; i < n; i++) await resource.insert(docAt(i + PARTITION_SIZE));
      });
      const insertFlushMs = insertMs + (await timed(() => resource.flushPartitions()));
      const insertRequests = (db.executorPool.stats().completed - before) / n;
      before = db.executorPool.stats().completed;
      // Each update changes status (and so byStatus and byRegionAndStatus), not the day.
      const updateMs = await timed(async () => {
        for (let i = 0; i < n; i++) await resource.update(docAt(i + PARTITION_SIZE).id, { status: `moved${i % 7}` });
      });
      const updateFlushMs = updateMs + (await timed(() => resource.flushPartitions()));
      const updateRequests = (db.executorPool.stats().completed - before) / n;
      const label = count === 0 ? 'none' : asyncPartitions ? 'async' : 'sync';
      rows.push([count, label, (n * 1000) / insertMs, (n * 1000) / insertFlushMs, insertRequests, (n * 1000) / updateMs, (n * 1000) / updateFlushMs, updateRequests]);
      const stats = resource.partitionStats();
      if (stats.pending !== 0 || stats.failed !== 0) throw new Error(`partition queue not clean: ${JSON.stringify(stats)}`);
    }
  }
  return rows;
}

function writeTable(report: SuiteReport, backend: string, concurrency: number, n: number, rows: Cell[][]): void {
  report.add({
    title: `insert and update, one call at a time, by number of partitions, ${backend}`,
    settings: { backend, concurrency, operations: n, partitions: '1: byStatus; 3: + byDay, byRegionAndStatus' },
    columns: ['partitions', 'refs', 'insert ops/s', 'insert ops/s incl. flush', 'requests/insert', 'update ops/s', 'update ops/s incl. flush', 'requests/update'],
    rows,
    notes: [
      'requests/insert = 1 + partitions (s3db.js: 3 PUTs with one partition). requests/update = GET + PUT + 2 per changed partition (status changes byStatus and byRegionAndStatus; s3db.js: 6 with one partition).',
      'async: the call returns after the document write; "incl. flush" adds the time until flushPartitions() resolved.',
    ],
  });
}

export async function run(report: SuiteReport): Promise<void> {
  // memory://
  const concurrency = 100;
  const memory = new S3db({ connectionString: `memory://bench-partitions-${Date.now()}/db`, executorPool: { concurrency }, logLevel: 'silent' });
  await memory.connect();
  const memSizes = QUICK ? [1_000, 5_000] : [1_000, 50_000];
  listTable(report, 'memory://', concurrency, await listWorkload(memory, memSizes, { list: QUICK ? 10 : 50, query: 3 }));
  const memN = QUICK ? 200 : 2_000;
  await writeWorkload(memory, 300); // JIT warm-up of the write path, not reported
  writeTable(report, 'memory://', concurrency, memN, await writeWorkload(memory, memN));
  await memory.disconnect();

  // s3rver: a real S3 API over loopback HTTP, one process writing to disk.
  const server = await startS3rver();
  try {
    const cs = await s3rverConnectionStringFor(server.endpoint, 'partitions');
    const db = new S3db({ connectionString: cs, executorPool: { concurrency }, logLevel: 'error' });
    await db.connect();
    if (!Number.isInteger(S3RVER_LARGE) || S3RVER_LARGE <= 1_000) throw new Error('PARTITIONS_BENCH_S3RVER_LARGE must be an integer above 1000');
    const s3Sizes = QUICK ? [1_000, 2_000] : [1_000, S3RVER_LARGE];
    listTable(report, 's3rver', concurrency, await listWorkload(db, s3Sizes, { list: QUICK ? 5 : 15, query: 1 }));
    const s3N = QUICK ? 50 : 100;
    writeTable(report, 's3rver', concurrency, s3N, await writeWorkload(db, s3N));
    await db.disconnect();
  } finally {
    await server.stop();
  }
}
