/**
 * Exit codes of the `s3lite` command. Scripts can rely on them:
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | success |
 * | 1 | failure: a storage or SQLite error, a failed check, anything unexpected |
 * | 2 | usage error: unknown command or option, bad argument, bad connection string, invalid data |
 * | 3 | not found: the document, resource or file does not exist |
 * | 4 | conflict: a write lost a race or an id already exists |
 */
import { S3liteError } from '../core/errors.js';

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  CONFLICT: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage mistake found by the CLI itself (not by the library). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code an error should end the process with. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.USAGE;
  if (error instanceof S3liteError) {
    switch (error.code) {
      case 'VALIDATION':
      case 'CONNECTION_STRING':
      case 'CONFIGURATION':
      case 'METADATA_LIMIT':
        return EXIT.USAGE;
      case 'NOT_FOUND':
        return EXIT.NOT_FOUND;
      case 'CONFLICT':
      case 'CONSTRAINT':
        return EXIT.CONFLICT;
      default:
        return EXIT.FAILURE;
    }
  }
  if ((error as { code?: unknown })?.code === 'ENOENT') return EXIT.NOT_FOUND;
  return EXIT.FAILURE;
}
