/**
 * What `s3lite tune` measures, as written to JSON (`--json`, `--out`) and
 * drawn in the HTML report. Times are milliseconds, rates per second.
 */
import type { Table } from '../text-table.js';

export interface TuneSettings {
  quick: boolean;
  /** The documents target, credentials redacted. */
  docs: string;
  /** Store kind of the documents target: memory, file or s3. */
  docsBackend: string;
  /** The events file, or where the temporary one was. */
  events: string;
  eventsTemporary: boolean;
  /** Concurrency and HTTP options the user's configuration declares (flags and connection string). */
  concurrency: number;
  /** Whether the user set the concurrency (`--concurrency`), rather than it being s3lite's default. */
  concurrencyConfigured: boolean;
  maxSockets: number | null;
  keepAlive: boolean;
}

/** One figure over the repeats of its measurement: the report shows the median. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface SweepPoint {
  concurrency: number;
  /** Agent socket limit; null on backends without sockets. */
  maxSockets: number | null;
  /** Requests in each measured burst (half inserts, half gets). */
  requests: number;
  /** Bursts measured; the figures are their median (throughput) and pooled percentiles. */
  rounds: number;
  throughput: number;
  /** Throughput of each round: min, median, max. */
  throughputSpread: Spread;
  /** Submit-to-resolve latency of each request (includes waiting in the pool). */
  p50: number;
  p95: number;
  /** Attempt latency inside the pool (excludes the wait), from the pool's stats. */
  serviceP50: number;
  serviceP95: number;
}

export interface DocsFigures {
  sockets: boolean;
  sweep: SweepPoint[];
  /** The sweep's largest concurrency with a deliberately low maxSockets; null without sockets. */
  unmatched: SweepPoint | null;
  notes: string[];
  recommendation: {
    api: { concurrency: number; maxSockets: number; why: string };
    batch: { concurrency: number; maxSockets: number; why: string };
  };
  /** Partition lookup versus scan, and asyncPartitions true versus false. */
  partitions: PartitionFigures | null;
  /** Repeated reads with no cache, the CachePlugin and the Memoizer. */
  cache: CacheFigures | null;
  /** Resources found at the target (their configuration feeds the checklist). */
  resources: { name: string; behavior: string; partitions: number; asyncPartitions: boolean }[];
}

export interface PartitionFigures {
  /** Documents in each resource (one partitioned, one not). */
  documents: number;
  /** Documents the lookup finds (status 'pending': one in ten). */
  matching: number;
  rounds: number;
  /** Median time and requests (store calls through the pool) of each way to read the pending orders. */
  reads: { how: string; call: string; ms: number; requests: number; found: number }[];
  /** Whether the scan, the lookup and query() returned the same ids. */
  sameDocuments: boolean;
  /** Inserts one at a time into a resource with two partitions. */
  writes: { asyncPartitions: boolean; inserts: number; perSec: number; p50: number; p95: number }[];
}

export interface CacheFigures {
  hotSet: number;
  /** Documents the cached partition lookup returns. */
  listed: number;
  rows: { cache: string; read: string; reads: number; perSec: number; hitRate: number | null }[];
}

export interface EventsFigures {
  settings: { durability: string; eventSize: string; oneByOneMs: number; bulkEvents: number; rounds: number };
  /** `guide`: the write speed the eventlite performance guide quotes. */
  profiles: { profile: string; indexes: number; perSec: number; spread: Spread; guide: string }[];
  journal: { mode: string; perSec: number; spread: Spread }[];
  writeModes: { mode: string; perSec: number; spread: Spread }[];
  /** Bulk write rate with no index, then with each index alone. */
  indexCosts: { index: string; perSec: number; spread: Spread; costPct: number }[];
  /** The events file's own configuration when `--events` names one. */
  current: { journalMode: string; synchronous: string; presentIndexes: string[]; events: number } | null;
}

export type CheckStatus = 'pass' | 'miss' | 'n/a' | 'info';

export interface ChecklistItem {
  title: string;
  rule: string;
  status: CheckStatus;
  detail: string;
}

export interface TuneResult {
  version: string;
  startedAt: string;
  durationMs: number;
  machine: { node: string; platform: string; cpu: string; cores: number; memoryGiB: number };
  settings: TuneSettings;
  docs: DocsFigures;
  events: EventsFigures;
  /** What to set, first in the report: configuration blocks from the measurements, and why. */
  advice: Advice;
  checklist: ChecklistItem[];
  /** Parts of the guides that could not be measured, and why. */
  notMeasured: string[];
  tables: Table[];
}

export interface Advice {
  /** JavaScript to paste: `new S3db({ ... })` with the measured settings. */
  s3db: string;
  /** JavaScript to paste: `initQueue({ ... })` with the measured settings. */
  initQueue: string;
  /** One line per setting: the measurement behind it. */
  why: string[];
  /** Reasons not to trust the figures yet (a noisy machine, a target unlike production). */
  warnings: string[];
}
