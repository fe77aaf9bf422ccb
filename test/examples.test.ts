import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';

// Runs every script in examples/ as a user would (`node examples/x.mjs`, importing 's3lite' from dist/).
const run = promisify(execFile);

/** What each example must print: proof that the seed section works, not just that it exited. */
const EXPECTED: Record<string, RegExp> = {
  'docs-executor-pool.mjs': /analytics events stored: 500/,
  'docs-http-client.mjs': /maxSockets: 200[\s\S]*warning: .*maxSockets \(50\) is lower/,
  'docs-memory-client.mjs': /rejected like S3 would: true[\s\S]*after clear\(\): 0 documents/,
  'docs-cache-plugin.mjs': /after update: \{ id: 'global-settings', value: 'v2' \}\n5 gets, then a get after the update: 4 hits, 2 misses/,
  'docs-partitions.mjs':
    /query\(\{ status: 'pending' \}\): 100 orders, \d+ requests[\s\S]*list\(\{ partition: 'byStatus', partitionValues: \{ status: 'pending' \} \}\): 100 orders, \d+ requests\nscan without partitions: 100 orders, \d+ requests\nsame documents: true\nbyDate 2024-01-01: 100 orders\npartition stats: \{ pending: 0, failed: 0, retried: 0, intents: 0, recovered: 0 \}/,
  'docs-memoizer.mjs': /100 calls, 1 load/,
  'events-profiles.mjs': /query-optimized: \d+ events\/s[\s\S]*\{ cmd: true \} -> correlation_id, causation_id, cmd/,
  'events-caching.mjs': /transaction after a write: 2 event\(s\)/,
  'events-pagination.mjs': /offset 200: 50 events of 250, hasMore false/,
  'events-streaming.mjs': /5 batches, sum of amounts 12497500\norderPaid events: 2500/,
  'events-bulk.mjs': /10000 events in \d+ ms[\s\S]*model rows: 10000/,
  'events-jsonl.mjs': /round trip keeps correlation and causation: signup-1 1/,
  'events-jobs.mjs': /emails sent: \[ 'ann@example.com: Welcome!' \]/,
  'quickstart-docs.mjs': /address: \{ city: 'Lisbon', zip: '1000-001' \}[\s\S]*apiKey: 'k-123'[\s\S]*admins: \[ 'Ann' \]\ncount: 1/,
  'quickstart-events.mjs': /deposited 30 \(event 5\)\nbalance: 110\ntransaction: \[ 'openAccount', 'deposit' \]/,
};

/** Further checks on what an example printed. */
const CHECKS: Record<string, (stdout: string) => void> = {
  // Request counts, not timings: the lookup reads one partition (~100 documents), the scan all 1,000.
  'docs-partitions.mjs': (stdout) => {
    const requests = (label: string) => Number(new RegExp(`${label}.*?(\\d+) requests`).exec(stdout)?.[1]);
    const lookup = requests("list\\(\\{ partition: 'byStatus'");
    expect(lookup).toBeLessThan(150);
    expect(requests("query\\(\\{ status: 'pending' \\}\\)")).toBeLessThan(150);
    expect(requests('scan without partitions')).toBeGreaterThan(1000);
  },
};

const scripts = readdirSync('examples').filter((f) => f.endsWith('.mjs') && !f.startsWith('_'));

describe('examples/', () => {
  it('every example has an expectation here', () => {
    expect(scripts.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const script of scripts) {
    it(`${script} runs and prints what its seed section promises`, async () => {
      const { stdout } = await run(process.execPath, [`examples/${script}`], { timeout: 30_000 });
      expect(stdout).toMatch(EXPECTED[script] as RegExp);
      CHECKS[script]?.(stdout);
    }, 40_000);
  }
});
