/**
 * `s3lite docs <connection> create-resource <json>`, `update <resource> <id> <json>`
 * and `delete <resource> <id>…`: the writes the data tools lacked, each one
 * library call with its typed errors (2 invalid, 3 missing, 4 conflict).
 */
import type { Command } from 'commander';
import type { ResourceConfig } from '../../index.js';
import { UsageError } from '../exit-codes.js';
import { withDatabase } from '../open-database.js';
import { readJsonArgument } from '../read-input.js';
import { isRecord, print, withCommonOptions, type OutputFlags } from './docs-output.js';

export function registerEditCommands(docs: Command): void {
  withCommonOptions(
    docs
      .command('create-resource')
      .argument('<connection>')
      .argument('<json>', `the resource as JSON, e.g. '{"name":"users","attributes":{"name":"string|min:2","email":"email"}}' ('-': read stdin)`)
      .description('define a resource (or a new version of one); the same definition again changes nothing'),
  ).action(async (cs: string, json: string, flags: OutputFlags) => {
    const config = await readJsonArgument(json, 'The resource definition');
    if (!isRecord(config)) throw new UsageError('The resource definition must be a JSON object with at least `name` and `attributes`');
    await withDatabase(
      cs,
      flags,
      async (db) => {
        const before = db.listResources().find((r) => r.name === config.name)?.version;
        const resource = await db.createResource(config as unknown as ResourceConfig);
        const after = db.listResources().find((r) => r.name === resource.name)?.version;
        const summary = { resource: resource.name, version: after, created: before === undefined, changed: before !== after };
        print(summary, flags, () =>
          before === undefined ? `created ${resource.name} (${after})` : before === after ? `${resource.name} unchanged (${after})` : `${resource.name}: ${before} -> ${after}`,
        );
      },
      { whole: true, creates: true },
    );
  });

  withCommonOptions(
    docs
      .command('update')
      .argument('<connection>')
      .argument('<resource>')
      .argument('<id>')
      .argument('<json>', "the fields to change, as a JSON object; nested objects are merged ('-': read stdin)")
      .description('change fields of one document (exit 3 if it does not exist, 4 if it changed meanwhile)'),
  ).action(async (cs: string, name: string, id: string, json: string, flags: OutputFlags) => {
    const changes = await readJsonArgument(json, 'The changes');
    if (!isRecord(changes)) throw new UsageError('The changes must be a JSON object of field: value');
    await withDatabase(cs, flags, async (db) => {
      const doc = await db.getResource(name).update(id, changes);
      print(doc, flags, () => `updated ${doc.id}`);
    }, { whole: true });
  });

  withCommonOptions(
    docs
      .command('delete')
      .argument('<connection>')
      .argument('<resource>')
      .argument('<ids...>', 'one or more document ids')
      .description('delete documents (exit 3 if one does not exist; the others are still deleted)'),
  ).action(async (cs: string, name: string, ids: string[], flags: OutputFlags) =>
    withDatabase(cs, flags, async (db) => {
      const results = await db.getResource(name).deleteMany(ids);
      const failed = results.filter((r) => !r.ok);
      print(results.map((r) => (r.ok ? { id: r.id, deleted: true } : { id: r.id, error: r.error.message })), flags, () =>
        [`deleted ${results.length - failed.length} of ${results.length}`, ...failed.map((f) => `  ${f.id}: ${f.ok ? '' : f.error.message}`)].join('\n'),
      );
      const first = failed[0];
      if (first && !first.ok) throw first.error;
    }, { whole: true }),
  );
}
