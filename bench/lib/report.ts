/**
 * Shared bench output: every suite prints its tables and writes one JSON file
 * under bench/results/, stating the settings that produced the figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable as renderMarkdownTable, type Cell } from '../../src/cli/text-table.js';

export type { Cell };

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export interface BenchTable {
  title: string;
  /** Settings behind the figures: backend, concurrency, pragmas… */
  settings?: Record<string, unknown>;
  columns: string[];
  rows: Cell[][];
  notes?: string[];
}

export interface SuiteResult {
  suite: string;
  startedAt: string;
  durationMs: number;
  machine: ReturnType<typeof machineInfo>;
  tables: BenchTable[];
}

export function machineInfo() {
  return {
    node: process.version,
    platform: `${platform()} ${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}

/** Renders a table as the CLI does (GitHub markdown), with its settings under the title. */
export function renderTable(table: BenchTable): string {
  const body = renderMarkdownTable(table);
  if (!table.settings || Object.keys(table.settings).length === 0) return body;
  const parts = Object.entries(table.settings).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const [title, ...rest] = body.split('\n');
  return [title, '', `Settings: ${parts.join(', ')}`, ...rest].join('\n');
}

/** Collects the tables of one suite, prints each as it is added, and writes JSON at the end. */
export class SuiteReport {
  readonly suite: string;
  readonly tables: BenchTable[] = [];
  readonly #started = Date.now();

  constructor(suite: string) {
    this.suite = suite;
  }

  add(table: BenchTable): void {
    this.tables.push(table);
    console.log(`\n${renderTable(table)}\n`);
  }

  write(): SuiteResult {
    const result: SuiteResult = {
      suite: this.suite,
      startedAt: new Date(this.#started).toISOString(),
      durationMs: Date.now() - this.#started,
      machine: machineInfo(),
      tables: this.tables,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${this.suite}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${file}`);
    return result;
  }
}

/** Runs `fn` repeatedly for at least `minMs` and returns operations per second. */
export async function opsPerSecond(fn: () => unknown, { minMs = 500, batch = 1 } = {}): Promise<number> {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    await fn();
    ops += batch;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

/** Percentile (0–100) of an unsorted list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
