/**
 * Issue 12 item 3: no part of a credential (key id, secret) appears in any
 * message, cause, stack, util.inspect() or JSON form of an error: a real
 * s3rver answering 403 to an unknown key id (s3rver checks no signature, so
 * the echo of a signed request is checked on a built SDK-shaped error),
 * credentials of a connection string against a closed port, and the docs
 * layer on top.
 */
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { createClient, type ObjectStore } from '../../src/storage/index.js';
import { scrubError } from '../../src/storage/credential-scrub.js';
import { S3db } from '../../src/index.js';
import { s3rverConnectionString } from '../helpers/s3rver.js';

const KEY_ID = 'AKIAQ7XZ3KWRONG4TEST';
const SECRET = 'wR0ng/Secret+Value_d8f7a6s5d4f3g2h1j0kQ';

/** Every 6-character piece of each credential: none may appear anywhere. */
function fragments(...credentials: string[]): string[] {
  const out = new Set<string>();
  for (const c of credentials) {
    for (const form of [c, encodeURIComponent(c)]) for (let i = 0; i + 6 <= form.length; i++) out.add(form.slice(i, i + 6));
  }
  return [...out];
}

/** Every form a caller, a logger or a crash report may render an error in. */
function everyForm(err: unknown): string {
  const forms: string[] = [inspect(err, { depth: Infinity, showHidden: true }), inspect(err), String(err)];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    const e = current as Error & Record<string, unknown>;
    forms.push(String(e.message), String(e.stack), JSON.stringify(e));
    forms.push(JSON.stringify(Object.fromEntries(Object.getOwnPropertyNames(e).map((n) => [n, typeof e[n] === 'object' ? inspect(e[n], { depth: 4 }) : String(e[n])]))));
    current = e.cause;
  }
  return forms.join('\n');
}

function expectNoCredential(err: unknown, ...credentials: string[]): void {
  expect(err).toBeInstanceOf(Error);
  const text = everyForm(err);
  const leaked = fragments(...credentials).filter((f) => text.includes(f));
  expect(leaked, text.slice(0, 2000)).toEqual([]);
}

async function failures(store: ObjectStore): Promise<unknown[]> {
  const calls = [
    () => store.getObject({ key: 'k' }),
    () => store.putObject({ key: 'k', body: 'x' }),
    () => store.putObject({ key: 'k', body: 'x', ifNoneMatch: '*' }),
    () => store.headObject({ key: 'k' }),
    () => store.deleteObject({ key: 'k' }),
    () => store.copyObject({ from: 'k', to: 'k2' }),
    () => store.listObjects({}),
  ];
  const errors: unknown[] = [];
  for (const call of calls) errors.push(await call().then(() => undefined, (e: unknown) => e));
  return errors;
}

describe('credentials never appear in errors', () => {
  it('403 from a real s3rver for an unknown access key id: every operation, every form', async () => {
    const good = await s3rverConnectionString('db');
    const wrong = good.replace(/^http:\/\/[^@]+@/, `http://${KEY_ID}:${encodeURIComponent(SECRET)}@`);
    const store = createClient(wrong);
    try {
      const errors = await failures(store);
      expect(errors.filter((e) => (e as { statusCode?: number } | undefined)?.statusCode === 403).length).toBeGreaterThanOrEqual(5);
      for (const err of errors) expectNoCredential(err, KEY_ID, SECRET);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('the docs layer: connect() and reads through S3db with wrong connection-string credentials', async () => {
    const good = await s3rverConnectionString('db');
    const wrong = good.replace(/^http:\/\/[^@]+@/, `http://${KEY_ID}:${encodeURIComponent(SECRET)}@`);
    const db = new S3db({ connectionString: wrong, executorPool: { retries: 0 }, logLevel: 'silent' });
    const err = await db.connect().then(() => undefined, (e: unknown) => e);
    expectNoCredential(err, KEY_ID, SECRET);
  }, 60_000);

  it('connection-string credentials against a closed port (network error)', async () => {
    // Port 9 (discard) on localhost refuses connections.
    const store = createClient(`http://${KEY_ID}:${encodeURIComponent(SECRET)}@127.0.0.1:9/bucket/db`);
    try {
      for (const err of await failures(store)) expectNoCredential(err, KEY_ID, SECRET);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('scrubError: echoed fields, the signed request under $response and credential text in a cause chain', () => {
    const request = { headers: { authorization: `AWS4-HMAC-SHA256 Credential=${KEY_ID}/20261203/us-east-1/s3/aws4_request, Signature=abc123` } };
    const sdk = Object.assign(new Error(`The request signature we calculated does not match (key ${KEY_ID})`), {
      name: 'SignatureDoesNotMatch',
      Code: 'SignatureDoesNotMatch',
      AWSAccessKeyId: KEY_ID,
      StringToSign: `AWS4-HMAC-SHA256\n20261203T000000Z\n20261203/us-east-1/s3/aws4_request\n${'f'.repeat(64)}`,
      CanonicalRequest: `GET\n/bucket/k\nX-Amz-Credential=${encodeURIComponent(`${KEY_ID}/20261203`)}\n`,
      SignatureProvided: 'abc123',
      $metadata: { httpStatusCode: 403 },
      cause: new Error(`inner: secret ${SECRET} was used`),
    });
    Object.defineProperty(sdk, '$response', { value: { statusCode: 403, headers: { 'x-amz-request-id': 'r1' }, body: { req: request } }, enumerable: false, configurable: true });
    const scrubbed = scrubError(sdk, [KEY_ID, SECRET]);
    expectNoCredential(scrubbed, KEY_ID, SECRET);
    // What the retry policy and the error mapping read survives, and the class is kept.
    expect(scrubbed).toBeInstanceOf(Error);
    expect(scrubbed).toMatchObject({ name: 'SignatureDoesNotMatch', Code: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    expect((scrubbed as unknown as { $response: unknown }).$response).toEqual({ statusCode: 403, reason: undefined, headers: { 'x-amz-request-id': 'r1' } });
    expect(scrubbed.message).toBe('The request signature we calculated does not match (key ***)');
  });
});
