/**
 * Learns an S3 server's dialect (s3-dialect.ts) by trying each rule on
 * throw-away keys under the store's prefix: what it does, not what it claims.
 * 20 to 60 requests, run on the first conditional write (never at connect, so
 * read-only credentials can connect) and cached per endpoint for the process.
 * The If-None-Match and If-Match steps must get clear answers (else the
 * probe fails and the next write tries again); the optional features (copy
 * condition, conditional DELETE, metadata limit) fall back to "not enforced"
 * on an unexpected answer, which S3Store handles safely (with a HEAD check).
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { StorageError } from '../core/errors.js';
import { encodeCopySource } from './copy-source.js';
import { METADATA_LIMIT_BYTES } from './object-store.js';
import { AWS_DIALECT, quoteEtag, type S3Dialect } from './s3-dialect.js';
import { mapS3Error } from './s3-errors.js';

/** Concurrent If-Match PUTs of one version per race round; RGW answered 500 to most losers at 4 and up, but not every time. */
const RACERS = 12;
const RACE_ROUNDS = 3;
const STALE_ETAG = '"00000000000000000000000000000000"';

export interface ProbeTarget {
  client: S3Client;
  bucket: string;
  prefix: string;
}

type Outcome = { ok: true; etag: string } | { ok: false; status: number | undefined; name: string; err: unknown };

async function attempt(send: () => Promise<{ etag?: string }>): Promise<Outcome> {
  try {
    const { etag } = await send();
    return { ok: true, etag: quoteEtag(etag ?? '') };
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return { ok: false, status: e.$metadata?.httpStatusCode, name: e.name ?? '', err };
  }
}

const refused = (outcome: Outcome) => !outcome.ok && (outcome.status === 412 || outcome.status === 409);

export async function probeS3Dialect(target: ProbeTarget): Promise<S3Dialect> {
  const { client, bucket } = target;
  const base = `${target.prefix}.s3lite-probe-${randomBytes(8).toString('hex')}`;
  const key = base;
  const copy = `${base}-copy`;
  // A probe step without a clear answer: the write that needed the probe fails (retryable when the cause is), nothing is cached.
  const fail = (operation: string, outcome: Outcome): never => {
    const cause = (outcome as { err: unknown }).err;
    const mapped = mapS3Error(cause, { operation, key, bucket, signal: undefined });
    throw new StorageError(`The capability probe of ${bucket}/${target.prefix} got an unexpected answer: ${mapped.message}`, {
      cause,
      retryable: mapped instanceof StorageError && mapped.retryable,
      statusCode: (outcome as { status?: number }).status,
    });
  };
  const put = (Key: string, Body: string, extra: { IfMatch?: string; IfNoneMatch?: string; Metadata?: Record<string, string> } = {}) =>
    attempt(async () => ({ etag: (await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ...extra }))).ETag }));
  const copyWith = (header: S3Dialect['copySourceIfMatch'] | undefined, etag: string) =>
    attempt(async () => {
      const command = new CopyObjectCommand({
        Bucket: bucket,
        Key: copy,
        CopySource: `${bucket}/${encodeCopySource(key)}`,
        CopySourceIfMatch: header === 'x-amz-copy-source-if-match' ? etag : undefined,
      });
      if (header === 'x-amz-copy-if-match') addHeader(command, header, etag);
      return { etag: (await client.send(command)).CopyObjectResult?.ETag };
    });

  try {
    const created = await put(key, 'probe', { IfNoneMatch: '*' });
    if (!created.ok) {
      if (created.status === 403) return { ...AWS_DIALECT };
      fail('PUT', created);
    }
    let etag = (created as { etag: string }).etag;

    const again = await put(key, 'probe again', { IfNoneMatch: '*' });
    if (!again.ok && !refused(again)) fail('PUT', again);
    const ifNoneMatch = refused(again);
    if (again.ok) etag = again.etag;

    // If-Match: the current ETag in each form must pass, a stale one must not.
    let ifMatch: S3Dialect['ifMatch'] = 'unusable';
    for (const form of ['quoted', 'unquoted'] as const) {
      const value = form === 'quoted' ? etag : etag.slice(1, -1);
      const current = await put(key, `probe ${form}`, { IfMatch: value });
      if (!current.ok) {
        if (!refused(current)) fail('PUT', current);
        continue;
      }
      etag = current.etag;
      const stale = await put(key, 'probe stale', { IfMatch: form === 'quoted' ? STALE_ETAG : STALE_ETAG.slice(1, -1) });
      if (stale.ok) {
        etag = stale.etag;
        ifMatch = 'ignored';
      } else {
        if (!refused(stale)) fail('PUT', stale);
        ifMatch = form;
      }
      break;
    }

    // A race of If-Match PUTs on one version: exactly one wins; what do the losers get?
    let raceAnswers500 = false;
    if (ifMatch === 'quoted' || ifMatch === 'unquoted') {
      for (let round = 0; round < RACE_ROUNDS && !raceAnswers500; round++) {
        const value = ifMatch === 'quoted' ? etag : etag.slice(1, -1);
        const racers = await Promise.all(Array.from({ length: RACERS }, (_, i) => put(key, `racer ${round} ${i}`, { IfMatch: value })));
        raceAnswers500 = racers.some((outcome) => !outcome.ok && outcome.status === 500);
        const winner = racers.find((outcome) => outcome.ok);
        if (!winner?.ok) break;
        etag = winner.etag;
      }
    }

    // CopyObject conditional on the source: the standard header first, then RGW's.
    let copySourceIfMatch: S3Dialect['copySourceIfMatch'] = 'none';
    let copyEtagQuoted = true;
    for (const header of ['x-amz-copy-source-if-match', 'x-amz-copy-if-match'] as const) {
      const stale = await copyWith(header, STALE_ETAG);
      if (!refused(stale)) continue;
      const current = await copyWith(header, etag);
      if (!current.ok) continue;
      copySourceIfMatch = header;
      break;
    }
    await attempt(async () => {
      const output = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: copy, CopySource: `${bucket}/${encodeCopySource(key)}` }));
      copyEtagQuoted = (output.CopyObjectResult?.ETag ?? '"').startsWith('"');
      return { etag: output.CopyObjectResult?.ETag };
    });

    // DELETE with a stale If-Match, in the form PUT accepts.
    const staleDelete = await attempt(async () => {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: copy, IfMatch: ifMatch === 'unquoted' ? STALE_ETAG.slice(1, -1) : STALE_ETAG }));
      return {};
    });
    const conditionalDelete = refused(staleDelete);

    // One byte over: key "x" (1) + value (2048) = 2049.
    const big = await put(key, '', { Metadata: { x: 'a'.repeat(METADATA_LIMIT_BYTES) } });
    const metadataLimit = !big.ok && big.status === 400;

    return { probed: true, ifNoneMatch, ifMatch, conditionalDelete, copySourceIfMatch, metadataLimit, copyEtagQuoted, raceAnswers500 };
  } finally {
    await Promise.all(
      [key, copy].map((Key) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key })).catch(() => undefined)),
    );
  }
}

/** Sets a header the SDK has no parameter for (RGW's `x-amz-copy-if-match`), before signing. */
export function addHeader(command: { middlewareStack: { add: (...args: never[]) => void } }, name: string, value: string): void {
  const add = command.middlewareStack.add as (
    middleware: (next: (args: unknown) => Promise<unknown>) => (args: { request: { headers: Record<string, string> } }) => Promise<unknown>,
    options: { step: 'build'; name: string },
  ) => void;
  add(
    (next) => async (args) => {
      args.request.headers[name] = value;
      return next(args);
    },
    { step: 'build', name: `s3lite-${name}` },
  );
}

const cache = new Map<string, Promise<S3Dialect>>();

/**
 * The dialect of `endpoint`, probed once per process. A failed probe (network,
 * 5xx) is forgotten so the next write tries again; a 403 fallback is not
 * cached either (other credentials on the same endpoint may write).
 */
export function cachedDialect(endpoint: string, probe: () => Promise<S3Dialect>): Promise<S3Dialect> {
  let pending = cache.get(endpoint);
  if (pending === undefined) {
    pending = probe().then(
      (dialect) => {
        if (!dialect.probed) cache.delete(endpoint);
        return dialect;
      },
      (err: unknown) => {
        cache.delete(endpoint);
        throw err;
      },
    );
    cache.set(endpoint, pending);
  }
  return pending;
}
