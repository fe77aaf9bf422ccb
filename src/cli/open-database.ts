/** Opens the document database a CLI command names, with the passphrase taken from the environment. */
import { existsSync } from 'node:fs';
import { ConfigurationError, EncryptionError, NotFoundError, parseConnectionString, S3db, redact } from '../index.js';
import { attributePaths } from '../docs/schema.js';
import { UsageError } from './exit-codes.js';

export interface DatabaseFlags {
  passphraseEnv?: string;
}

/** What a command does to the target: reads never create a file:// directory and may leave secret values out. */
export interface OpenIntent {
  /** Writes documents, or copies them whole (export): a resource with secret fields needs the passphrase. */
  whole?: boolean;
  /** May start a new database (insert, import, create-resource). */
  creates?: boolean;
}

/** The passphrase named by --passphrase-env, or undefined without that flag. */
export function passphraseFrom(flags: DatabaseFlags): string | undefined {
  if (flags.passphraseEnv === undefined) return undefined;
  const passphrase = process.env[flags.passphraseEnv];
  if (!passphrase) throw new UsageError(`--passphrase-env ${flags.passphraseEnv}: that environment variable is not set or empty`);
  return passphrase;
}

export async function openDatabase(connectionString: string, flags: DatabaseFlags, intent: OpenIntent = {}): Promise<S3db> {
  const passphrase = passphraseFrom(flags);
  const target = parseConnectionString(connectionString);
  // Reading a typo'd path must say so, not leave an empty database directory behind.
  if (target.kind === 'file' && !intent.creates && !existsSync(target.root)) {
    throw new NotFoundError(`No database at ${redact(connectionString)}: the directory ${target.root} does not exist (check the path; insert, import and create-resource create it)`);
  }
  if (target.kind === 'memory') {
    process.stderr.write(`note: ${connectionString} lives in this process only: what this command writes is gone when it ends (use file:// or s3:// to keep data)\n`);
  }
  const log = (m: string) => process.stderr.write(`${redact(m)}\n`);
  // Without a passphrase, reads still see resources with secret fields (their secret values left out); writes say the passphrase is needed.
  const withhold = passphrase === undefined && !intent.whole;
  const db = new S3db({ connectionString, logLevel: 'warn', logger: { warn: log, error: log }, ...(passphrase === undefined ? { withholdSecrets: withhold } : { passphrase }) });
  await db.connect();
  if (withhold) {
    const withheld = Object.values(db.resources).filter((r) => attributePaths(r.definition.attributes).some((p) => p.secret));
    if (withheld.length > 0) {
      process.stderr.write(`note: secret field values of ${withheld.map((r) => r.name).join(', ')} are left out; pass --passphrase-env VAR (the passphrase in the environment variable VAR) to read them\n`);
    }
  }
  return db;
}

/** Runs `fn` on an open database and always disconnects. */
export async function withDatabase<T>(connectionString: string, flags: DatabaseFlags, fn: (db: S3db) => Promise<T>, intent: OpenIntent = {}): Promise<T> {
  const db = await openDatabase(connectionString, flags, intent);
  try {
    return await fn(db);
  } catch (error) {
    throw flags.passphraseEnv === undefined ? namePassphraseFlag(error) : error;
  } finally {
    await db.disconnect();
  }
}

/** The library says "pass `passphrase` to new S3db()"; on the command line that is --passphrase-env. */
function namePassphraseFlag(error: unknown): unknown {
  if (!(error instanceof ConfigurationError || error instanceof EncryptionError) || !/passphrase/.test(error.message)) return error;
  const message = `${error.message.replace(/: pass `passphrase` to new S3db\(\)/, '')}: pass --passphrase-env VAR, with the passphrase in the environment variable VAR`;
  return error instanceof ConfigurationError ? new ConfigurationError(message, { cause: error }) : new EncryptionError(message, { cause: error });
}
