/**
 * What only the s3:// / http(s):// store does: error mapping to typed errors
 * with `retryable`, agent settings reaching the sockets, no socket leaks.
 * Runs against the real s3rver and against tiny local HTTP servers that
 * answer like S3 does when it fails (503 SlowDown, 403…).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, StorageError } from '../../src/core/errors.js';
import { createClient, type ObjectStore } from '../../src/storage/index.js';
import { s3rverConnectionString } from '../helpers/s3rver.js';

const quiet = { warn() {} };
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

function track(store: ObjectStore): ObjectStore {
  cleanups.push(() => store.close());
  return store;
}

/** A local HTTP server standing in for S3; counts the TCP connections it accepts. */
async function fakeS3(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return { url: `http://k:s@127.0.0.1:${(server.address() as AddressInfo).port}/bucket`, sockets };
}

function s3ErrorXml(res: ServerResponse, status: number, code: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/xml', ...headers });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} from fake</Message><RequestId>1</RequestId></Error>`);
}

describe('S3Store errors', () => {
  it('maps a missing bucket to a non-retryable StorageError, not NotFoundError', async () => {
    const cs = await s3rverConnectionString('p');
    const store = track(createClient(cs.replace(/\/t-[^/]+\//, '/no-such-bucket-here/'), { logger: quiet }));
    const err = await store.getObject({ key: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).not.toBeInstanceOf(NotFoundError);
    expect((err as StorageError).retryable).toBe(false);
    expect((err as StorageError).statusCode).toBe(404);
    expect((err as Error).message).toContain('does not exist');
  });

  it('maps a refused connection to a retryable StorageError', async () => {
    const { url } = await fakeS3((_req, res) => res.end());
    const port = Number(/:(\d+)\//.exec(url)![1]);
    await Promise.all(cleanups.splice(0).map((fn) => fn())); // close the server: nothing listens on `port` now
    const store = track(createClient(`http://k:s@127.0.0.1:${port}/bucket`, { logger: quiet }));
    const err = await store.headObject({ key: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).retryable).toBe(true);
    expect((err as StorageError).statusCode).toBeUndefined();
  });

  it.each([
    [503, 'SlowDown', true],
    [500, 'InternalError', true],
    [429, 'TooManyRequests', true],
    [403, 'AccessDenied', false],
    [400, 'InvalidArgument', false],
  ])('maps HTTP %i %s to StorageError with retryable=%s', async (status, code, retryable) => {
    const { url } = await fakeS3((_req, res) => s3ErrorXml(res, status, code));
    const store = track(createClient(url, { logger: quiet }));
    const err = await store.putObject({ key: 'x', body: 'y' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({ statusCode: status, retryable });
  });

  it('maps 412 PreconditionFailed to ConflictError and If-Match on a missing key (404) to ConflictError', async () => {
    // The capability probe's throw-away keys get plain answers; every conditional write of the test is refused.
    const { url } = await fakeS3((req, res) => {
      if (req.url?.includes('.s3lite-probe-')) return void res.writeHead(200, { etag: '"p"' }).end();
      return req.headers['if-match'] === '"gone"' ? s3ErrorXml(res, 404, 'NoSuchKey') : s3ErrorXml(res, 412, 'PreconditionFailed');
    });
    const store = track(createClient(url, { logger: quiet }));
    await expect(store.putObject({ key: 'x', body: 'y', ifNoneMatch: '*' })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.putObject({ key: 'x', body: 'y', ifMatch: '"gone"' })).rejects.toBeInstanceOf(ConflictError);
  });

  it('a 500 to a conditional PUT is a ConflictError when a HEAD shows the object changed (a lost race, as RGW answers), else a retryable StorageError', async () => {
    let current = '"v1"';
    const { url } = await fakeS3((req, res) => {
      if (req.url?.includes('.s3lite-probe-')) return void res.writeHead(200, { etag: '"p"' }).end();
      if (req.method === 'HEAD') return void res.writeHead(200, { etag: current, 'content-length': '0' }).end();
      s3ErrorXml(res, 500, 'UnknownError');
    });
    const store = track(createClient(url, { logger: quiet }));
    const unchanged = await store.putObject({ key: 'x', body: 'y', ifMatch: '"v1"' }).catch((e: unknown) => e);
    expect(unchanged).toBeInstanceOf(StorageError);
    expect((unchanged as StorageError).retryable).toBe(true);
    current = '"v2"';
    await expect(store.putObject({ key: 'x', body: 'y', ifMatch: '"v1"' })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.putObject({ key: 'x', body: 'y', ifNoneMatch: '*' })).rejects.toBeInstanceOf(ConflictError);
    // Unconditional writes are not second-guessed.
    const plain = await store.putObject({ key: 'x', body: 'y' }).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(StorageError);
  });

  it('sends If-None-Match and If-Match headers on conditional writes', async () => {
    const seen: (string | undefined)[][] = [];
    const { url } = await fakeS3((req, res) => {
      // The capability probe's requests (on its own throw-away keys) are not what this test checks.
      if (!req.url?.includes('.s3lite-probe-')) seen.push([req.headers['if-none-match'] as string | undefined, req.headers['if-match'] as string | undefined]);
      res.writeHead(200, { etag: '"e"' }).end();
    });
    const store = track(createClient(url, { logger: quiet }));
    await store.putObject({ key: 'a', body: '1', ifNoneMatch: '*' });
    await store.putObject({ key: 'a', body: '2', ifMatch: '"e"' });
    expect(seen).toEqual([
      ['*', undefined],
      [undefined, '"e"'],
    ]);
  });
});

describe('S3Store HTTP agent', () => {
  it('opens at most maxSockets connections and reuses them (keepAlive)', async () => {
    const { url, sockets } = await fakeS3((_req, res) => setTimeout(() => res.writeHead(200, { etag: '"e"' }).end(), 5));
    const store = track(createClient(url, { concurrency: 4, httpClientOptions: { maxSockets: 4 }, logger: quiet }));
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.putObject({ key: `k${i}`, body: 'x' })));
    expect(sockets.size).toBeLessThanOrEqual(4);
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.putObject({ key: `k${i}`, body: 'x' })));
    expect(sockets.size).toBeLessThanOrEqual(4);
  });

  it('opens a new connection per request when keepAlive is false', async () => {
    const { url, sockets } = await fakeS3((_req, res) => res.writeHead(200, { etag: '"e"' }).end());
    const store = track(createClient(url, { httpClientOptions: { keepAlive: false }, logger: quiet }));
    for (let i = 0; i < 5; i++) await store.putObject({ key: `k${i}`, body: 'x' });
    expect(sockets.size).toBe(5);
  });

  it('releases every socket: 30 mixed requests through one socket all complete (bodies consumed, 404s included)', async () => {
    const cs = await s3rverConnectionString('leak');
    const store = track(createClient(cs, { concurrency: 1, httpClientOptions: { maxSockets: 1 }, logger: quiet }));
    await store.putObject({ key: 'present', body: Buffer.alloc(256 * 1024, 1) });
    for (let i = 0; i < 10; i++) {
      expect((await store.getObject({ key: 'present' })).body.length).toBe(256 * 1024);
      await expect(store.getObject({ key: 'absent' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.headObject({ key: 'absent' })).rejects.toBeInstanceOf(NotFoundError);
    }
  });
});
