/**
 * The performance guides' tables, filled with what `tune` measured. The same tables are
 * printed, written to JSON and shown in the HTML report.
 */
import type { Table } from '../text-table.js';
import type { DocsFigures, EventsFigures, PartitionFigures, Spread, TuneSettings } from './tune-types.js';

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : '-');
const range = (s: Spread) => `${Math.round(s.min).toLocaleString('en-US')}-${Math.round(s.max).toLocaleString('en-US')}`;

export function docsTables(settings: TuneSettings, docs: DocsFigures): Table[] {
  const { api, batch } = docs.recommendation;
  const backend = `${settings.docsBackend}:// (${settings.docs})`;
  const tables: Table[] = [
    {
      title: 'Executor pool: recommended settings (s3db.js guide) and measured on this machine',
      columns: ['Environment', 'Workload', 'Guide `concurrency`', 'Measured `concurrency`', 'Measured `maxSockets`', 'Why'],
      rows: [
        ['Local / CI', 'Functional Tests', '10 - 20', null, null, 'not measured: depends on the test runner, not the backend'],
        ['Production', 'API (Latency Sensitive)', '50 - 100', api.concurrency, docs.sockets ? api.maxSockets : 'n/a (no sockets)', api.why],
        ['Production', 'Batch Processing', '200 - 500', batch.concurrency, docs.sockets ? batch.maxSockets : 'n/a (no sockets)', batch.why],
        ['Lambda', 'Serverless', '20 - 50', null, null, 'not measured: depends on the function memory size'],
      ],
      notes: [`Backend: ${backend}.`],
    },
    {
      title: 'Executor pool: concurrency sweep (a burst of inserts, then as many gets)',
      columns: ['concurrency', 'maxSockets', 'requests', 'req/s', 'req/s min-max', 'p50 ms', 'p95 ms', 'in-pool p50 ms', 'in-pool p95 ms'],
      rows: [
        ...docs.sweep.map((p) => [p.concurrency, p.maxSockets ?? 'n/a', p.requests, p.throughput, range(p.throughputSpread), p.p50, p.p95, p.serviceP50, p.serviceP95]),
        ...(docs.unmatched
          ? [[`${docs.unmatched.concurrency} (unmatched)`, docs.unmatched.maxSockets, docs.unmatched.requests, docs.unmatched.throughput, range(docs.unmatched.throughputSpread), docs.unmatched.p50, docs.unmatched.p95, docs.unmatched.serviceP50, docs.unmatched.serviceP95]]
          : []),
      ],
      notes: [
        `req/s: median of ${docs.sweep[0]?.rounds ?? 0} rounds; min-max: the slowest and fastest round.`,
        'p50/p95: from the call to its result, including the wait for a pool slot. in-pool: one attempt inside the pool (the backend\'s own latency under that load).',
        ...docs.notes,
      ],
    },
  ];
  if (docs.partitions) tables.push(...partitionTables(docs.partitions, settings.docsBackend));
  if (docs.cache) {
    const off = new Map(docs.cache.rows.filter((r) => r.cache === 'off').map((r) => [r.read, r.perSec]));
    tables.push({
      title: 'Caching: repeated reads, cache off versus on',
      columns: ['cache', 'read', 'reads', 'reads/s', 'vs off', 'hit rate'],
      rows: docs.cache.rows.map((r) => [r.cache, r.read, r.reads, r.perSec, r.cache === 'off' ? '1.0x' : ratio(r.perSec, off.get(r.read) ?? 0), r.hitRate === null ? null : `${(r.hitRate * 100).toFixed(1)}%`]),
      notes: [
        `The CachePlugin caches every read (get, list, count, query, page…) and every write invalidates what it touched; the Memoizer wraps one function. The partition lookup returns ${docs.cache.listed} documents.`,
        settings.docsBackend === 'memory'
          ? 'On memory:// a get is an in-process read, so caching one document saves little (a cache hands out copies); caching a list that costs one read per document saves those reads.'
          : `A cached read skips the ${docs.sockets ? 'round trip to the backend' : 'file read'}.`,
      ],
    });
  }
  return tables;
}

function partitionTables(p: PartitionFigures, backend: string): Table[] {
  const scan = p.reads[0];
  const guideSays: Record<string, string> = { 'scan (no partitions)': 'Slow Scan (O(n))', 'partition lookup': 'Fast Lookup (O(1))' };
  const asyncRow = (value: boolean) => p.writes.find((w) => w.asyncPartitions === value);
  return [
    {
      title: 'Partitions: partition lookup versus scan (the pending orders)',
      columns: ['how', 'call', 'found', 'requests', 'ms', 'vs scan', 's3db.js guide'],
      rows: p.reads.map((r) => [r.how, r.call, r.found, r.requests, r.ms, scan ? ratio(scan.ms, r.ms) : '-', guideSays[r.how] ?? '-']),
      notes: [
        `${p.documents.toLocaleString('en-US')} orders in each resource, ${p.matching.toLocaleString('en-US')} pending; median of ${p.rounds} rounds. requests: store calls (LIST pages and document reads). Same documents from all three: ${p.sameDocuments ? 'yes' : 'NO'}.`,
        'A lookup costs one LIST per 1,000 references plus one read per document of the partition: it grows with the partition, not with the resource (what the s3db.js guide calls "O(1)").',
      ],
    },
    {
      title: 'Async partitions: insert latency with asyncPartitions true versus false',
      columns: ['asyncPartitions', 'inserts', 'inserts/s', 'p50 ms', 'p95 ms', 's3db.js guide latency'],
      rows: [true, false].flatMap((value) => {
        const w = asyncRow(value);
        return w ? [[String(value), w.inserts, w.perSec, w.p50, w.p95, value ? '~20-50ms' : '~100-200ms']] : [];
      }),
      notes: [
        'insert() one at a time into a resource with two partitions (byStatus, byDate). With true, the two reference writes are queued (retried, never dropped) and written after insert() resolves; with false, insert() waits for them.',
        ...(backend === 'memory' ? ['On memory:// a reference write is an in-process call, so waiting for it costs little; on S3 each one is a round trip.'] : []),
      ],
    },
  ];
}

export function eventsTables(events: EventsFigures): Table[] {
  const oneByOne = events.writeModes[0]?.perSec ?? 0;
  const rollback = events.journal[1]?.perSec ?? 0;
  const s = events.settings;
  const how = `store() one by one for ${s.oneByOneMs} ms on a fresh file, median of ${s.rounds} interleaved rounds, durability ${s.durability}, ${s.eventSize}.`;
  return [
    {
      title: 'Configurable performance profiles (eventlite guide) and measured write speed',
      columns: ['Profile', 'Guide Write Speed', 'Measured events/sec', 'min-max', 'Use Case', 'Indexes'],
      rows: events.profiles.map((p) => [
        { 'high-volume': 'High-Volume', balanced: 'Balanced', 'query-optimized': 'Query-Optimized' }[p.profile] ?? p.profile,
        p.guide,
        p.perSec,
        range(p.spread),
        { 'high-volume': 'Real-time ingestion', balanced: 'Mixed workloads', 'query-optimized': 'Analytics/reporting' }[p.profile] ?? '',
        p.indexes,
      ]),
      notes: [how],
    },
    {
      title: 'Write performance: WAL versus rollback journal',
      columns: ['journal', 'events/sec', 'min-max', 'vs rollback journal', 'guide claim'],
      rows: events.journal.map((j, i) => [j.mode, j.perSec, range(j.spread), ratio(j.perSec, rollback), i === 0 ? '4x (245 -> 902 events/sec)' : 'baseline (245 events/sec)']),
      notes: [`High-Volume indexes (the WAL row is the High-Volume run); ${how}`],
    },
    {
      title: 'Write performance: one by one, group-committed, bulk',
      columns: ['how', 'events/sec', 'min-max', 'vs one by one', 'guide claim'],
      rows: events.writeModes.map((m, i) => [m.mode, m.perSec, range(m.spread), ratio(m.perSec, oneByOne), i === 2 ? '40x (245 -> 9,560 events/sec)' : i === 0 ? 'baseline' : '-']),
      notes: ['High-Volume profile (WAL, 2 core indexes; the store() row is the High-Volume run). The guide\'s 40x came from a run in which every model write failed; these are complete writes.'],
    },
    {
      title: 'Database indexing: write cost of each index',
      columns: ['index', 'bulk events/sec', 'min-max', 'cost vs no index'],
      rows: events.indexCosts.map((r) => [r.index, r.perSec, range(r.spread), r.index === '(none)' ? 'baseline' : `${r.costPct.toFixed(1)}%`]),
      notes: [`storeBulk of ${s.bulkEvents.toLocaleString('en-US')} events in batches of 1000 into a fresh file with that one index only, median of ${s.rounds} rounds (bulk makes index upkeep, not fsync, the cost). Guide: "10% overhead for additional indexes (245 -> 221 events/sec)".`],
    },
  ];
}
