/**
 * `npm run bench` runs every suite; `npm run bench -- core storage` runs the named ones.
 * Each suite lives in bench/suites/<name>.ts and exports `run(report)`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SuiteReport, RESULTS_DIR, renderTable, machineInfo, type SuiteResult } from './lib/report.js';

const ORDER = ['core', 'storage', 'docs', 'partitions', 'cache', 'events', 'pg', 'work', 'ops'];
const here = dirname(fileURLToPath(import.meta.url));
const suitesDir = join(here, 'suites');

const available = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown bench suite(s): ${unknown.join(', ')}. Available: ${available.join(', ')}`);
  process.exit(2);
}

const suites = requested.length > 0 ? requested : available;
if (suites.length === 1) {
  const name = suites[0] as string;
  console.log(`\n## bench: ${name}\n`);
  const mod = (await import(pathToFileURL(join(suitesDir, `${name}.ts`)).href)) as {
    run: (report: SuiteReport) => Promise<void>;
  };
  const report = new SuiteReport(name);
  await mod.run(report);
  report.write();
} else {
  // One process per suite: a suite's heap, JIT state and peak RSS must not leak into the next one's figures.
  for (const name of suites) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name], { stdio: 'inherit' });
    if (child.status !== 0) {
      console.error(`bench suite ${name} failed (exit ${child.status ?? child.signal})`);
      process.exitCode = 1;
    }
  }
}

// bench/RESULTS.md: every suite's latest JSON, combined.
const sections = [`# Bench results`, '', `Machine: ${JSON.stringify(machineInfo())}`, ''];
for (const name of available) {
  const file = join(RESULTS_DIR, `${name}.json`);
  if (!existsSync(file)) continue;
  const result = JSON.parse(readFileSync(file, 'utf8')) as SuiteResult;
  sections.push(`## ${name} (${result.startedAt}, node ${result.machine.node})`, '');
  for (const table of result.tables) sections.push(renderTable(table), '');
}
writeFileSync(join(here, 'RESULTS.md'), `${sections.join('\n')}\n`);
