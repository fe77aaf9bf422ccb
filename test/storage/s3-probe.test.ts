/**
 * The S3 dialect probe: lazy (nothing written at connect, so read-only
 * credentials connect), graceful on 403, cached per endpoint, and S3Store
 * adapting to what it found. Runs on s3rver and on Ceph radosgw (skipped with
 * a printed reason where Ceph is not installed).
 */
import { PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { ConflictError, StorageError } from '../../src/core/errors.js';
import { S3db } from '../../src/docs/index.js';
import { createClient, S3Store } from '../../src/storage/index.js';
import {
  RGW_ACCESS_KEY,
  RGW_READER_ACCESS_KEY,
  RGW_READER_SECRET_KEY,
  RGW_READER_USER,
  RGW_SECRET_KEY,
  rgwConnectionString,
} from '../helpers/rgw.js';
import { s3rverConnectionString } from '../helpers/s3rver.js';

const skip = inject('rgwEndpoint') === '' ? inject('rgwSkipReason') : undefined;
if (skip !== undefined) console.info(`[rgw] skipped the RGW probe tests: ${skip}`);

const quiet = { warn() {} };

/** Records the HTTP method and path of every request the store sends. */
function recordRequests(store: S3Store): string[] {
  const log: string[] = [];
  store.client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method: string; path: string };
      log.push(`${request.method} ${decodeURIComponent(request.path)}`);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequests' },
  );
  return log;
}

const writes = (log: string[]) => log.filter((line) => !line.startsWith('GET ') && !line.startsWith('HEAD '));

describe('S3 dialect probe on s3rver', () => {
  it('connect() and reads write nothing; the first conditional write probes and finds that s3rver enforces no condition', async () => {
    const connectionString = await s3rverConnectionString('lazy');
    const store = createClient(connectionString, { logger: quiet }) as S3Store;
    const log = recordRequests(store);
    const warnings: string[] = [];
    const db = new S3db({ client: store, logger: { warn: (m) => warnings.push(m) } });
    await db.connect();
    expect(writes(log)).toEqual([]);
    expect(db.capabilities).toBeUndefined();
    const docs = await db.createResource({ name: 'docs', attributes: { a: 'string' } });
    expect(log.some((line) => line.includes('.s3lite-probe-'))).toBe(true);
    await docs.insert({ id: 'x', a: 'one' });
    expect(db.capabilities).toMatchObject({ conditionalWrites: false, conditionalDeletes: false, s3: { probed: true, ifMatch: 'ignored' } });
    await db.disconnect();
    await store.close();
  });
});

describe.skipIf(skip !== undefined)('S3 dialect probe on Ceph RGW', () => {
  // First on RGW in this file: the probe result is cached per endpoint for the process (here, this test file's worker).
  it('read-only credentials connect and read; their first write falls back on 403, says so once, and fails with the 403', async () => {
    const connectionString = await rgwConnectionString('shared');
    const url = new URL(connectionString);
    const bucket = url.pathname.split('/')[1]!;
    const admin = new S3Client({ region: 'us-east-1', endpoint: `http://${url.host}`, forcePathStyle: true, credentials: { accessKeyId: RGW_ACCESS_KEY, secretAccessKey: RGW_SECRET_KEY } });
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'shared/hello', Body: 'written by the owner' }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: [`arn:aws:iam:::user/${RGW_READER_USER}`] },
          Action: ['s3:GetObject', 's3:ListBucket'],
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        },
      ],
    };
    await admin.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    admin.destroy();

    const readOnly = connectionString.replace(`${RGW_ACCESS_KEY}:${RGW_SECRET_KEY}`, `${RGW_READER_ACCESS_KEY}:${RGW_READER_SECRET_KEY}`);
    const warnings: string[] = [];
    const reader = new S3db({ connectionString: readOnly, logger: { warn: (m) => warnings.push(m) } });
    try {
      await reader.connect();
      expect((await reader.client.getObject({ key: 'hello' })).body.toString()).toBe('written by the owner');
      expect(reader.capabilities).toBeUndefined();
      for (let i = 0; i < 2; i++) {
        const err = await reader.createResource({ name: 'docs', attributes: { a: 'string' } }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StorageError);
        expect((err as StorageError).statusCode).toBe(403);
      }
      expect(warnings.filter((w) => w.includes('could not write a probe object'))).toHaveLength(1);
      expect(reader.capabilities?.s3?.probed).toBe(false);
    } finally {
      await reader.disconnect();
    }
  });

  it('finds what RGW 16 does, and a second store on the endpoint reuses the result without probing', async () => {
    const first = createClient(await rgwConnectionString('one'), { logger: quiet }) as S3Store;
    const second = createClient(await rgwConnectionString('two'), { logger: quiet }) as S3Store;
    try {
      const capabilities = await first.probeCapabilities();
      expect(capabilities).toMatchObject({
        conditionalWrites: true,
        conditionalDeletes: false,
        metadataLimit: false,
        s3: { probed: true, ifNoneMatch: true, ifMatch: 'unquoted', conditionalDelete: false, copySourceIfMatch: 'x-amz-copy-if-match', copyEtagQuoted: false },
      });
      const log = recordRequests(second);
      expect(second.knownCapabilities()).toBeUndefined();
      await second.putObject({ key: 'k', body: 'v', ifNoneMatch: '*' });
      expect(log).toHaveLength(1);
      expect(second.knownCapabilities()).toEqual(capabilities);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('a race of If-Match writers on one version: one wins, every loser is a ConflictError (RGW answers many with 500)', async () => {
    const store = createClient(await rgwConnectionString('race'), { logger: quiet }) as S3Store;
    try {
      for (let round = 0; round < 3; round++) {
        const { etag } = await store.putObject({ key: 'hot', body: `start ${round}` });
        const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => store.putObject({ key: 'hot', body: `writer ${i}`, ifMatch: etag })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
      }
    } finally {
      await store.close();
    }
  });

  it('quotes the ETags RGW answers bare (CopyObject), so they compare equal to GET/HEAD ETags and work as ifMatch', async () => {
    const store = createClient(await rgwConnectionString('etag'), { logger: quiet }) as S3Store;
    try {
      const put = await store.putObject({ key: 'a', body: 'payload' });
      const copied = await store.copyObject({ from: 'a', to: 'b' });
      expect(copied.etag).toBe(put.etag);
      expect(copied.etag).toMatch(/^"[0-9a-f]{32}"$/);
      await store.putObject({ key: 'b', body: 'next', ifMatch: copied.etag });
      await expect(store.copyObject({ from: 'a', to: 'c', ifMatch: '"00000000000000000000000000000000"' })).rejects.toBeInstanceOf(ConflictError);
    } finally {
      await store.close();
    }
  });
});
