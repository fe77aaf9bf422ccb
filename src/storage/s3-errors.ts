/**
 * Maps AWS SDK failures to s3lite's typed errors. The executor pool decides
 * what to retry from `retryable` first, so it is set here from the HTTP
 * status and the network error code.
 */
import { ConflictError, MetadataLimitError, NotFoundError, StorageError } from '../core/errors.js';
import { METADATA_LIMIT_BYTES, type ObjectMetadata } from './object-store.js';
import { metadataSize } from './metadata-rules.js';
import { abortError } from './request-signal.js';

interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
]);
const RETRYABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'SlowDown', 'InternalError', 'ServiceUnavailable', 'Throttling', 'ThrottlingException']);

export interface S3ErrorContext {
  operation: string;
  key: string;
  bucket: string;
  signal: AbortSignal | undefined;
  metadata?: ObjectMetadata;
}

export function mapS3Error(err: unknown, context: S3ErrorContext): Error {
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? e.Code ?? '';
  if (context.signal?.aborted || name === 'AbortError') return abortError(context.signal);
  const status = e.$metadata?.httpStatusCode;
  const where = `${context.operation} ${JSON.stringify(context.key)}`;
  const details = { key: context.key, statusCode: status, s3Code: name };

  if (name === 'NoSuchBucket') {
    return new StorageError(`${where} failed: bucket ${JSON.stringify(context.bucket)} does not exist. Create it first`, {
      cause: err,
      statusCode: status,
      retryable: false,
      details,
    });
  }
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') {
    return new NotFoundError(`No object at key ${JSON.stringify(context.key)} (${context.operation})`, { cause: err, details });
  }
  if (status === 412 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict') {
    return new ConflictError(`${where}: precondition failed, the object changed or already exists`, { cause: err, details });
  }
  if (name === 'MetadataTooLarge') {
    const size = context.metadata === undefined ? Number.NaN : metadataSize(context.metadata);
    return new MetadataLimitError(`${where}: user metadata is over S3's ${METADATA_LIMIT_BYTES}-byte limit. Move data to the body`, size, METADATA_LIMIT_BYTES, {
      cause: err,
      details,
    });
  }
  const networkCode = e.code;
  const retryable =
    status === 429 ||
    (status !== undefined && status >= 500) ||
    RETRYABLE_NAMES.has(name) ||
    (networkCode !== undefined && RETRYABLE_NETWORK_CODES.has(networkCode));
  const reason = status !== undefined ? `HTTP ${status} ${name}` : networkCode ?? name ?? 'error';
  return new StorageError(`${where} failed: ${reason}: ${e.message ?? String(err)}`, {
    cause: err,
    statusCode: status,
    retryable,
    details: { ...details, networkCode },
  });
}
