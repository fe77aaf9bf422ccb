/**
 * The backends the storage conformance suite runs on, with what each is
 * expected to do where real backends differ (Kysely style: one table).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import { createClient, type ObjectStore, type StoreCapabilities } from '../../src/storage/index.js';
import { rgwConnectionString } from '../helpers/rgw.js';
import { s3rverConnectionString } from '../helpers/s3rver.js';

export interface Backend {
  name: string;
  /** Connection strings of two stores in one bucket (or directory tree) under different prefixes. */
  connectionStrings(): Promise<[string, string]>;
  /** Lists keys that are prefixes of each other (`a`, `a-c`, `a/b`) in S3 order. */
  listsInS3Order: boolean;
  /** An abort after the request started still cancels it (memory:// finishes synchronously). */
  abortsInFlight: boolean;
  /** What the probe must find on this server: what it enforces and what it does not. */
  capabilities: StoreCapabilities;
  /** Why this backend cannot run here (printed when its row is skipped), or undefined. */
  skipReason?(): string | undefined;
  cleanup(): void;
}

const LOCAL_CAPABILITIES: StoreCapabilities = { conditionalWrites: true, conditionalDeletes: true, metadataLimit: true };

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
    capabilities: LOCAL_CAPABILITIES,
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
    capabilities: LOCAL_CAPABILITIES,
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
    // s3rver enforces no condition at all and takes any metadata size.
    capabilities: {
      conditionalWrites: false,
      conditionalDeletes: false,
      metadataLimit: false,
      s3: {
        probed: true,
        ifNoneMatch: false,
        ifMatch: 'ignored',
        conditionalDelete: false,
        copySourceIfMatch: 'none',
        metadataLimit: false,
        copyEtagQuoted: true,
        raceAnswers500: false,
      },
    },
    cleanup() {},
  },
  {
    name: 'Ceph RGW',
    async connectionStrings() {
      const first = await rgwConnectionString('db1');
      return [first, first.replace(/\/db1$/, '/db2')];
    },
    skipReason() {
      return inject('rgwEndpoint') === '' ? inject('rgwSkipReason') : undefined;
    },
    listsInS3Order: true,
    abortsInFlight: true,
    // Ceph 16.2 (Debian 12): enforces If-None-Match and If-Match, but If-Match only in the bare hex form; ignores
    // If-Match on DELETE (S3Store checks with a HEAD just before); reads x-amz-copy-if-match, not
    // x-amz-copy-source-if-match; answers CopyObject ETags unquoted; accepts ~15 KB of user metadata; answers
    // most losers of an If-Match race with 500 (whether the 8-writer probe race saw one is not asserted).
    capabilities: {
      conditionalWrites: true,
      conditionalDeletes: false,
      metadataLimit: false,
      s3: {
        probed: true,
        ifNoneMatch: true,
        ifMatch: 'unquoted',
        conditionalDelete: false,
        copySourceIfMatch: 'x-amz-copy-if-match',
        metadataLimit: false,
        copyEtagQuoted: false,
        raceAnswers500: expect.any(Boolean) as unknown as boolean,
      },
    },
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
