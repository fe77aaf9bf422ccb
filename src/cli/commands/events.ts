/**
 * `s3lite events <file> <action>`: stats, tail [--follow], export, import and
 * replay of an event store file. Tables by default, `--json` for scripts,
 * progress on stderr for export, import and replay.
 */
import { closeSync, existsSync, fsyncSync, openSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { BulkOperations, initQueue, NotFoundError, type EventQueue, type EventRow, type Model } from '../../index.js';
import { MODEL_INTERNALS } from '../../events/model-types.js';
import { fileError } from '../../events/operations/line-io.js';
import { migrateToPostgres } from '../../events/backends/migrate.js';
import { UsageError } from '../exit-codes.js';
import { positiveInteger } from '../options.js';
import { createProgress } from '../progress.js';
import { countLines } from '../read-input.js';
import { renderTable } from '../text-table.js';
import { registerConsumersAction } from './events-consumers.js';
import { registerJobsAction } from './events-jobs.js';

export const EVENTS_ACTIONS = ['stats', 'tail', 'export', 'import', 'replay', 'migrate', 'consumers', 'jobs'] as const;

interface OutputFlags {
  json?: boolean;
}

function openExisting(file: string, readonly: boolean): EventQueue {
  if (!existsSync(file)) throw new NotFoundError(`No events file at ${file}: check the path (s3lite events <file> …)`);
  return initQueue({ dbName: file, init: { create: false, readonly } });
}

function withQueue<T>(file: string, readonly: boolean, fn: (queue: EventQueue) => Promise<T>): Promise<T> {
  const queue = openExisting(file, readonly);
  return fn(queue).finally(() => queue.close());
}

const count = (queue: EventQueue, sql: string, ...params: unknown[]) => Number(queue.db.prepare(sql).pluck().get(...params) ?? 0);

function eventLine(e: EventRow): string {
  return `#${e.id} ${new Date(e.datetime).toISOString()} ${e.cmd}${e.user ? ` by ${e.user}` : ''} ${JSON.stringify(e.data)}`;
}

/** Every event after `afterId`, in id order. */
function eventsAfter(queue: EventQueue, afterId: number): EventRow[] {
  const rows: EventRow[] = [];
  let last = afterId;
  for (;;) {
    const page = queue.db.prepare('SELECT id FROM queue WHERE id > ? ORDER BY id LIMIT 1000').pluck().all(last) as number[];
    if (page.length === 0) return rows;
    for (const id of page) {
      const row = queue.retrieveByID(id);
      if (row) rows.push(row);
    }
    last = page[page.length - 1] as number;
  }
}

export function registerEventsCommands(program: Command): void {
  const events = program.command('events').description('work with an event store file: s3lite events <file> <action> …');

  events
    .command('stats')
    .argument('<file>')
    .description('events, id and time range, commands, pragmas and indexes')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: OutputFlags) =>
      withQueue(file, true, async (queue) => {
        const settings = queue.settings();
        const total = count(queue, 'SELECT count(*) FROM queue');
        const range = queue.db.prepare('SELECT min(id) AS firstId, max(id) AS lastId, min(datetime) AS first, max(datetime) AS last FROM queue').get() as Record<string, number | null>;
        const cmds = queue.db.prepare('SELECT cmd, count(*) AS n FROM queue GROUP BY cmd ORDER BY n DESC, cmd LIMIT 20').all() as { cmd: string; n: number }[];
        const stats = {
          file: resolve(file),
          bytes: statSync(file).size,
          events: total,
          firstId: range.firstId ?? null,
          lastId: range.lastId ?? null,
          firstAt: range.first == null ? null : new Date(range.first).toISOString(),
          lastAt: range.last == null ? null : new Date(range.last).toISOString(),
          commands: cmds,
          journalMode: settings.journalMode,
          synchronous: settings.synchronous,
          indexes: settings.presentIndexes,
        };
        const print = () =>
          [
            renderTable({
              title: `Events in ${stats.file}`,
              columns: ['what', 'value'],
              rows: [
                ['events', stats.events],
                ['size (bytes)', stats.bytes],
                ['ids', stats.firstId === null ? '-' : `${stats.firstId} - ${stats.lastId}`],
                ['first event', stats.firstAt],
                ['last event', stats.lastAt],
                ['journal_mode', stats.journalMode],
                ['synchronous', stats.synchronous],
                ['indexes', stats.indexes.join(', ') || 'none'],
              ],
            }),
            '',
            renderTable({ title: 'Commands', columns: ['cmd', 'events'], rows: cmds.map((c) => [c.cmd, c.n]) }),
          ].join('\n');
        process.stdout.write(flags.json ? `${JSON.stringify(stats, null, 2)}\n` : `${print()}\n`);
      }),
    );

  events
    .command('tail')
    .argument('<file>')
    .description('the last events; --follow keeps printing new ones until interrupted')
    .option('-n, --lines <n>', 'how many of the last events', positiveInteger, 10)
    .option('-f, --follow', 'keep watching for new events')
    .option('--interval <ms>', 'how often --follow looks for new events', positiveInteger, 500)
    .option('--json', 'one JSON event per line')
    .action(async (file: string, flags: OutputFlags & { lines: number; follow?: boolean; interval: number }) =>
      withQueue(file, true, async (queue) => {
        const show = (e: EventRow) => process.stdout.write(`${flags.json ? JSON.stringify(e) : eventLine(e)}\n`);
        const lastId = count(queue, 'SELECT coalesce(max(id), 0) FROM queue');
        const fromId = Math.max(0, count(queue, 'SELECT coalesce(min(id), 1) - 1 FROM (SELECT id FROM queue ORDER BY id DESC LIMIT ?)', flags.lines));
        let seen = fromId;
        for (const e of eventsAfter(queue, fromId)) {
          if (e.id > lastId) break;
          show(e);
          seen = e.id;
        }
        if (!flags.follow) return;
        await new Promise<void>((done) => {
          const timer = setInterval(() => {
            for (const e of eventsAfter(queue, seen)) {
              show(e);
              seen = e.id;
            }
          }, flags.interval);
          const stop = () => {
            clearInterval(timer);
            done();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );

  events
    .command('export')
    .argument('<file>')
    .argument('<jsonl>', "file to write ('-': stdout)")
    .description('every event as one JSON line (lossless: ids, times, correlation and causation ids, metadata)')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, target: string, flags: OutputFlags) =>
      withQueue(file, true, async (queue) => {
        const total = count(queue, 'SELECT count(*) FROM queue');
        const result = target === '-' ? await new BulkOperations(queue).exportToJSONL('-') : await exportWithProgress(queue, target, total);
        if (target !== '-') process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `exported ${result.exported} events to ${target}\n`);
      }),
    );

  events
    .command('import')
    .argument('<file>', 'the events file (created if missing)')
    .argument('<jsonl>', "a JSONL export ('-': stdin)")
    .description(
      'add the events of a JSONL export; lines identical to a stored event are skipped (re-importing is harmless); ' +
        'all or nothing: a bad line, or an id stored with different content, writes nothing',
    )
    .option('--renumber', 'give the events new ids after the last one (and rewrite causation ids) instead of keeping theirs')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, source: string, flags: OutputFlags & { renumber?: boolean }) => {
      if (source !== '-' && !existsSync(source)) throw new NotFoundError(`No JSONL file at ${source}: check the path`);
      const total = source === '-' ? 0 : await countLines(source).catch((err: unknown) => Promise.reject(fileError(err, source, true)));
      const queue = initQueue({ dbName: file });
      const task = createProgress().task(`import ${source}`, total);
      try {
        const result = await new BulkOperations(queue).importFromJSONL(source, {
          preserveIds: flags.renumber !== true,
          onProgress: ({ lines }) => task.update(lines),
        });
        task.finish();
        const ids = result.imported > 0 ? ` (ids ${result.firstId} - ${result.lastId})` : '';
        const skipped = result.skipped > 0 ? `, skipped ${result.skipped} already present` : '';
        process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `imported ${result.imported} events${ids} into ${file}${skipped}\n`);
      } finally {
        queue.close();
      }
    });

  registerConsumersAction(events);
  registerJobsAction(events);

  events
    .command('migrate')
    .argument('<file>', 'the SQLite events file')
    .argument('<postgres-url>', 'postgres://user@host:5432/database (the schema is created if missing)')
    .description('copy the log to PostgreSQL with the same ids and bytes; each page commits, so a rerun resumes where it stopped')
    .option('--batch-size <n>', 'events per transaction', positiveInteger, 5000)
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, url: string, flags: OutputFlags & { batchSize: number }) => {
      let task: ReturnType<ReturnType<typeof createProgress>['task']> | undefined;
      const result = await migrateToPostgres(file, url, {
        batchSize: flags.batchSize,
        onProgress: ({ copied, total }) => {
          task ??= createProgress().task('migrate', total);
          task.update(copied);
        },
      });
      task?.finish();
      const resumed = result.resumedAfter > 0 ? ` (resumed after ${result.resumedAfter} already there)` : '';
      process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `migrated ${result.copied} events${resumed}; ${result.total} in PostgreSQL\n`);
    });

  events
    .command('replay')
    .argument('<file>')
    .description('replay the log into your model (a module exporting `model` or a default made with modelSetup)')
    .requiredOption('--model <module>', 'path of the module that exports the model')
    .option('--from <id>', 'first event id (default: the one after the last event the model reflects)', positiveInteger)
    .option('--to <id>', 'stop before this event id', positiveInteger)
    .option('--reapply', 'with --from: apply events the model already reflects again (only after emptying its tables)')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, flags: OutputFlags & { model: string; from?: number; to?: number; reapply?: boolean }) => {
      const model = await loadModel(flags.model);
      // A modelSetup model records the last event it applied (store and replay alike): start after it.
      const position = model[MODEL_INTERNALS]?.getPosition() ?? 0;
      if (flags.from !== undefined && flags.from <= position && flags.reapply !== true) {
        throw new UsageError(
          `The model already reflects events up to #${position}: replaying from #${flags.from} would apply them a second time. ` +
            `Leave out --from to continue from #${position + 1}, or empty the model's tables and pass --reapply.`,
        );
      }
      const from = flags.from ?? position + 1;
      await withQueue(file, false, async (queue) => {
        const lastId = count(queue, 'SELECT coalesce(max(id), 0) FROM queue');
        const stop = Math.min(flags.to ?? lastId + 1, lastId + 1);
        const task = createProgress().task('replay', Math.max(0, stop - from));
        const summary = { from, count: 0, failed: 0, lastId: null as number | null };
        // Replay in slices so progress can be drawn between them.
        for (let start = from; start < stop; start += 5000) {
          const part = queue.cycleThrough(model, undefined, undefined, { start, stop: Math.min(start + 5000, stop) });
          summary.count += part.count;
          summary.failed += part.failed;
          summary.lastId = part.lastId ?? summary.lastId;
          task.update(Math.min(start + 5000, stop) - from);
          await new Promise((r) => setImmediate(r));
        }
        task.finish();
        process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : `replayed ${summary.count} events from #${from} (last id ${summary.lastId ?? '-'}), ${summary.failed} failed${position > 0 ? `; the model already reflected #1-#${position}` : ''}\n`);
        if (summary.failed > 0) process.exitCode = 1;
      });
    });
}

async function loadModel(path: string): Promise<Model> {
  if (!existsSync(path)) throw new NotFoundError(`No model module at ${path}: check the path`);
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { model?: unknown; default?: unknown };
  const model = mod.model ?? mod.default;
  if (typeof model !== 'object' || model === null) throw new UsageError(`${path} must export \`model\` (or a default export) made with modelSetup()`);
  return model as Model;
}

/** exportToJSONL into a writer that counts lines for the progress bar and fsyncs the file before it resolves. */
async function exportWithProgress(queue: EventQueue, target: string, total: number) {
  let fd: number;
  try {
    fd = openSync(target, 'w');
  } catch (err) {
    throw fileError(err, target, false);
  }
  const task = createProgress().task(`export ${target}`, total);
  let lines = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        writeSync(fd, chunk);
        for (const byte of chunk) if (byte === 10) lines++;
        task.update(lines);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    final(callback) {
      try {
        fsyncSync(fd);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  try {
    const result = await new BulkOperations(queue).exportToJSONL(sink);
    if (!sink.writableFinished) await new Promise((r) => sink.once('finish', r));
    return { ...result, path: target };
  } finally {
    closeSync(fd);
    task.finish();
  }
}
