#!/usr/bin/env node
/**
 * The `s3lite` command. `npm start` runs `s3lite tune --quick` on embedded
 * defaults. Exit codes: see exit-codes.ts (0 ok, 1 failure, 2 usage, 3 not
 * found, 4 conflict).
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { redact } from '../core/errors.js';
import { DOCS_ACTIONS, registerDocsCommands } from './commands/docs.js';
import { EVENTS_ACTIONS, registerEventsCommands } from './commands/events.js';
import { runSelfCheck } from './commands/self-check.js';
import { DEFAULT_DOCS, runTune } from './commands/tune.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { formatError } from './format-error.js';
import { positiveInteger } from './options.js';
import { targetFirstToActionFirst } from './target-order.js';

// The AWS SDK warns on every run under Node 20 about its future releases; that is noise for CLI users.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? `${warning} ${String(rest[0] ?? '')}` : `${warning.name} ${warning.message}`;
  if (text.includes('NodeVersionSupportWarning')) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('s3lite')
  .description('A document database on S3 object storage and an event store on SQLite')
  .version(pkg.version)
  .option('--verbose', 'show stack traces on errors')
  .showHelpAfterError()
  // Usage errors exit 2; whatever commander echoes goes through redact() first.
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(redact(text)), writeOut: (text) => process.stdout.write(text) })
  .addHelpText(
    'after',
    `
Examples:
  s3lite tune --quick                            measure this machine and print the tuning report (npm start)
  s3lite docs memory://bucket/app resources      the resources of a database (see s3lite docs --help)
  s3lite events data/events.sqlite stats         an event store at a glance (see s3lite events --help)`,
  );

program
  .command('tune')
  .description('measure this machine and backend; print the performance guides\' tables with the figures, the checklist, JSON and an HTML report')
  .option('--quick', 'short runs (about a minute); what npm start uses')
  .option('--docs <connection-string>', 'documents target (memory://, file://, s3://, http(s)://); tune writes under a fresh sub-prefix and clears it', DEFAULT_DOCS)
  .option('--events <file>', 'your events file: read for the checklist; measurements run on temporary files beside it')
  .option('--concurrency <n>', 'the executorPool.concurrency you run with (for the checklist)', positiveInteger)
  .option('--max-sockets <n>', 'the httpClientOptions.maxSockets you run with (for the checklist)', positiveInteger)
  .option('--no-keep-alive', 'you run with httpClientOptions.keepAlive false')
  .option('--report <path>', 'where to write the HTML report', 's3lite-report.html')
  .option('--no-report', 'do not write the HTML report')
  .option('--out <path>', 'where to write the figures as JSON', 's3lite-report.json')
  .option('--no-out', 'do not write the JSON file')
  .option('--json', 'print the figures as JSON instead of tables')
  .action(async (options: { quick?: boolean; docs: string; events?: string; concurrency?: number; maxSockets?: number; keepAlive: boolean; report: string | false; out: string | false; json?: boolean }) => {
    await runTune(options, pkg.version);
  });

program
  .command('check')
  .description('exercise the shared core on this machine and print what it measured')
  .option('--json', 'print the results as JSON')
  .action(async (options: { json?: boolean }) => {
    const result = await runSelfCheck();
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else for (const line of result.lines) console.log(line);
    if (!result.ok) process.exitCode = EXIT.FAILURE;
  });

registerDocsCommands(program);
registerEventsCommands(program);

try {
  // No command: say what there is (a benchmark that writes files is not a default to stumble into).
  if (process.argv.length <= 2) program.help();
  await program.parseAsync(targetFirstToActionFirst(process.argv, { docs: DOCS_ACTIONS, events: EVENTS_ACTIONS }));
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and --version end with exit code 0; every other commander error is a usage error.
    process.exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    console.error(formatError(error, program.opts<{ verbose?: boolean }>().verbose === true));
    process.exitCode = exitCodeFor(error);
  }
}
