/**
 * An HTTP proxy in front of s3rver for lost-response trials.
 *
 * - It enforces `If-None-Match: *` and `If-Match` on PUTs and DELETEs
 *   (s3rver ignores them) with a HEAD of the key before forwarding, as S3
 *   would answer: 412. Not atomic: enough for trials where one writer at a
 *   time touches a key.
 * - While `losing`, it forwards a PUT or DELETE, waits for s3rver's answer
 *   (the write took effect), then drops the connection instead of relaying
 *   the response, for a seeded share of them.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NotFoundError } from '../../src/core/errors.js';
import type { ObjectStore } from '../../src/storage/object-store.js';

export interface LossyProxy {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  losing: boolean;
  /** PUT and DELETE responses dropped so far. */
  readonly lost: number;
  close(): Promise<void>;
}

/**
 * @param upstream s3rver's `http://host:port`
 * @param bucketStore a store on s3rver's bucket without prefix, for the condition checks
 */
export async function startLossyProxy(upstream: string, bucket: string, bucketStore: ObjectStore, lossRate: number, random: () => number): Promise<LossyProxy> {
  const target = new URL(upstream);
  let lost = 0;
  const state = { losing: false };

  const forward = (req: IncomingMessage, res: ServerResponse, drop: boolean) => {
    const upstreamReq = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
      if (drop) {
        upstreamRes.resume();
        upstreamRes.on('end', () => {
          lost++;
          req.socket.destroy();
        });
        return;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    upstreamReq.on('error', () => req.socket.destroy());
    req.pipe(upstreamReq);
  };

  const server = createServer((req, res) => {
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    const isWrite = (req.method === 'PUT' && req.headers['x-amz-copy-source'] === undefined) || req.method === 'DELETE';
    if (!isWrite) return forward(req, res, false);
    const drop = state.losing && random() < lossRate;
    if (ifMatch === undefined && ifNoneMatch === undefined) return forward(req, res, drop);
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const key = decodeURIComponent(path.slice(`/${bucket}/`.length));
    bucketStore.headObject({ key }).then(
      (head) => head.etag,
      (err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      },
    ).then((etag) => {
      const unquote = (value: string) => value.replace(/^"|"$/g, '');
      const failed = (ifNoneMatch === '*' && etag !== undefined) || (typeof ifMatch === 'string' && (etag === undefined || unquote(etag) !== unquote(ifMatch)));
      if (!failed) return forward(req, res, drop);
      req.resume();
      res.writeHead(412, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>');
    }, () => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get losing() {
      return state.losing;
    },
    set losing(value: boolean) {
      state.losing = value;
    },
    get lost() {
      return lost;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
