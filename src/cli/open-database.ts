/** Opens the document database a CLI command names, with the passphrase taken from the environment. */
import { S3db, redact } from '../index.js';
import { UsageError } from './exit-codes.js';

export interface DatabaseFlags {
  passphraseEnv?: string;
}

/** The passphrase named by --passphrase-env, or undefined without that flag. */
export function passphraseFrom(flags: DatabaseFlags): string | undefined {
  if (flags.passphraseEnv === undefined) return undefined;
  const passphrase = process.env[flags.passphraseEnv];
  if (!passphrase) throw new UsageError(`--passphrase-env ${flags.passphraseEnv}: that environment variable is not set or empty`);
  return passphrase;
}

export async function openDatabase(connectionString: string, flags: DatabaseFlags): Promise<S3db> {
  const passphrase = passphraseFrom(flags);
  const log = (m: string) => process.stderr.write(`${redact(m)}\n`);
  const db = new S3db({ connectionString, logLevel: 'warn', logger: { warn: log, error: log }, ...(passphrase === undefined ? {} : { passphrase }) });
  await db.connect();
  return db;
}

/** Runs `fn` on an open database and always disconnects. */
export async function withDatabase<T>(connectionString: string, flags: DatabaseFlags, fn: (db: S3db) => Promise<T>): Promise<T> {
  const db = await openDatabase(connectionString, flags);
  try {
    return await fn(db);
  } finally {
    await db.disconnect();
  }
}
