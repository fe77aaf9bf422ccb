/**
 * Shared bench output: every suite prints its tables and writes one JSON file
 * under bench/results/, stating the settings that produced the figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export type Cell = string | number | null;

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

function formatCell(cell: Cell): string {
  if (cell === null) return '-';
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) return String(cell);
    if (Math.abs(cell) >= 1000) return Math.round(cell).toLocaleString('en-US');
    if (Number.isInteger(cell)) return String(cell);
    return cell.toFixed(Math.abs(cell) >= 10 ? 1 : 2);
  }
  return cell;
}

/** Renders a table as GitHub markdown (also readable in a terminal). */
export function renderTable(table: BenchTable): string {
  const lines = [`### ${table.title}`, ''];
  if (table.settings && Object.keys(table.settings).length > 0) {
    const parts = Object.entries(table.settings).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    lines.push(`Settings: ${parts.join(', ')}`, '');
  }
  const cells = table.rows.map((row) => row.map(formatCell));
  const widths = table.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  lines.push(line(table.columns));
  lines.push(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of cells) lines.push(line(row));
  for (const note of table.notes ?? []) lines.push('', `> ${note}`);
  return lines.join('\n');
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
