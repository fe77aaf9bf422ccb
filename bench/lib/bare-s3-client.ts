/**
 * The bare AWS SDK client the benches compare our stores against: same agent
 * settings as S3Store, SDK retries off, checksums only when required (s3rver);
 * s3rver's credentials unless others are given (RGW).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createAgent } from '../../src/storage/http-client-options.js';
import { resolveHttpClientOptions } from '../../src/storage/index.js';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY } from '../../test/helpers/s3rver.js';

export function bareS3Client(
  endpoint: string,
  concurrency: number,
  credentials = { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_SECRET_KEY },
): S3Client {
  const agent = createAgent('http:', resolveHttpClientOptions({}, concurrency, console));
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ httpAgent: agent, requestTimeout: 60_000 }),
  });
}
