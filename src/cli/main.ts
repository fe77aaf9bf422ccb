#!/usr/bin/env node
/**
 * The `s3lite` command. `npm start` runs `s3lite check` on embedded defaults.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { runSelfCheck } from './commands/self-check.js';
import { formatError } from './format-error.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('s3lite')
  .description('A document database on S3 object storage and an event store on SQLite')
  .version(pkg.version)
  .option('--verbose', 'show stack traces on errors')
  .showHelpAfterError();

program
  .command('check', { isDefault: true })
  .description('exercise the shared core on this machine and print what it measured')
  .option('--json', 'print the results as JSON')
  .action(async (options: { json?: boolean }) => {
    const result = await runSelfCheck();
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else for (const line of result.lines) console.log(line);
    if (!result.ok) process.exitCode = 1;
  });

try {
  await program.parseAsync();
} catch (error) {
  console.error(formatError(error, program.opts<{ verbose?: boolean }>().verbose === true));
  process.exitCode = process.exitCode || 1;
}
