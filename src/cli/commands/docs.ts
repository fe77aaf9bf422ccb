/**
 * `s3lite docs <connection> <action>`: resources, list, get, insert, query,
 * count, verify-partitions, rebuild-partitions, export and import. Tables by
 * default, `--json` for scripts, progress on stderr for long work.
 */
import type { Command } from 'commander';
import type { ResourceConfig } from '../../index.js';
import { Catalogue } from '../../docs/catalogue.js';
import { UsageError } from '../exit-codes.js';
import { passphraseFrom, withDatabase } from '../open-database.js';
import { nonNegativeInteger, positiveInteger } from '../options.js';
import { collectValues, partitionLookup, type PartitionFlags } from '../partition-values.js';
import { readJsonArgument } from '../read-input.js';
import { renderTable } from '../text-table.js';
import { registerEditCommands } from './docs-edit.js';
import { registerPartitionRepairCommands } from './docs-partitions.js';
import { documentsTable, isRecord, print, withCommonOptions, type OutputFlags } from './docs-output.js';
import { exportResource, importDocuments, openExportSecrets, readExport } from './docs-transfer.js';

export const DOCS_ACTIONS = ['resources', 'list', 'get', 'insert', 'query', 'count', 'verify-partitions', 'rebuild-partitions', 'export', 'import', 'create-resource', 'update', 'delete'] as const;


export function registerDocsCommands(program: Command): void {
  const docs = program
    .command('docs')
    .description('work with a document database: s3lite docs <connection> <action> … (connection: memory://, file://, s3://, http(s)://)');

  withCommonOptions(docs.command('resources').argument('<connection>').description('list the resources and their schemas')).action(
    async (cs: string, flags: OutputFlags) =>
      withDatabase(cs, flags, async (db) => {
        // A resource with secret fields opened without a passphrase is not instantiated: its definition comes from the catalogue.
        const catalogue = db.listResources().every((r) => db.resources[r.name]) ? undefined : (await new Catalogue(db.client, db.executorPool).load()).data;
        const list = db.listResources().map((r) => {
          const stored = catalogue?.resources[r.name];
          const definition = db.resources[r.name]?.definition ?? stored?.versions[stored.currentVersion]?.definition;
          return { ...r, partitions: Object.keys(definition?.partitions ?? {}), asyncPartitions: definition?.asyncPartitions ?? true };
        });
        print(list, flags, () =>
          renderTable({
            title: `Resources in ${db.client.description}`,
            columns: ['name', 'version', 'behavior', 'attributes', 'partitions'],
            rows: list.map((r) => [r.name, r.version, r.behavior, r.attributes.join(', '), r.partitions.join(', ') || '-']),
          }),
        );
      }),
  );

  withPartitionOptions(withCommonOptions(docs.command('list').argument('<connection>').argument('<resource>').description('list documents (every one unless --limit; one partition with --partition)')))
    .option('--limit <n>', 'most documents', positiveInteger)
    .option('--offset <n>', 'documents to skip', nonNegativeInteger)
    .action(async (cs: string, name: string, flags: OutputFlags & PartitionFlags & { limit?: number; offset?: number }) => {
      const lookup = partitionLookup(flags);
      await withDatabase(cs, flags, async (db) => {
        const items = await db.getResource(name).list({ ...lookup, ...(flags.limit ? { limit: flags.limit } : {}), ...(flags.offset ? { offset: flags.offset } : {}) });
        print(items, flags, () => documentsTable(lookup ? `${name} in ${describeLookup(lookup)}` : name, items));
      });
    });

  withCommonOptions(docs.command('get').argument('<connection>').argument('<resource>').argument('<id>').description('print one document (exit 3 if it does not exist)')).action(
    async (cs: string, name: string, id: string, flags: OutputFlags) =>
      withDatabase(cs, flags, async (db) => {
        const doc = await db.getResource(name).get(id);
        print(doc, flags, () => JSON.stringify(doc, null, 2));
      }),
  );

  withCommonOptions(
    docs
      .command('insert')
      .argument('<connection>')
      .argument('<resource>')
      .argument('<json>', "a document, or an array of documents, as JSON ('-': read stdin)")
      .description('insert documents (exit 2 if one is invalid, 4 if its id exists)'),
  ).action(async (cs: string, name: string, json: string, flags: OutputFlags) => {
    const input = await readJsonArgument(json, 'The document');
    const items = Array.isArray(input) ? input : [input];
    if (!items.every(isRecord)) throw new UsageError('Expected a JSON object (or an array of objects) to insert');
    await withDatabase(cs, flags, async (db) => {
      const resource = db.getResource(name);
      if (!Array.isArray(input)) {
        const doc = await resource.insert(input as Record<string, unknown>);
        print(doc, flags, () => `inserted ${doc.id}`);
        return;
      }
      const results = await resource.insertMany(items);
      const failed = results.filter((r) => !r.ok);
      print(results.map((r) => (r.ok ? { index: r.index, id: r.id } : { index: r.index, error: r.error.message })), flags, () =>
        [`inserted ${results.length - failed.length} of ${results.length}`, ...failed.map((f) => `  #${f.index}: ${f.ok ? '' : f.error.message}`)].join('\n'),
      );
      if (failed.length > 0 && !failed[0]!.ok) throw failed[0]!.error;
    }, { whole: true, creates: true });
  });

  withCommonOptions(
    docs
      .command('query')
      .argument('<connection>')
      .argument('<resource>')
      .argument('<filter>', 'a JSON object of field: value, e.g. \'{"status":"paid"}\'')
      .description('documents matching every field of the filter'),
  )
    .option('--limit <n>', 'most documents', positiveInteger)
    .action(async (cs: string, name: string, filterText: string, flags: OutputFlags & { limit?: number }) => {
      const filter = await readJsonArgument(filterText, 'The filter');
      if (!isRecord(filter)) throw new UsageError('The filter must be a JSON object, e.g. \'{"status":"paid"}\'');
      await withDatabase(cs, flags, async (db) => {
        const items = await db.getResource(name).query(filter, flags.limit ? { limit: flags.limit } : {});
        print(items, flags, () => documentsTable(`${name} matching ${JSON.stringify(filter)}`, items));
      });
    });

  withPartitionOptions(withCommonOptions(docs.command('count').argument('<connection>').argument('<resource>').description('number of documents (of one partition with --partition)'))).action(
    async (cs: string, name: string, flags: OutputFlags & PartitionFlags) => {
      const lookup = partitionLookup(flags);
      await withDatabase(cs, flags, async (db) => {
        const count = await db.getResource(name).count(lookup ?? {});
        print({ resource: name, ...lookup, count }, flags, () => String(count));
      });
    },
  );

  registerPartitionRepairCommands(docs);
  registerEditCommands(docs);

  withCommonOptions(
    docs
      .command('export')
      .argument('<connection>')
      .argument('<resource>')
      .argument('<file>', "JSONL file to write ('-': stdout)")
      .description('write the resource definition, then one document per line; secret fields stay encrypted (import opens them with the same passphrase)'),
  )
    .option('--decrypt-secrets', 'write secret fields in plain text (prints a warning)')
    .action(async (cs: string, name: string, file: string, flags: OutputFlags & { decryptSecrets?: boolean }) =>
      withDatabase(cs, flags, async (db) => {
        const warn = (line: string) => process.stderr.write(`${line}\n`);
        const options = { passphrase: passphraseFrom(flags), decryptSecrets: flags.decryptSecrets === true, warn };
        const exported = await exportResource(db, db.getResource(name), file, options);
        if (file !== '-') print({ resource: name, exported, file }, flags, () => `exported ${exported} documents of ${name} to ${file}`);
      }, { whole: true }),
    );

  withCommonOptions(
    docs
      .command('import')
      .argument('<connection>')
      .argument('<resource>')
      .argument('<file>', "JSONL file from `s3lite docs export` or one document per line ('-': stdin)")
      .description('insert every document of a JSONL file (the file is checked before anything is written)'),
  )
    .option('--upsert', 'replace documents whose id exists instead of failing')
    .action(async (cs: string, name: string, file: string, flags: OutputFlags & { upsert?: boolean }) => {
      const exported = await readExport(file);
      const { definition } = exported;
      const documents = await openExportSecrets(exported, passphraseFrom(flags), file);
      await withDatabase(cs, flags, async (db) => {
        const resource = db.resources[name] ?? (definition ? await db.createResource({ ...definition, name } as ResourceConfig) : db.getResource(name));
        const imported = await importDocuments(resource, documents, flags.upsert === true);
        print({ resource: name, imported, file }, flags, () => `imported ${imported} documents into ${name}`);
      }, { whole: true, creates: true });
    });
}

function withPartitionOptions(command: Command): Command {
  return command
    .option('--partition <name>', 'only the documents of this partition (a LIST of its references, not a scan)')
    .option('--values <field=value,...>', 'values of the partition\'s fields (all, or the first ones in order); repeatable', collectValues);
}

function describeLookup(lookup: { partition: string; partitionValues: Record<string, string> }): string {
  const values = Object.entries(lookup.partitionValues).map(([k, v]) => `${k}=${v}`);
  return values.length === 0 ? `partition ${lookup.partition}` : `partition ${lookup.partition} (${values.join(', ')})`;
}
