/** Opens the document database a CLI command names, with the passphrase taken from the environment. */
import { S3db, redact } from '../index.js';
import { UsageError } from './exit-codes.js';

export interface DatabaseFlags {
  passphraseEnv?: string;
}

export async function openDatabase(connectionString: string, flags: DatabaseFlags): Promise<S3db> {
  let passphrase: string | undefined;
  if (flags.passphraseEnv !== undefined) {
    passphrase = process.env[flags.passphraseEnv];
    if (!passphrase) throw new UsageError(`--passphrase-env ${flags.passphraseEnv}: that environment variable is not set or empty`);
  }
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
