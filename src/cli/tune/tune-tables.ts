/**
 * The seeds' tables, filled with what `tune` measured. The same tables are
 * printed, written to JSON and shown in the HTML report.
 */
import type { Table } from '../text-table.js';
import type { DocsFigures, EventsFigures, TuneSettings } from './tune-types.js';

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : '-');

export function docsTables(settings: TuneSettings, docs: DocsFigures): Table[] {
  const { api, batch } = docs.recommendation;
  const backend = `${settings.docsBackend}:// (${settings.docs})`;
  const tables: Table[] = [
    {
      title: 'Executor pool: recommended settings (seed) and measured on this machine',
      columns: ['Environment', 'Workload', 'Seed `concurrency`', 'Measured `concurrency`', 'Measured `maxSockets`', 'Why'],
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
      columns: ['concurrency', 'maxSockets', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'in-pool p50 ms', 'in-pool p95 ms'],
      rows: [
        ...docs.sweep.map((p) => [p.concurrency, p.maxSockets ?? 'n/a', p.requests, p.throughput, p.p50, p.p95, p.serviceP50, p.serviceP95]),
        ...(docs.unmatched
          ? [[`${docs.unmatched.concurrency} (unmatched)`, docs.unmatched.maxSockets, docs.unmatched.requests, docs.unmatched.throughput, docs.unmatched.p50, docs.unmatched.p95, docs.unmatched.serviceP50, docs.unmatched.serviceP95]]
          : []),
      ],
      notes: [
        'p50/p95: from the call to its result, including the wait for a pool slot. in-pool: one attempt inside the pool (the backend\'s own latency under that load).',
        ...docs.notes,
      ],
    },
  ];
  if (docs.cache) {
    tables.push({
      title: 'Caching: reads of a hot set of 50 documents, cache off versus on',
      columns: ['cache', 'reads', 'reads/s', 'vs off', 'hit rate'],
      rows: [
        ['off: resource.get()', docs.cache.reads, docs.cache.offPerSec, '1.0x', null],
        [`on: ${docs.cache.kind}`, docs.cache.reads, docs.cache.onPerSec, ratio(docs.cache.onPerSec, docs.cache.offPerSec), `${(docs.cache.hitRate * 100).toFixed(1)}%`],
      ],
      notes: docs.sockets
        ? ['A cached read skips the round trip to the backend.']
        : [`On ${settings.docsBackend}:// a get is already an in-process read, so a cache (which hands out copies) saves little or costs more; it pays off where a get is a network round trip.`],
    });
  }
  return tables;
}

export function eventsTables(events: EventsFigures): Table[] {
  const oneByOne = events.writeModes[0]?.perSec ?? 0;
  const rollback = events.journal[1]?.perSec ?? 0;
  const s = events.settings;
  const how = `store() one by one for ${s.oneByOneMs} ms on a fresh file, median of ${s.rounds} interleaved rounds, durability ${s.durability}, ${s.eventSize}.`;
  return [
    {
      title: 'Configurable performance profiles (seed) and measured write speed',
      columns: ['Profile', 'Seed Write Speed', 'Measured events/sec', 'Use Case', 'Indexes'],
      rows: events.profiles.map((p) => [
        { 'high-volume': 'High-Volume', balanced: 'Balanced', 'query-optimized': 'Query-Optimized' }[p.profile] ?? p.profile,
        p.seed,
        p.perSec,
        { 'high-volume': 'Real-time ingestion', balanced: 'Mixed workloads', 'query-optimized': 'Analytics/reporting' }[p.profile] ?? '',
        p.indexes,
      ]),
      notes: [how],
    },
    {
      title: 'Write performance: WAL versus rollback journal',
      columns: ['journal', 'events/sec', 'vs rollback journal', 'seed claim'],
      rows: events.journal.map((j, i) => [j.mode, j.perSec, ratio(j.perSec, rollback), i === 0 ? '4x (245 -> 902 events/sec)' : 'baseline (245 events/sec)']),
      notes: [`High-Volume indexes (the WAL row is the High-Volume run); ${how}`],
    },
    {
      title: 'Write performance: one by one, group-committed, bulk',
      columns: ['how', 'events/sec', 'vs one by one', 'seed claim'],
      rows: events.writeModes.map((m, i) => [m.mode, m.perSec, ratio(m.perSec, oneByOne), i === 2 ? '40x (245 -> 9,560 events/sec)' : i === 0 ? 'baseline' : '-']),
      notes: ['High-Volume profile (WAL, 2 core indexes; the store() row is the High-Volume run). The seed\'s 40x came from a run whose model writes all failed (see REFERENCE-NOTES); these are complete writes.'],
    },
    {
      title: 'Database indexing: write cost of each index',
      columns: ['index', 'bulk events/sec', 'cost vs no index'],
      rows: events.indexCosts.map((r) => [r.index, r.perSec, r.index === '(none)' ? 'baseline' : `${r.costPct.toFixed(1)}%`]),
      notes: [`storeBulk of ${s.bulkEvents.toLocaleString('en-US')} events in batches of 1000 into a fresh file with that one index only, median of ${s.rounds} rounds (bulk makes index upkeep, not fsync, the cost). Seed: "10% overhead for additional indexes (245 -> 221 events/sec)".`],
    },
  ];
}
