import { describe, expect, it } from 'vitest';
import { ConnectionStringError, ValidationError } from '../../src/core/errors.js';
import { createClient, FileStore, MemoryStore, S3Store } from '../../src/storage/index.js';

function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (message: string) => warnings.push(message) } };
}

describe('createClient', () => {
  it('returns the store the scheme names', async () => {
    expect(createClient('memory://b/p')).toBeInstanceOf(MemoryStore);
    expect(createClient('file:///tmp/s3lite-never-written')).toBeInstanceOf(FileStore);
    const s3 = createClient('s3://AKIA:secret@my-bucket/p?region=eu-west-1');
    expect(s3).toBeInstanceOf(S3Store);
    expect(await (s3 as S3Store).client.config.region()).toBe('eu-west-1');
    expect(s3.description).not.toContain('secret');
    await s3.close();
  });

  it('uses path style and the endpoint for http(s)://', async () => {
    const store = createClient('http://k:s@127.0.0.1:4569/bucket/db') as S3Store;
    expect(store.client.config.forcePathStyle).toBe(true);
    const endpoint = await store.client.config.endpoint!();
    expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:4569');
    expect(store.description).toBe('http://127.0.0.1:4569/bucket/db/');
    await store.close();
  });

  it('turns SDK retries off and checksums to WHEN_REQUIRED (the pool is the only retry layer)', async () => {
    const store = createClient('s3://bucket?region=us-east-1') as S3Store;
    expect(await store.client.config.maxAttempts()).toBe(1);
    expect(await store.client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await store.client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    await store.close();
  });

  it('defaults maxSockets to the pool concurrency without a warning', async () => {
    const { warnings, logger } = recordingLogger();
    const store = createClient('http://k:s@127.0.0.1:4569/bucket', { concurrency: 150, logger });
    expect(warnings).toEqual([]);
    await store.close();
  });

  it('warns once when an explicit maxSockets is below the pool concurrency', async () => {
    const { warnings, logger } = recordingLogger();
    const store = createClient('http://k:s@127.0.0.1:4569/bucket', { concurrency: 100, httpClientOptions: { maxSockets: 10 }, logger });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('maxSockets (10) is lower than');
    await store.close();
    const fromQuery = recordingLogger();
    await createClient('http://k:s@127.0.0.1:4569/bucket?maxSockets=20', { concurrency: 50, logger: fromQuery.logger }).close();
    expect(fromQuery.warnings).toHaveLength(1);
  });

  it('validates options up front', () => {
    expect(() => createClient('memory://b', { concurrency: 0 })).toThrow(ValidationError);
    expect(() => createClient('memory://b', { concurrency: 0 })).toThrow('Expected `concurrency` to be an integer from 1 and up, got `0` (number)');
    expect(() => createClient('memory://b', { httpClientOptions: { maxSockets: -1 } })).toThrow('httpClientOptions.maxSockets');
    expect(() => createClient('memory://b', { httpClientOptions: { keepAlive: 'yes' as unknown as boolean } })).toThrow('httpClientOptions.keepAlive');
    expect(() => createClient('memory://b', { httpClientOptions: { maxSocket: 5 } as never })).toThrow('httpClientOptions.maxSocket');
    expect(() => createClient('memory://b', { logger: {} as never })).toThrow('logger');
    expect(() => createClient('nope')).toThrow(ConnectionStringError);
  });
});
