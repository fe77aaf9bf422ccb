/**
 * The events half of `s3lite tune`: write speed of the three profiles,
 * WAL versus rollback journal, one-by-one versus group-committed versus bulk,
 * and the write cost of each index. Every run uses a fresh SQLite file in a
 * temporary directory (the user's own file is only read, for the checklist).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INDEX_NAMES, initQueue, type EventInput, type IndexName, type QueueOptions } from '../../index.js';
import type { Progress } from '../progress.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { spreadOf } from './spread.js';
import type { EventsFigures } from './tune-types.js';

export interface EventsTuneOptions {
  /** The user's events file (read only), or undefined. */
  file: string | undefined;
  /** Directory for the measurement files (removed afterwards by the caller). */
  workDir: string;
  quick: boolean;
  progress: Progress;
}

/** The write speed of each profile that eventlite's performance guide quotes. */
const GUIDE_PROFILES: Record<string, string> = {
  'high-volume': '~900 events/sec (2 core indexes)',
  balanced: '~400 events/sec (4-5 selective)',
  'query-optimized': '~220 events/sec (8 full)',
};

const NO_INDEXES = Object.fromEntries(INDEX_NAMES.map((n) => [n, false])) as Record<IndexName, boolean>;

function event(i: number): EventInput {
  return {
    cmd: i % 3 === 0 ? 'orderPlaced' : i % 3 === 1 ? 'orderPaid' : 'orderShipped',
    user: `user-${i % 50}`,
    data: { orderId: `order-${i}`, amount: (i * 37) % 1000, items: [{ sku: `sku-${i % 20}`, qty: 1 + (i % 3) }] },
    metadata: { source: 'tune' },
  };
}

export async function measureEvents(options: EventsTuneOptions): Promise<EventsFigures> {
  const { quick, progress, workDir } = options;
  const oneByOneMs = quick ? 1000 : 3000;
  const bulkEvents = quick ? 10_000 : 30_000;
  let fileNo = 0;
  const fresh = (extra: QueueOptions) => initQueue({ dbName: join(workDir, `tune-${++fileNo}.sqlite`), ...extra });

  /** Events per second of `store()` one by one for `oneByOneMs`. */
  const oneByOne = (extra: QueueOptions): number => {
    const queue = fresh(extra);
    try {
      let n = 0;
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < oneByOneMs) {
        queue.store(event(n++));
        elapsed = performance.now() - start;
      }
      return (n * 1000) / elapsed;
    } finally {
      queue.close();
    }
  };
  /** Events per second of `storeBulk` in batches of 1000 (index maintenance dominates, fsyncs are few). */
  const bulk = (extra: QueueOptions): number => {
    const queue = fresh(extra);
    try {
      const batches = Array.from({ length: bulkEvents / 1000 }, (_, b) => Array.from({ length: 1000 }, (_, i) => event(b * 1000 + i)));
      const start = performance.now();
      for (const batch of batches) queue.storeBulk(batch);
      return (bulkEvents * 1000) / (performance.now() - start);
    } finally {
      queue.close();
    }
  };
  /** Events per second of `storeAsync` with 100 calls in flight (group commit). */
  const grouped = async (extra: QueueOptions): Promise<number> => {
    const queue = fresh(extra);
    try {
      let n = 0;
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < oneByOneMs) {
        await Promise.all(Array.from({ length: 100 }, () => queue.storeAsync(event(n++))));
        elapsed = performance.now() - start;
      }
      return (n * 1000) / elapsed;
    } finally {
      queue.close();
    }
  };

  const rounds = quick ? 3 : 5;
  // Interleaved rounds, median of each: a busy neighbour slows every configuration alike.
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const oneByOneConfigs: Record<string, QueueOptions> = {
    'high-volume': { profile: 'high-volume' },
    balanced: { profile: 'balanced' },
    'query-optimized': { profile: 'query-optimized' },
    rollback: { profile: 'high-volume', WAL: false },
  };
  const indexConfigs: Record<string, QueueOptions> = {
    '(none)': { indexes: NO_INDEXES, cache: { enabled: false } },
    ...Object.fromEntries(INDEX_NAMES.map((name) => [name, { indexes: { ...NO_INDEXES, [name]: true }, cache: { enabled: false } }])),
  };
  const total = rounds * (Object.keys(oneByOneConfigs).length + 2 + Object.keys(indexConfigs).length);
  const task = progress.task('events: profiles, journal, bulk, indexes', total);
  let step = 0;
  const tick = async () => {
    task.update(++step);
    // Let the progress bar draw between synchronous runs.
    await new Promise((resolve) => setImmediate(resolve));
  };
  const samples = new Map<string, number[]>();
  const sample = (key: string, value: number) => samples.set(key, [...(samples.get(key) ?? []), value]);
  const result = (key: string) => median(samples.get(key) ?? [0]);
  const spread = (key: string) => spreadOf(samples.get(key) ?? [0]);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [key, config] of Object.entries(oneByOneConfigs)) {
        sample(key, oneByOne(config));
        await tick();
      }
      sample('grouped', await grouped({ profile: 'high-volume' }));
      await tick();
      sample('bulk', bulk({ profile: 'high-volume' }));
      await tick();
      for (const [key, config] of Object.entries(indexConfigs)) {
        sample(`index:${key}`, bulk(config));
        await tick();
      }
    }
    const profileRows: EventsFigures['profiles'] = [];
    for (const profile of ['high-volume', 'balanced', 'query-optimized'] as const) {
      const queue = fresh({ profile });
      const indexes = queue.settings().presentIndexes.length;
      queue.close();
      profileRows.push({ profile, indexes, perSec: result(profile), spread: spread(profile), guide: GUIDE_PROFILES[profile] as string });
    }
    const journal: EventsFigures['journal'] = [
      { mode: 'WAL (journal_mode=WAL)', perSec: result('high-volume'), spread: spread('high-volume') },
      { mode: 'rollback journal (journal_mode=DELETE)', perSec: result('rollback'), spread: spread('rollback') },
    ];
    const writeModes: EventsFigures['writeModes'] = [
      { mode: 'one by one: store()', perSec: result('high-volume'), spread: spread('high-volume') },
      { mode: 'group-committed: storeAsync() x100 in flight', perSec: result('grouped'), spread: spread('grouped') },
      { mode: 'bulk: storeBulk() batches of 1000', perSec: result('bulk'), spread: spread('bulk') },
    ];
    const baseline = result('index:(none)');
    const indexCosts: EventsFigures['indexCosts'] = Object.keys(indexConfigs).map((index) => {
      const perSec = result(`index:${index}`);
      return { index, perSec, spread: spread(`index:${index}`), costPct: index === '(none)' ? 0 : Math.max(0, (1 - perSec / baseline) * 100) };
    });
    return {
      settings: { durability: 'full (synchronous=FULL, the default)', eventSize: '~150 B of JSON data, no model', oneByOneMs, bulkEvents, rounds },
      profiles: profileRows,
      journal,
      writeModes,
      indexCosts,
      current: options.file === undefined ? null : readCurrent(options.file),
    };
  } finally {
    task.finish();
  }
}

/** `--events` must name an existing SQLite file: checked before anything is measured. */
export function assertEventsFile(file: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new NotFoundError(`--events ${file}: no such file. Pass the SQLite file your application's initQueue() opens, or leave --events out to measure on a temporary file.`);
  }
  if (!isFile) throw new ValidationError(`--events ${file} is a directory, not a SQLite file. Pass the file your application's initQueue() opens.`, [{ field: '--events', message: 'a directory', type: 'file' }]);
}

/** The user's file as it is: journal mode, synchronous, indexes, size. Opened read-only. */
function readCurrent(file: string): EventsFigures['current'] {
  // Never judge a file that is not there: its WAL and indexes would "pass" on defaults.
  if (!existsSync(file)) throw new NotFoundError(`--events ${file}: no such file. Pass the SQLite file your application's initQueue() opens, or leave --events out.`);
  const queue = initQueue({ dbName: file, init: { readonly: true, create: false } });
  try {
    const s = queue.settings();
    const events = Number(queue.db.prepare('SELECT count(*) FROM queue').pluck().get());
    return { journalMode: s.journalMode, synchronous: s.synchronous, presentIndexes: s.presentIndexes, events };
  } finally {
    queue.close();
  }
}

/** A temporary directory for the measurement files. */
export function makeWorkDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 's3lite-tune-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
