import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCliAsync, type CliResult } from './run-cli.js';

// One real `tune --quick` run (what npm start does) shared by every test of this file.
let dir: string;
let run: CliResult;
let figures: any;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 's3lite-cli-tune-'));
  run = await runCliAsync(['tune', '--quick', '--report', join(dir, 'report.html'), '--out', join(dir, 'figures.json')], { cwd: dir });
  figures = JSON.parse(readFileSync(join(dir, 'figures.json'), 'utf8'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('s3lite tune --quick', () => {
  it('exits 0 and prints the seeds\' tables filled with measured figures and the checklist', () => {
    expect(run.status, run.stderr).toBe(0);
    for (const title of [
      'Executor pool: recommended settings',
      'Executor pool: concurrency sweep',
      'Partitions: partition lookup versus scan',
      'Async partitions: insert latency with asyncPartitions true versus false',
      'Caching: repeated reads, cache off versus on',
      'Configurable performance profiles',
      'WAL versus rollback journal',
      'one by one, group-committed, bulk',
      'write cost of each index',
      'Production checklist',
    ]) {
      expect(run.stdout).toContain(title);
    }
    expect(run.stdout).toMatch(/\| High-Volume\s+\| ~900 events\/sec/);
    expect(run.stdout).toMatch(/^\d\. \[[x \-i]\] \*\*Concurrency\*\*/m);
    expect(run.stdout).toMatch(/\| partition lookup\s+\| list\(\{ partition: 'byStatus', partitionValues: \{ status: 'pending' \} \}\)/);
    expect(run.stdout).toMatch(/\| CachePlugin\(\{ driver: 'memory', ttl: 60000, max: 1000 \}\) \| get\(\)/);
    expect(run.stdout).toMatch(/^\d\. \[i\] \*\*Partitions\*\*: .*measured: the partition lookup read 200 of 2000 documents/m);
    expect(run.stdout).not.toContain('Not measured');
  });

  it('opens with what to set: configuration to paste, from these measurements, and why', () => {
    const first = run.stdout.indexOf('## What to set');
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(run.stdout.indexOf('## Documents'));
    const { api, batch } = figures.docs.recommendation;
    expect(run.stdout).toContain(`executorPool: { concurrency: ${api.concurrency} }, // batch jobs (imports, rebuilds): ${batch.concurrency}`);
    expect(run.stdout).toContain("connectionString: \"memory://s3lite-tune/tune\"");
    expect(run.stdout).toMatch(/const queue = initQueue\(\{\n {2}dbName: "data\/events.sqlite",\n {2}profile: '(balanced|high-volume)',/);
    expect(run.stdout).toMatch(/^- concurrency \d+: .* req\/s over the repeats\.$/m);
    expect(figures.advice.why.length).toBeGreaterThanOrEqual(4);
    // memory:// says nothing about a network: the report says so instead of implying it does.
    expect(run.stdout).toMatch(/^Warning: Documents were measured on memory:\/\/, with no network/m);
    // No word a user cannot follow, no file that is not shipped.
    expect(run.stdout).not.toMatch(/seed|REFERENCE-NOTES/i);
    expect(readFileSync(join(dir, 'report.html'), 'utf8').replace(/<pre id="figures">[\s\S]*?<\/pre>/, '')).not.toMatch(/seed|REFERENCE-NOTES/i);
  });

  it('shows the spread of each figure over its repeats', () => {
    for (const point of figures.docs.sweep) {
      expect(point.throughputSpread.median).toBe(point.throughput);
      expect(point.throughputSpread.min).toBeLessThanOrEqual(point.throughputSpread.median);
      expect(point.throughputSpread.max).toBeGreaterThanOrEqual(point.throughputSpread.median);
    }
    for (const row of [...figures.events.profiles, ...figures.events.journal, ...figures.events.writeModes, ...figures.events.indexCosts]) {
      expect(row.spread.median).toBe(row.perSec);
      expect(row.spread.min).toBeLessThanOrEqual(row.spread.max);
    }
    expect(run.stdout).toMatch(/\| req\/s min-max \|/);
    expect(run.stdout).toMatch(/\| Profile\s+\| Guide Write Speed\s+\| Measured events\/sec \| min-max/);
  });

  it('does not pass a concurrency nobody configured', () => {
    expect(figures.settings.concurrencyConfigured).toBe(false);
    expect(figures.checklist.find((c: any) => c.title === 'Concurrency')).toMatchObject({ status: 'info', detail: expect.stringMatching(/^not configured/) });
    expect(run.stdout).toMatch(/^1\. \[i\] \*\*Concurrency\*\*/m);
  });

  it('refuses --events naming a file that does not exist, before measuring anything', () => {
    const missing = runCli(['tune', '--quick', '--events', join(dir, 'nope.sqlite'), '--no-report', '--no-out']);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/--events .*nope\.sqlite: no such file/);
    expect(missing.stdout).toBe('');
    expect(existsSync(join(dir, 'nope.sqlite'))).toBe(false);
    const directory = runCli(['tune', '--quick', '--events', dir, '--no-report', '--no-out']);
    expect(directory.status).toBe(2);
    expect(directory.stderr).toMatch(/is a directory, not a SQLite file/);
  });

  it('shows progress as plain lines on stderr when not on a terminal', () => {
    expect(run.stderr).toMatch(/\[s3lite\] documents: sweep, partitions, cache: started/);
    expect(run.stderr).toMatch(/\[s3lite\] events: profiles, journal, bulk, indexes: done in [\d.]+ s/);
  });

  it('writes the figures as JSON: every concurrency level, the three profiles, every index', () => {
    expect(figures.settings.quick).toBe(true);
    expect(figures.docs.sweep.map((p: any) => p.concurrency)).toEqual([10, 50, 100, 200, 500]);
    for (const point of figures.docs.sweep) {
      expect(point.throughput).toBeGreaterThan(0);
      expect(point.p95).toBeGreaterThanOrEqual(point.p50);
    }
    // memory:// has no sockets: the unmatched run is not made, and the output says why.
    expect(figures.docs.unmatched).toBeNull();
    expect(figures.docs.notes.join(' ')).toMatch(/no sockets/);
    expect(figures.events.profiles.map((p: any) => p.profile)).toEqual(['high-volume', 'balanced', 'query-optimized']);
    expect(figures.events.profiles.map((p: any) => p.indexes)).toEqual([2, 4, 7]);
    expect(figures.events.indexCosts.map((r: any) => r.index)).toEqual(['(none)', 'correlation_id', 'causation_id', 'cmd', 'user', 'datetime', 'version', 'correlation_cmd', 'user_datetime']);
    for (const row of [...figures.events.profiles, ...figures.events.journal, ...figures.events.writeModes, ...figures.events.indexCosts]) {
      expect(row.perSec).toBeGreaterThan(0);
    }
    // Partition lookup versus scan: counted requests, not timings, carry the claim.
    const partitions = figures.docs.partitions;
    expect(partitions.sameDocuments).toBe(true);
    expect(partitions.reads.map((r: any) => r.how)).toEqual(['scan (no partitions)', 'partition lookup', 'query() with byStatus defined']);
    const [scan, lookup, auto] = partitions.reads;
    expect(partitions.reads.map((r: any) => r.found)).toEqual([200, 200, 200]);
    expect(scan.requests).toBeGreaterThan(2000);
    expect(lookup.requests).toBeLessThan(250);
    expect(auto.requests).toBeLessThan(250);
    expect(partitions.writes.map((w: any) => w.asyncPartitions)).toEqual([false, true]);
    for (const w of partitions.writes) expect(w.p95).toBeGreaterThanOrEqual(w.p50);
    // The cache rows come from the real CachePlugin (its own hit counters); the Memoizer row is labelled as such.
    const plugin = figures.docs.cache.rows.filter((r: any) => r.cache.startsWith('CachePlugin'));
    expect(plugin.map((r: any) => r.read)).toEqual(['get() of a hot set of 50', "list({ partition: 'byStatus', … 'pending' })"]);
    for (const r of plugin) expect(r.hitRate).toBeGreaterThan(0.9);
    expect(figures.docs.cache.rows.some((r: any) => /^Memoizer/.test(r.cache))).toBe(true);
    expect(figures.notMeasured).toEqual([]);
    expect(figures.checklist.find((c: any) => c.title === 'Async')).toMatchObject({ status: 'info', detail: expect.stringMatching(/measured: insert p50 [\d.]+ ms with asyncPartitions true/) });
    expect(figures.checklist.map((c: any) => c.title)).toEqual(['Concurrency', 'HTTP', 'Partitions', 'Async', 'Behaviors', 'Keep-Alive', 'WAL', 'Indexes', 'Bulk']);
    expect(figures.checklist.find((c: any) => c.title === 'HTTP').status).toBe('n/a');
    expect(figures.checklist.find((c: any) => c.title === 'WAL').status).toBe('pass');
  });

  it('writes a self-contained HTML report (no scripts, nothing fetched from the network)', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.indexOf('<h2 id="what-to-set">What to set</h2>')).toBeGreaterThan(0);
    expect(html.indexOf('What to set')).toBeLessThan(html.indexOf('<h2>Documents</h2>'));
    expect(html).toContain('const db = new S3db({');
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(11);
    expect(html).toContain('<title>Partitions: partition lookup versus scan, requests</title>');
    expect(html).toContain('<title>Caching: partition list, cache off versus on</title>');
  });

  it('rejects bad options with exit code 2 and no stack trace', () => {
    const bad = runCli(['tune', '--concurrency', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--concurrency/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const badTarget = runCli(['tune', '--quick', '--docs', 'ftp://nowhere']);
    expect(badTarget.status).toBe(2);
    expect(badTarget.stderr).toMatch(/CONNECTION_STRING/);
  });
});

// Debian's `chromium` package; .ci/run installs it, so under CI=true this test must run.
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!CHROMIUM && process.env.CI !== 'true') console.warn('skipping the headless Chromium report check: no chromium at /usr/bin/chromium (apt-get install chromium)');

describe.skipIf(!CHROMIUM && process.env.CI !== 'true')('the HTML report in headless Chromium', () => {
  it('renders with its SVG charts and logs no console message or error', () => {
    expect(CHROMIUM, 'CI=true requires chromium at /usr/bin/chromium').toBeDefined();
    const profile = mkdtempSync(join(tmpdir(), 's3lite-chromium-'));
    try {
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0'];
      const result = spawnSync(CHROMIUM as string, [...flags, '--dump-dom', `file://${join(dir, 'report.html')}`], { encoding: 'utf8', timeout: 60_000 });
      expect(result.status, result.stderr).toBe(0);
      const dom = result.stdout;
      // The DOM as Chromium built it: the charts are real SVG elements with bars.
      expect(dom).toContain('<h1>s3lite tune report</h1>');
      expect(dom).toMatch(/<h2 id="what-to-set">What to set<\/h2>\s*<pre class="config">const db = new S3db\(\{/);
      expect((dom.match(/<svg [^>]*class="chart"/g) ?? []).length).toBeGreaterThanOrEqual(11);
      expect(dom).toContain('Partitions: partition lookup versus scan');
      expect((dom.match(/<rect class="bar"/g) ?? []).length).toBeGreaterThanOrEqual(20);
      expect(dom).toContain('Production checklist');
      expect(result.stderr).not.toMatch(/CONSOLE|Uncaught|ERR_/);
      const shot = join(profile, 'shot.png');
      const screenshot = spawnSync(CHROMIUM as string, [...flags, `--screenshot=${shot}`, '--window-size=1100,1600', `file://${join(dir, 'report.html')}`], { encoding: 'utf8', timeout: 60_000 });
      expect(screenshot.status, screenshot.stderr).toBe(0);
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
