/**
 * `s3lite tune`: the two performance guides as a program. Measures this
 * machine and backend, prints the seeds' tables with the figures, evaluates
 * the production checklist, and writes the figures as JSON and an HTML report.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseConnectionString, redact } from '../../index.js';
import { UsageError } from '../exit-codes.js';
import { createProgress } from '../progress.js';
import { renderTable } from '../text-table.js';
import { evaluateChecklist, renderChecklist } from '../tune/checklist.js';
import { renderHtmlReport } from '../tune/html-report.js';
import { measureDocs } from '../tune/measure-docs.js';
import { assertEventsFile, measureEvents } from '../tune/measure-events.js';
import { renderAdvice, whatToSet } from '../tune/advice.js';
import { docsTables, eventsTables } from '../tune/tune-tables.js';
import type { TuneResult, TuneSettings } from '../tune/tune-types.js';

export interface TuneOptions {
  quick?: boolean;
  docs: string;
  events?: string;
  concurrency?: number;
  maxSockets?: number;
  keepAlive: boolean;
  /** Path of the HTML report, or false for none. */
  report: string | false;
  /** Path of the JSON figures, or false for none. */
  out: string | false;
  json?: boolean;
  /** Progress bars (default: when stdout is a terminal). */
  tty?: boolean;
}

export const DEFAULT_DOCS = 'memory://s3lite-tune/tune';

/** Runs every measurement; prints and writes the results. Returns them. */
export async function runTune(options: TuneOptions, version: string): Promise<TuneResult> {
  const target = parseConnectionString(options.docs);
  if (options.events !== undefined) assertEventsFile(resolve(options.events));
  const quick = options.quick === true;
  const progress = createProgress({ tty: options.tty, quiet: false });
  const started = Date.now();
  const params = target.kind === 's3' ? target.httpClientOptions : {};
  const concurrency = options.concurrency ?? 100;
  const settings: TuneSettings = {
    quick,
    docs: redact(options.docs),
    docsBackend: target.kind,
    events: options.events ? resolve(options.events) : '(a temporary SQLite file)',
    eventsTemporary: options.events === undefined,
    concurrency,
    concurrencyConfigured: options.concurrency !== undefined,
    maxSockets: options.maxSockets ?? params.maxSockets ?? null,
    keepAlive: options.keepAlive && params.keepAlive !== false,
  };

  progress.note(`tune${quick ? ' --quick' : ''}: documents on ${settings.docs}, events ${options.events ? `next to ${settings.events}` : 'in a temporary directory'}`);
  const docs = await measureDocs({ connectionString: options.docs, quick, keepAlive: settings.keepAlive, progress });
  // Measure on the same disk as the user's file; never write into the file itself.
  const workDir = mkdtempSync(options.events ? join(dirname(resolve(options.events)), '.s3lite-tune-') : join(tmpdir(), 's3lite-tune-'));
  let events: TuneResult['events'];
  try {
    events = await measureEvents({ file: options.events ? resolve(options.events) : undefined, workDir, quick, progress });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  // Every section of both seeds is measured; this lists what a run could not measure (none at the moment).
  const notMeasured: string[] = [];
  const result: TuneResult = {
    version,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    machine: { node: process.version, platform: `${platform()} ${arch()}`, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
    settings,
    docs,
    events,
    advice: whatToSet(settings, docs, events),
    checklist: evaluateChecklist(settings, docs, events),
    notMeasured,
    tables: [...docsTables(settings, docs), ...eventsTables(events)],
  };
  result.durationMs = Date.now() - started;

  if (options.out !== false) writeFile(options.out, `${JSON.stringify(result, null, 2)}\n`);
  if (options.report !== false) writeFile(options.report, renderHtmlReport(result));

  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const lines = [`# s3lite tune${quick ? ' --quick' : ''}: measured on this machine in ${(result.durationMs / 1000).toFixed(1)} s`, ''];
    lines.push(`Machine: node ${result.machine.node}, ${result.machine.platform}, ${result.machine.cpu} x${result.machine.cores}`, '');
    lines.push(renderAdvice(result.advice), '');
    lines.push('## Documents', '');
    for (const table of result.tables.slice(0, result.tables.length - 4)) lines.push(renderTable(table), '');
    lines.push('## Events', '');
    for (const table of result.tables.slice(-4)) lines.push(renderTable(table), '');
    lines.push(renderChecklist(result.checklist), '');
    if (notMeasured.length > 0) lines.push('### Not measured', '', ...notMeasured.map((n) => `- ${n}`), '');
    if (options.out !== false) lines.push(`Figures (JSON): ${resolve(options.out)}`);
    if (options.report !== false) lines.push(`Report (HTML): ${resolve(options.report)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return result;
}

function writeFile(path: string, text: string): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(path, text);
  } catch (error) {
    throw new UsageError(`Cannot write ${path}: ${(error as Error).message}. Pass another path.`);
  }
}
