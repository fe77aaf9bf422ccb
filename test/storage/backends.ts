/**
 * The backends the storage conformance suite runs on, with what each is
 * expected to do where real backends differ (Kysely style: one table).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ObjectStore } from '../../src/storage/index.js';
import { s3rverConnectionString } from '../helpers/s3rver.js';

export interface Backend {
  name: string;
  /** Connection strings of two stores in one bucket (or directory tree) under different prefixes. */
  connectionStrings(): Promise<[string, string]>;
  /** Lists keys that are prefixes of each other (`a`, `a-c`, `a/b`) in S3 order. */
  listsInS3Order: boolean;
  /** An abort after the request started still cancels it (memory:// finishes synchronously). */
  abortsInFlight: boolean;
  cleanup(): void;
}

const tempDirs: string[] = [];

export const BACKENDS: Backend[] = [
  {
    name: 'memory://',
    async connectionStrings() {
      const bucket = `conformance-${randomBytes(6).toString('hex')}`;
      return [`memory://${bucket}/db1`, `memory://${bucket}/db2`];
    },
    listsInS3Order: true,
    abortsInFlight: false,
    cleanup() {},
  },
  {
    name: 'file://',
    async connectionStrings() {
      const dir = mkdtempSync(join(tmpdir(), 's3lite-conformance-'));
      tempDirs.push(dir);
      return [`file://${dir}/db1`, `file://${dir}/db2`];
    },
    listsInS3Order: true,
    abortsInFlight: true,
    cleanup() {
      for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  },
  {
    name: 's3rver',
    async connectionStrings() {
      const first = await s3rverConnectionString('db1');
      return [first, first.replace(/\/db1$/, '/db2')];
    },
    // s3rver walks its data directory: `a/b` comes before `a-c` and `a`, and pages can skip keys.
    listsInS3Order: false,
    abortsInFlight: true,
    cleanup() {},
  },
];

export async function openStore(backend: Backend): Promise<ObjectStore> {
  const [first] = await backend.connectionStrings();
  return createClient(first, { logger: { warn() {} } });
}

/** Writes `keys` with a few requests in flight at once. */
export async function putMany(store: ObjectStore, keys: string[], concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      await store.putObject({ key, body: key });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
