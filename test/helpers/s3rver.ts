/**
 * A real S3 server for tests and benches: s3rver in a child process on a free
 * 127.0.0.1 port, its data in a temp dir.
 *
 * - vitest: test/global-setup.ts starts one per run and provides its endpoint;
 *   test files call {@link s3rverConnectionString} for a fresh bucket.
 * - bench (not vitest): call {@link startS3rver} and `stop()` it after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** s3rver accepts any signature made with these. */
export const S3RVER_ACCESS_KEY = 'S3RVER';
export const S3RVER_SECRET_KEY = 'S3RVER';

export interface RunningS3rver {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

function s3rverBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
}

/**
 * Spawns s3rver with `node --openssl-legacy-provider` (it signs continuation
 * tokens with DES) on port 0 and reads the port it bound from its banner.
 */
export async function startS3rver(): Promise<RunningS3rver> {
  const dataDir = mkdtempSync(join(tmpdir(), 's3lite-s3rver-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', s3rverBin(), '--directory', dataDir, '--address', '127.0.0.1', '--port', '0', '--silent'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let port: number;
  try {
    port = await waitForBanner(child);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function waitForBanner(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`s3rver did not start within 15 s. Output:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on [^:\s]+:(\d+)/.exec(output);
      if (match) {
        cleanup();
        // Keep draining so a full pipe never blocks the server.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null) => fail(new Error(`s3rver exited with code ${code}. Output:\n${output}`));
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Creates a bucket with a plain path-style PUT (s3rver does not check signatures on it). */
export function createS3rverBucket(endpoint: string, bucket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}/${bucket}`, { method: 'PUT' }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`creating bucket ${bucket}: HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** A bucket name that no other test uses. */
export function uniqueBucketName(): string {
  return `t-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The connection string of an already-created bucket on a running s3rver. */
export async function s3rverConnectionStringFor(endpoint: string, prefix = ''): Promise<string> {
  const bucket = uniqueBucketName();
  await createS3rverBucket(endpoint, bucket);
  const url = new URL(endpoint);
  const path = prefix === '' ? '' : `/${prefix.replace(/^\/+/, '')}`;
  return `http://${S3RVER_ACCESS_KEY}:${S3RVER_SECRET_KEY}@${url.host}/${bucket}${path}`;
}

/**
 * In a vitest test file: the connection string of a fresh, already-created
 * bucket on the s3rver started by test/global-setup.ts.
 *
 * @example
 * const cs = await s3rverConnectionString('db1'); // http://S3RVER:S3RVER@127.0.0.1:PORT/t-…/db1
 */
export async function s3rverConnectionString(prefix = ''): Promise<string> {
  const { inject } = await import('vitest');
  return s3rverConnectionStringFor(inject('s3rverEndpoint'), prefix);
}
