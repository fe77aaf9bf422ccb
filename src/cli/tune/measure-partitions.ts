/**
 * The seed's "Partitions: O(1) Queries" measured: reading the `pending`
 * orders by a partition lookup versus a scan, with the requests each costs,
 * and insert latency with `asyncPartitions` true versus false.
 */
import type { Document, Resource, S3db } from '../../index.js';
import type { PartitionFigures } from './tune-types.js';

/** One order in ten is pending: the lookup reads a tenth of what the scan reads. */
export const ORDER_STATUSES = ['pending', 'paid', 'paid', 'shipped', 'shipped', 'shipped', 'closed', 'closed', 'closed', 'closed'];
const ATTRIBUTES = { customer: 'string', status: 'string', total: 'number' };
/** The seed's two partitions. */
export const ORDER_PARTITIONS = { byStatus: { fields: { status: 'string' } }, byDate: { fields: { createdAt: 'date' } } };

export interface PartitionSizes {
  /** Documents in each resource. */
  documents: number;
  /** Inserts measured per asyncPartitions setting. */
  inserts: number;
  rounds: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
};

function order(i: number, prefix: string): Record<string, unknown> {
  return {
    id: `${prefix}${String(i).padStart(6, '0')}`,
    customer: `customer-${i % 97}`,
    status: ORDER_STATUSES[i % ORDER_STATUSES.length] as string,
    total: (i % 50) * 1.5,
    createdAt: new Date(Date.UTC(2024, 0, 1 + (i % 28), 12)).toISOString(),
  };
}

/** Pool tasks (store requests) a call costs, and its time. */
async function costOf(db: S3db, fn: () => Promise<Document[]>): Promise<{ docs: Document[]; ms: number; requests: number }> {
  const before = db.executorPool.stats();
  const start = performance.now();
  const docs = await fn();
  const ms = performance.now() - start;
  const after = db.executorPool.stats();
  return { docs, ms, requests: after.completed + after.failed - before.completed - before.failed };
}

async function insertLatencies(resource: Resource, from: number, count: number): Promise<{ latencies: number[]; ms: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = from; i < from + count; i++) {
    const t = performance.now();
    await resource.insert(order(i, 'w'));
    latencies.push(performance.now() - t);
  }
  return { latencies, ms: performance.now() - start };
}

/** Runs on an open database; leaves the partitioned resource `tune_part` for the cache measurement. */
export async function measurePartitions(db: S3db, sizes: PartitionSizes, step: () => void): Promise<{ figures: PartitionFigures; partitioned: Resource }> {
  const partitioned = await db.createResource({ name: 'tune_part', attributes: ATTRIBUTES, timestamps: true, partitions: ORDER_PARTITIONS, asyncPartitions: true });
  const flat = await db.createResource({ name: 'tune_flat', attributes: ATTRIBUTES, timestamps: true });
  for (let start = 0; start < sizes.documents; start += 500) {
    const batch = Array.from({ length: Math.min(500, sizes.documents - start) }, (_, i) => order(start + i, 'o'));
    await Promise.all([partitioned.insertMany(batch), flat.insertMany(batch)]);
  }
  // Background reference writes are done before anything is timed or counted.
  await partitioned.flushPartitions();
  step();

  const reads = [
    { how: 'scan (no partitions)', call: "query({ status: 'pending' }) on a resource without partitions", run: () => flat.query({ status: 'pending' }) },
    { how: 'partition lookup', call: "list({ partition: 'byStatus', partitionValues: { status: 'pending' } })", run: () => partitioned.list({ partition: 'byStatus', partitionValues: { status: 'pending' } }) },
    { how: 'query() with byStatus defined', call: "query({ status: 'pending' }) (s3lite uses the complete byStatus partition by itself)", run: () => partitioned.query({ status: 'pending' }) },
  ];
  // Warm-up, not recorded: JIT, and query()'s one-time check that byStatus is complete.
  const firsts = await Promise.all(reads.map(async (r) => (await r.run()).map((d) => d.id).sort().join(',')));
  const samples = reads.map(() => [] as { ms: number; requests: number; found: number }[]);
  for (let round = 0; round < sizes.rounds; round++) {
    // A different one goes first each round, so garbage left by the scan is not always collected during the same read.
    for (let k = 0; k < reads.length; k++) {
      const i = (k + round) % reads.length;
      const { docs, ms, requests } = await costOf(db, (reads[i] as (typeof reads)[number]).run);
      samples[i]?.push({ ms, requests, found: docs.length });
    }
    step();
  }

  // Inserts one at a time, alternating settings each round so a busy neighbour slows both alike.
  const writers = [
    await db.createResource({ name: 'tune_part_sync', attributes: ATTRIBUTES, timestamps: true, partitions: ORDER_PARTITIONS, asyncPartitions: false }),
    await db.createResource({ name: 'tune_part_async', attributes: ATTRIBUTES, timestamps: true, partitions: ORDER_PARTITIONS, asyncPartitions: true }),
  ];
  const perRound = Math.max(1, Math.ceil(sizes.inserts / sizes.rounds));
  const writes = writers.map(() => ({ latencies: [] as number[], ms: 0 }));
  for (let round = 0; round < sizes.rounds; round++) {
    for (const [i, resource] of writers.entries()) {
      const run = await insertLatencies(resource, round * perRound, perRound);
      const into = writes[i] as { latencies: number[]; ms: number };
      into.latencies.push(...run.latencies);
      into.ms += run.ms;
      // The queued references are written before the other setting is measured.
      await resource.flushPartitions();
    }
    step();
  }

  const figures: PartitionFigures = {
    documents: sizes.documents,
    matching: Math.ceil(sizes.documents / ORDER_STATUSES.length),
    rounds: sizes.rounds,
    reads: reads.map((read, i) => {
      const s = samples[i] ?? [];
      return { how: read.how, call: read.call, ms: median(s.map((x) => x.ms)), requests: median(s.map((x) => x.requests)), found: s[s.length - 1]?.found ?? 0 };
    }),
    sameDocuments: firsts.every((ids) => ids === firsts[0]),
    writes: writers.map((resource, i) => {
      const w = writes[i] as { latencies: number[]; ms: number };
      return { asyncPartitions: resource.definition.asyncPartitions, inserts: w.latencies.length, perSec: (w.latencies.length * 1000) / w.ms, p50: percentile(w.latencies, 50), p95: percentile(w.latencies, 95) };
    }),
  };
  return { figures, partitioned };
}
