import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real S3 server (s3rver) for the whole run; see test/helpers/s3rver.ts.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep file-level parallelism modest so timing-sensitive tests stay stable.
    maxWorkers: 2,
  },
});
