/**
 * `s3lite docs … export` and `import`: a JSONL file whose first line is the
 * resource definition, then one document per line.
 *
 * Secret fields leave the database as they are stored: encrypted with the
 * database's key under the field's context (`<resource>.<path>`). The first
 * line records the salt and the source resource, so an import with the same
 * passphrase opens them (into this database or another) and the target
 * encrypts them again with its own key: they are never encrypted twice.
 * `--decrypt-secrets` writes them in plain text, after a warning on stderr.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Resource, S3db } from '../../index.js';
import { Catalogue } from '../../docs/catalogue.js';
import { FieldCipher } from '../../docs/field-cipher.js';
import { attributePaths, type AttributesDefinition } from '../../docs/schema.js';
import { UsageError } from '../exit-codes.js';
import { createProgress } from '../progress.js';
import { readJsonLines } from '../read-input.js';
import { isRecord } from './docs-output.js';

export const RESOURCE_LINE = '$resource';
/** Key of the first line that says how secret fields are written. */
export const SECRETS_LINE = '$secrets';

/** How the secret fields of an export are written. */
export type ExportSecrets =
  | { encrypted: true; kdf: 'scrypt'; salt: string; resource: string; fields: string[] }
  | { encrypted: false; fields: string[] };

interface SecretField {
  path: string;
  segments: readonly string[];
}

function secretFields(attributes: unknown): SecretField[] {
  if (!isRecord(attributes)) return [];
  return attributePaths(attributes as AttributesDefinition)
    .filter((f) => f.secret)
    .map(({ path, segments }) => ({ path, segments }));
}

/** Applies `transform` to every secret field present as a string; copies only the objects on the way. */
function mapSecrets(doc: Record<string, unknown>, fields: readonly SecretField[], transform: (value: string, path: string) => string): Record<string, unknown> {
  let root = doc;
  for (const { path, segments } of fields) {
    let parent: unknown = root;
    for (const segment of segments.slice(0, -1)) parent = isRecord(parent) && Object.hasOwn(parent, segment) ? parent[segment] : undefined;
    const last = segments[segments.length - 1] as string;
    if (!isRecord(parent) || typeof parent[last] !== 'string') continue;
    if (root === doc) root = structuredClone(doc);
    let target = root;
    for (const segment of segments.slice(0, -1)) target = target[segment] as Record<string, unknown>;
    target[last] = transform(target[last] as string, path);
  }
  return root;
}

export interface ExportOptions {
  passphrase: string | undefined;
  decryptSecrets: boolean;
  warn: (line: string) => void;
}

export async function exportResource(db: S3db, resource: Resource, file: string, options: ExportOptions): Promise<number> {
  const { attributes, behavior, timestamps, partitions, asyncPartitions } = resource.definition;
  const fields = secretFields(attributes);
  let secrets: ExportSecrets | undefined;
  let seal: ((doc: Record<string, unknown>) => Record<string, unknown>) | undefined;
  if (fields.length > 0) {
    const paths = fields.map((f) => f.path);
    if (options.decryptSecrets) {
      options.warn(`warning: --decrypt-secrets: the secret fields ${paths.join(', ')} of ${resource.name} are written in plain text to ${file === '-' ? 'stdout' : file}; anyone who can read it can read them`);
      secrets = { encrypted: false, fields: paths };
    } else {
      // The resource is usable, so the database was opened with its passphrase and has a salt.
      const salt = await databaseSalt(db);
      const cipher = await FieldCipher.create(options.passphrase as string, Buffer.from(salt, 'base64'));
      secrets = { encrypted: true, kdf: 'scrypt', salt, resource: resource.name, fields: paths };
      seal = (doc) => mapSecrets(doc, fields, (value, path) => cipher.encrypt(value, `${resource.name}.${path}`));
    }
  }
  const total = await resource.count();
  const task = createProgress({ quiet: file === '-' && !process.stderr.isTTY }).task(`export ${resource.name}`, total);
  const out = file === '-' ? process.stdout : createWriteStream(file);
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  const header: Record<string, unknown> = { [RESOURCE_LINE]: { attributes, behavior, timestamps, partitions, asyncPartitions } };
  if (secrets) header[SECRETS_LINE] = secrets;
  await write(JSON.stringify(header));
  let n = 0;
  for await (const doc of resource.stream()) {
    await write(JSON.stringify(seal ? seal(doc) : doc));
    if (++n % 100 === 0) task.update(n);
  }
  task.finish();
  if (out !== process.stdout) {
    out.end();
    await once(out, 'finish');
  }
  return n;
}

async function databaseSalt(db: S3db): Promise<string> {
  const { data } = await new Catalogue(db.client, db.executorPool).load();
  const salt = (data.encryption as { salt?: unknown } | undefined)?.salt;
  if (typeof salt !== 'string') throw new UsageError('the database has no encryption salt in its catalogue: cannot export its secret fields encrypted');
  return salt;
}

export interface ExportFile {
  definition: Record<string, any> | undefined;
  secrets: ExportSecrets | undefined;
  documents: Record<string, unknown>[];
}

/** Reads and checks the whole file before anything is written. */
export async function readExport(file: string): Promise<ExportFile> {
  let definition: Record<string, any> | undefined;
  let secrets: ExportSecrets | undefined;
  const documents: Record<string, unknown>[] = [];
  for await (const [line, value] of readJsonLines(file)) {
    if (!isRecord(value)) throw new UsageError(`${file}:${line}: expected a JSON object per line; nothing was imported`);
    if (RESOURCE_LINE in value) {
      if (line !== 1 || !isRecord(value[RESOURCE_LINE])) throw new UsageError(`${file}:${line}: a ${RESOURCE_LINE} line may only be the first line; nothing was imported`);
      definition = value[RESOURCE_LINE] as Record<string, any>;
      if (SECRETS_LINE in value) secrets = checkSecretsLine(file, value[SECRETS_LINE]);
      continue;
    }
    documents.push(value);
  }
  return { definition, secrets, documents };
}

function checkSecretsLine(file: string, value: unknown): ExportSecrets {
  const bad = () => new UsageError(`${file}:1: ${SECRETS_LINE} must be { encrypted: false } or { encrypted: true, kdf: 'scrypt', salt, resource }; nothing was imported`);
  if (!isRecord(value) || typeof value.encrypted !== 'boolean') throw bad();
  const fields = Array.isArray(value.fields) ? value.fields.filter((f): f is string => typeof f === 'string') : [];
  if (!value.encrypted) return { encrypted: false, fields };
  if (value.kdf !== 'scrypt' || typeof value.salt !== 'string' || typeof value.resource !== 'string') throw bad();
  return { encrypted: true, kdf: 'scrypt', salt: value.salt, resource: value.resource, fields };
}

/**
 * Opens the encrypted secret fields of an export with `passphrase`, so the
 * target resource encrypts them once with its own key. Every document is
 * opened before anything is written: a wrong passphrase imports nothing.
 */
export async function openExportSecrets(exported: ExportFile, passphrase: string | undefined, file: string): Promise<Record<string, unknown>[]> {
  const { secrets, definition, documents } = exported;
  if (secrets === undefined || !secrets.encrypted) return documents;
  if (passphrase === undefined) {
    throw new UsageError(`${file} holds encrypted secret fields (${secrets.fields.join(', ')}): pass --passphrase-env with the passphrase of the database it was exported from; nothing was imported`);
  }
  const fields = secretFields(definition?.attributes);
  const cipher = await FieldCipher.create(passphrase, Buffer.from(secrets.salt, 'base64'));
  return documents.map((doc, index) => {
    try {
      return mapSecrets(doc, fields, (value, path) => cipher.decrypt(value, `${secrets.resource}.${path}`));
    } catch (err) {
      (err as Error).message = `document #${index + 1} of ${file} (id ${String(doc.id)}): ${(err as Error).message}; nothing was imported`;
      throw err;
    }
  });
}

export async function importDocuments(resource: Resource, documents: Record<string, unknown>[], upsert: boolean): Promise<number> {
  const task = createProgress().task(`import ${resource.name}`, documents.length);
  let imported = 0;
  try {
    for (let start = 0; start < documents.length; start += 500) {
      const batch = documents.slice(start, start + 500);
      if (upsert) {
        await Promise.all(batch.map((d) => resource.upsert(d)));
      } else {
        const results = await resource.insertMany(batch);
        const failed = results.find((r) => !r.ok);
        if (failed && !failed.ok) {
          const ok = results.filter((r) => r.ok).length;
          failed.error.message = `document #${start + failed.index + 1} of the file (id ${String(failed.id)}): ${failed.error.message}; ${imported + ok} documents were imported before it (re-run with --upsert to continue)`;
          throw failed.error;
        }
      }
      imported += batch.length;
      task.update(imported);
    }
  } finally {
    task.finish();
  }
  return imported;
}
