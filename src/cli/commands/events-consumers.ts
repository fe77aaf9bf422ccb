/**
 * `s3lite events <file|postgres-url> consumers`: each consumer name, its
 * checkpoint, who holds its lease and how far behind the log it is.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { NotFoundError } from '../../core/errors.js';
import { listConsumers } from '../../events/backends/consumer-list.js';
import { openQueue, parseConnectionString } from '../../events/backends/open-queue.js';
import { renderTable } from '../text-table.js';

export function registerConsumersAction(events: Command): void {
  events
    .command('consumers')
    .argument('<file-or-url>', 'the SQLite events file or a postgres:// URL')
    .description('consumers (queue.subscribe): checkpoint, lease holder, lag in events and ms')
    .option('--json', 'print JSON')
    .action(async (target: string, flags: { json?: boolean }) => {
      const parsed = parseConnectionString(target);
      if (parsed.backend === 'sqlite' && !existsSync(parsed.target)) throw new NotFoundError(`No events file at ${parsed.target}: check the path (s3lite events <file> consumers)`);
      const queue = await openQueue({ connectionString: target });
      try {
        const consumers = await listConsumers(queue);
        const table = renderTable({
          title: `Consumers of ${parsed.label}`,
          columns: ['name', 'position', 'lag (events)', 'lag (ms)', 'lease holder', 'checkpoint moved'],
          rows: consumers.map((c) => [c.name, c.position, c.lagEvents, c.lagMs, c.owner ?? '-', new Date(c.updatedAt).toISOString()]),
          notes: consumers.length === 0 ? ['no consumer has subscribed to this log'] : [],
        });
        process.stdout.write(flags.json ? `${JSON.stringify(consumers, null, 2)}\n` : `${table}\n`);
      } finally {
        await queue.close();
      }
    });
}
