import { S3liteError, redact } from '../core/errors.js';

/** One line for users; the stack only with --verbose. Credentials are always redacted. */
export function formatError(error: unknown, verbose: boolean): string {
  if (!(error instanceof Error)) return `s3lite: ${redact(String(error))}`;
  const code = error instanceof S3liteError ? ` [${error.code}]` : '';
  const text = verbose ? (error.stack ?? error.message) : error.message;
  return `s3lite${code}: ${redact(text)}`;
}
