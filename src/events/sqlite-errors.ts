/**
 * Turns better-sqlite3 failures into typed errors that say what to do:
 * a lock held too long, a file that is not a database, a full disk.
 */
import { S3liteError, StorageError } from '../core/errors.js';

interface SqliteLikeError {
  code?: unknown;
  message?: unknown;
}

function sqliteCode(err: unknown): string {
  const code = (err as SqliteLikeError | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** Wraps a SQLite failure during `action` on `file`; typed errors pass through unchanged. */
export function sqliteError(err: unknown, action: string, file: string): S3liteError {
  if (err instanceof S3liteError) return err;
  const code = sqliteCode(err);
  const reason = err instanceof Error ? err.message : String(err);
  const details = { file, sqliteCode: code };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StorageError(
      `Could not ${action}: ${file} is locked by another connection (${reason}). Wait for the other writer to finish, raise \`busyTimeout\`, or close the other process.`,
      { cause: err, retryable: true, details },
    );
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StorageError(
      `Could not ${action}: ${file} is not a SQLite database or is corrupt (${reason}). Point \`dbName\` at an event store file, or restore it from a backup.`,
      { cause: err, retryable: false, details },
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new StorageError(
      `Could not ${action}: ${file} cannot be opened (${reason}). Check that the path exists and is writable.`,
      { cause: err, retryable: false, details },
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new StorageError(`Could not ${action}: ${file} is read-only (${reason}). Open it without \`init.readonly\` or fix its permissions.`, {
      cause: err,
      retryable: false,
      details,
    });
  }
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) {
    return new StorageError(`Could not ${action}: the disk under ${file} failed or is full (${reason}). Free space and retry.`, {
      cause: err,
      retryable: true,
      details,
    });
  }
  return new StorageError(`Could not ${action} on ${file}: ${reason}`, { cause: err, retryable: false, details });
}

/** True when a constraint error comes from the (stream, stream_version) unique index. */
export function isStreamVersionClash(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_CONSTRAINT_UNIQUE' && String((err as SqliteLikeError).message).includes('stream');
}
