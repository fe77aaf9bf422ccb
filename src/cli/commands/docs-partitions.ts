/**
 * `s3lite docs <connection> verify-partitions <resource>` and
 * `… rebuild-partitions <resource>`: check a resource's partition references
 * against its documents, and repair them.
 *
 * verify-partitions exits 1 when it finds damage (a missing or stale
 * reference) and 0 when the references match the documents; rebuild-partitions
 * exits 1 when a repair failed.
 */
import type { Command } from 'commander';
import { redact, type PartitionProblem, type RebuildProgress, type Resource } from '../../index.js';
import { EXIT } from '../exit-codes.js';
import { withDatabase } from '../open-database.js';
import { positiveInteger } from '../options.js';
import { createProgress } from '../progress.js';
import { renderTable } from '../text-table.js';
import { print, withCommonOptions, type OutputFlags } from './docs-output.js';

interface RepairFlags extends OutputFlags {
  partition?: string;
}

/** Problems shown in the text output (all of them with --json). */
const SHOWN_BY_DEFAULT = 20;

export function registerPartitionRepairCommands(docs: Command): void {
  withCommonOptions(
    docs
      .command('verify-partitions')
      .argument('<connection>')
      .argument('<resource>')
      .description('check every partition reference against its document: exit 0 if they match, 1 if a reference is missing or stale'),
  )
    .option('--partition <name>', 'only this partition')
    .option('--show <n>', `problems listed in the text output (default ${SHOWN_BY_DEFAULT})`, positiveInteger)
    .action(async (cs: string, name: string, flags: RepairFlags & { show?: number }) =>
      withDatabase(cs, flags, async (db) => {
        const resource = db.getResource(name);
        const result = await resource.verifyPartitions(flags.partition === undefined ? {} : { partition: flags.partition });
        const damaged = result.missing.length + result.stale.length > 0;
        const scope = scopeOf(resource, flags.partition);
        print({ resource: name, partitions: scope, ...result, ok: !damaged }, flags, () =>
          [
            `${name}: checked ${result.checked} documents and ${result.references} references in ${scope.join(', ') || 'no partitions'}: ${result.missing.length} missing, ${result.stale.length} stale`,
            ...problemTables(result.missing, result.stale, flags.show ?? SHOWN_BY_DEFAULT),
          ].join('\n'),
        );
        if (damaged) {
          process.stderr.write(`s3lite: partition references of ${name} are damaged; repair them with: s3lite docs ${redact(cs)} rebuild-partitions ${name}${flags.partition ? ` --partition ${flags.partition}` : ''}\n`);
          process.exitCode = EXIT.FAILURE;
        }
      }),
    );

  withCommonOptions(
    docs
      .command('rebuild-partitions')
      .argument('<connection>')
      .argument('<resource>')
      .description('write missing partition references and delete stale ones (exit 1 if a repair failed)'),
  )
    .option('--partition <name>', 'only this partition')
    .action(async (cs: string, name: string, flags: RepairFlags) =>
      withDatabase(cs, flags, async (db) => {
        const resource = db.getResource(name);
        const scope = scopeOf(resource, flags.partition);
        const result = await withRebuildProgress(resource, scope.length, () => resource.rebuildPartitions(flags.partition === undefined ? {} : { partition: flags.partition }));
        print({ resource: name, partitions: scope, ...result }, flags, () =>
          `${name}: checked ${result.checked} documents and ${result.references} references in ${scope.join(', ') || 'no partitions'}: restored ${result.restored} missing, removed ${result.removed} stale, ${result.failed} failed` +
          (result.requeued > 0 ? ` (${result.requeued} earlier failures retried first)` : ''),
        );
        if (result.failed > 0) process.exitCode = EXIT.FAILURE;
      }),
    );
}

/** The partitions a repair covers; an unknown name fails the same way the library does. */
function scopeOf(resource: Resource, partition: string | undefined): string[] {
  const names = Object.keys(resource.definition.partitions ?? {});
  return partition === undefined ? names : names.filter((n) => n === partition);
}

/**
 * Runs the rebuild with a progress bar fed by `partitionRebuildProgress`:
 * one step per document checked plus one per reference (about documents ×
 * partitions), so the bar moves through both passes.
 */
async function withRebuildProgress<T>(resource: Resource, partitions: number, rebuild: () => Promise<T>): Promise<T> {
  const documents = partitions === 0 ? 0 : await resource.count();
  const total = documents * (1 + partitions);
  const task = createProgress().task(`rebuild-partitions ${resource.name}`, total);
  const onProgress = (p: RebuildProgress) => task.update(p.phase === 'done' ? total : Math.min(total, p.checked + p.references));
  resource.on('partitionRebuildProgress', onProgress);
  try {
    return await rebuild();
  } finally {
    resource.off('partitionRebuildProgress', onProgress);
    task.finish();
  }
}

function problemTables(missing: PartitionProblem[], stale: PartitionProblem[], shown: number): string[] {
  const out: string[] = [];
  for (const [title, problems] of [['Missing references (the document has these values, the reference is not there)', missing], ['Stale references (the document is gone or has other values)', stale]] as const) {
    if (problems.length === 0) continue;
    out.push(
      '',
      renderTable({
        title,
        columns: ['partition', 'id', 'key'],
        rows: problems.slice(0, shown).map((p) => [p.partition, p.id, p.key]),
        ...(problems.length > shown ? { notes: [`… and ${problems.length - shown} more (--show <n> or --json lists them)`] } : {}),
      }),
    );
  }
  return out;
}
