/**
 * Starts one real S3 server (s3rver) for the whole test run and hands its
 * endpoint to test files through vitest's provide/inject.
 * Test files get a fresh bucket with `s3rverConnectionString()` from
 * test/helpers/s3rver.ts.
 */
import type { TestProject } from 'vitest/node';
import { startS3rver } from './helpers/s3rver.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:PORT` of the s3rver started for this run. */
    s3rverEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startS3rver();
  project.provide('s3rverEndpoint', server.endpoint);
  return () => server.stop();
}
