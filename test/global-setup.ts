/**
 * Starts the real S3 servers for the whole test run and hands their
 * endpoints to test files through vitest's provide/inject: s3rver (no
 * conditional writes) and, in parallel, Ceph radosgw (enforces them).
 * Test files get a fresh bucket with `s3rverConnectionString()` from
 * test/helpers/s3rver.ts and `rgwConnectionString()` from test/helpers/rgw.ts.
 */
import type { TestProject } from 'vitest/node';
import { startS3rver } from './helpers/s3rver.js';
import { needsRgw, startRgw, rgwUnavailableReason } from './helpers/rgw.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:PORT` of the s3rver started for this run. */
    s3rverEndpoint: string;
    /** `http://127.0.0.1:PORT` of the radosgw started for this run, or '' (see rgwSkipReason). */
    rgwEndpoint: string;
    /** Why there is no radosgw in this run ('' when there is). */
    rgwSkipReason: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const filters = (project.vitest as { filenamePattern?: string[] }).filenamePattern;
  const rgwReason = needsRgw(filters) ? rgwUnavailableReason() : 'none of the selected test files uses it';
  if (rgwReason !== undefined && process.env.CI === 'true' && needsRgw(filters)) throw new Error(`CI=true but radosgw cannot run: ${rgwReason}`);
  const [server, rgw] = await Promise.all([startS3rver(), rgwReason === undefined ? startRgw() : undefined]);
  project.provide('s3rverEndpoint', server.endpoint);
  project.provide('rgwEndpoint', rgw?.endpoint ?? '');
  project.provide('rgwSkipReason', rgwReason ?? '');
  if (rgw) console.info(`[rgw] Ceph radosgw started in ${(rgw.startMs / 1000).toFixed(1)} s at ${rgw.endpoint}`);
  else if (rgwReason !== 'none of the selected test files uses it') console.info(`[rgw] RGW tests skip: ${rgwReason}`);
  return async () => {
    await Promise.all([server.stop(), rgw?.stop()]);
  };
}
