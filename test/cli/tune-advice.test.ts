import { describe, expect, it } from 'vitest';
import { whatToSet } from '../../src/cli/tune/advice.js';
import { evaluateChecklist } from '../../src/cli/tune/checklist.js';
import { recommend } from '../../src/cli/tune/measure-docs.js';
import { spreadOf } from '../../src/cli/tune/spread.js';
import type { DocsFigures, EventsFigures, SweepPoint, TuneSettings } from '../../src/cli/tune/tune-types.js';

// The advice and checklist are pure functions of the figures: these tests feed them figures of a calm
// and of a noisy machine (repeats as a run records them) and check what a user would be told.

function settings(over: Partial<TuneSettings> = {}): TuneSettings {
  return { quick: true, docs: 'http://127.0.0.1:9000/bucket/app', docsBackend: 's3', events: '/data/events.sqlite', eventsTemporary: false, concurrency: 100, concurrencyConfigured: true, maxSockets: null, keepAlive: true, ...over };
}

function point(concurrency: number, rounds: number[], serviceP95: number): SweepPoint {
  const spread = spreadOf(rounds);
  return { concurrency, maxSockets: concurrency, requests: 400, rounds: rounds.length, throughput: spread.median, throughputSpread: spread, p50: 5, p95: 20, serviceP50: 4, serviceP95 };
}

function docs(sweep: SweepPoint[]): DocsFigures {
  return { sockets: true, sweep, unmatched: null, notes: [], recommendation: recommend(sweep), partitions: null, cache: null, resources: [] };
}

function events(storeRounds: number[], balancedRounds: number[]): EventsFigures {
  const row = (rounds: number[]) => ({ perSec: spreadOf(rounds).median, spread: spreadOf(rounds) });
  return {
    settings: { durability: 'full', eventSize: '~150 B', oneByOneMs: 1000, bulkEvents: 10_000, rounds: 3 },
    profiles: [
      { profile: 'high-volume', indexes: 2, guide: '~900', ...row(storeRounds) },
      { profile: 'balanced', indexes: 4, guide: '~400', ...row(balancedRounds) },
      { profile: 'query-optimized', indexes: 7, guide: '~220', ...row(balancedRounds.map((v) => v * 0.8)) },
    ],
    journal: [
      { mode: 'WAL (journal_mode=WAL)', ...row(storeRounds) },
      { mode: 'rollback journal (journal_mode=DELETE)', ...row(storeRounds.map((v) => v / 3)) },
    ],
    writeModes: [
      { mode: 'one by one: store()', ...row(storeRounds) },
      { mode: 'group-committed: storeAsync() x100 in flight', ...row([40_000, 41_000, 42_000]) },
      { mode: 'bulk: storeBulk() batches of 1000', ...row([90_000, 91_000, 92_000]) },
    ],
    indexCosts: [{ index: '(none)', costPct: 0, ...row([100_000, 100_000, 100_000]) }],
    current: { journalMode: 'wal', synchronous: 'full', presentIndexes: ['correlation_id', 'causation_id'], events: 10 },
  };
}

const calmSweep = [point(10, [900, 950, 1000], 8), point(50, [3900, 4000, 4100], 10), point(100, [4000, 4100, 4200], 20), point(200, [4050, 4100, 4150], 40), point(500, [4000, 4050, 4100], 90)];

describe('tune: what to set', () => {
  it('gives configuration to paste from the measurements, with a reason per setting', () => {
    const d = docs(calmSweep);
    const advice = whatToSet(settings(), d, events([2900, 3000, 3100], [2800, 2850, 2900]));
    expect(advice.s3db).toContain(`executorPool: { concurrency: ${d.recommendation.api.concurrency} }, // batch jobs (imports, rebuilds): ${d.recommendation.batch.concurrency}`);
    expect(advice.s3db).toContain(`httpClientOptions: { keepAlive: true, maxSockets: ${d.recommendation.api.concurrency} }`);
    expect(advice.initQueue).toContain('dbName: "/data/events.sqlite"');
    expect(advice.initQueue).toContain("profile: 'balanced'");
    expect(advice.why.join('\n')).toMatch(/profile 'balanced': .* cost 5% of write speed here/);
    expect(advice.warnings).toEqual([]);
  });

  it('recommends high-volume when the balanced indexes cost more than a fifth of the writes', () => {
    const advice = whatToSet(settings(), docs(calmSweep), events([3000, 3000, 3000], [2000, 2000, 2000]));
    expect(advice.initQueue).toContain("profile: 'high-volume'");
  });

  it('warns that the machine was too noisy to conclude when repeats differ by more than half', () => {
    // The figures issue 19 reports: store() at 216 and 2,549 events/s in two runs.
    const noisySweep = calmSweep.map((p, i) => (i === 1 ? point(50, [1200, 4000, 9000], 10) : p));
    const advice = whatToSet(settings(), docs(noisySweep), events([216, 1500, 2549], [2000, 2100, 2200]));
    expect(advice.warnings).toHaveLength(1);
    expect(advice.warnings[0]).toMatch(/^This machine was too busy to conclude/);
    expect(advice.warnings[0]).toContain('documents at concurrency 50: 1,200 to 9,000 req/s');
    expect(advice.warnings[0]).toContain('store() with profile high-volume: 216 to 2,549 events/s');
    expect(advice.warnings[0]).toContain('without --quick');
  });

  it('says when documents were measured without a network and events on a temporary file', () => {
    const advice = whatToSet(settings({ docsBackend: 'memory', docs: 'memory://b/p', eventsTemporary: true }), { ...docs(calmSweep), sockets: false }, events([3000, 3000, 3000], [2900, 2900, 2900]));
    expect(advice.s3db).toContain('// on s3:// or http(s)://, also: httpClientOptions');
    expect(advice.initQueue).toContain('dbName: "data/events.sqlite"');
    expect(advice.warnings.join('\n')).toMatch(/measured on memory:\/\/, with no network[\s\S]*temporary file/);
  });
});

describe('tune checklist: Concurrency', () => {
  const d = docs(calmSweep);
  const e = events([3000, 3000, 3000], [2900, 2900, 2900]);
  it('passes a concurrency the user set within 50-200, misses one outside', () => {
    expect(evaluateChecklist(settings({ concurrency: 100 }), d, e)[0]).toMatchObject({ title: 'Concurrency', status: 'pass', detail: expect.stringMatching(/^configured 100/) });
    expect(evaluateChecklist(settings({ concurrency: 20 }), d, e)[0]).toMatchObject({ status: 'miss' });
  });
  it('does not pass the default nobody configured', () => {
    expect(evaluateChecklist(settings({ concurrencyConfigured: false }), d, e)[0]).toMatchObject({ status: 'info', detail: expect.stringMatching(/^not configured .* default is 100/) });
  });
});
