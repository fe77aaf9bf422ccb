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
      'Caching: reads of a hot set',
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
    expect(run.stdout).toContain('partitions are not implemented');
  });

  it('shows progress as plain lines on stderr when not on a terminal', () => {
    expect(run.stderr).toMatch(/\[s3lite\] documents: concurrency sweep and cache: started/);
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
    expect(figures.checklist.map((c: any) => c.title)).toEqual(['Concurrency', 'HTTP', 'Partitions', 'Async', 'Behaviors', 'Keep-Alive', 'WAL', 'Indexes', 'Bulk']);
    expect(figures.checklist.find((c: any) => c.title === 'HTTP').status).toBe('n/a');
    expect(figures.checklist.find((c: any) => c.title === 'WAL').status).toBe('pass');
  });

  it('writes a self-contained HTML report (no scripts, nothing fetched from the network)', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(6);
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
      expect((dom.match(/<svg [^>]*class="chart"/g) ?? []).length).toBeGreaterThanOrEqual(6);
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
