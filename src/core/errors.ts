/**
 * Typed errors shared by every part of s3lite.
 *
 * Every error extends {@link S3liteError} and carries a stable string `code`
 * that callers can switch on without parsing messages. Messages say what was
 * wrong and what to do about it, and never contain secrets: anything that may
 * hold credentials goes through {@link redact} first.
 */

/**
 * The stable `code` of every {@link S3liteError}, one per subclass:
 * `VALIDATION` ({@link ValidationError}), `NOT_FOUND`, `CONFLICT`, `CONSTRAINT`,
 * `METADATA_LIMIT`, `TIMEOUT`, `CONNECTION_STRING`, `STORAGE`, `ABORTED`,
 * `CLOSED`, `CONFIGURATION`, `ENCRYPTION`. Switch on it instead of parsing messages.
 */
export type S3liteErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CONSTRAINT'
  | 'METADATA_LIMIT'
  | 'TIMEOUT'
  | 'CONNECTION_STRING'
  | 'STORAGE'
  | 'ABORTED'
  | 'CLOSED'
  | 'CONFIGURATION'
  | 'ENCRYPTION';

/** The optional third argument of every s3lite error constructor. */
export interface S3liteErrorOptions {
  /**
   * The underlying failure (an AWS SDK error, an errno error…), kept as the
   * standard `error.cause`.
   * @default undefined — no `cause` property is set
   */
  cause?: unknown;
  /**
   * Structured context copied to `error.details`; must be safe to log (no secrets).
   * @default {}
   */
  details?: Record<string, unknown>;
}

/**
 * Base class of every error thrown by s3lite. `name` is the subclass name
 * (`'ConflictError'`…); messages say what was wrong and what to do, and never
 * contain credentials.
 *
 * @example
 * try {
 *   await users.get(id);
 * } catch (err) {
 *   if (isS3liteError(err, 'NOT_FOUND')) return undefined;
 *   throw err;
 * }
 */
export class S3liteError extends Error {
  /** Stable machine-readable kind of failure: see {@link S3liteErrorCode}. */
  readonly code: S3liteErrorCode;
  /** Structured context (key, field list, sizes…), safe to log. */
  readonly details: Record<string, unknown>;

  constructor(code: S3liteErrorCode, message: string, options: S3liteErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** One failing field of a {@link ValidationError}. */
export interface FieldError {
  /** Path of the failing field or option: `'email'`, `'address.city'`, `'autotune.maxConcurrency'`, `'metadata.x-id'`. */
  field: string;
  /** What is wrong with it, in words (`'expected an integer from 1 and up'`). */
  message: string;
  /** The rule that failed, for schema checks the fastest-validator rule type (`'required'`, `'stringMin'`, `'email'`…). Absent for option checks. */
  type?: string;
  /** What the rule wanted (a bound, a type name, the list of known options), when it says. */
  expected?: unknown;
  /** The value given; never set for secret or password fields. */
  actual?: unknown;
}

/** Input did not match a schema or an option's expected form. Lists every failing field. */
export class ValidationError extends S3liteError {
  /** Every failing field, in the order they were found; may be empty when the message alone says it. */
  readonly errors: FieldError[];

  constructor(message: string, errors: FieldError[] = [], options: S3liteErrorOptions = {}) {
    super('VALIDATION', message, options);
    this.errors = errors;
  }
}

/** A key, document, event or job that does not exist. */
export class NotFoundError extends S3liteError {
  constructor(message: string, options: S3liteErrorOptions = {}) {
    super('NOT_FOUND', message, options);
  }
}

/** A precondition failed: ETag changed, object already exists, stream not at the expected version. */
export class ConflictError extends S3liteError {
  constructor(message: string, options: S3liteErrorOptions = {}) {
    super('CONFLICT', message, options);
  }
}

/** A database constraint (UNIQUE, NOT NULL, CHECK, FOREIGN KEY) refused a write; nothing of it was kept. */
export class ConstraintError extends S3liteError {
  constructor(message: string, options: S3liteErrorOptions = {}) {
    super('CONSTRAINT', message, options);
  }
}

/** User metadata is over the object store's limit (2 KB on S3). Nothing was written. */
export class MetadataLimitError extends S3liteError {
  /** Size of the refused metadata in bytes (UTF-8 of every key and value, as AWS counts); `NaN` when S3 refused a copy whose kept metadata was not measured. */
  readonly size: number;
  /** The limit that was exceeded, in bytes: 2048 (S3's, `METADATA_LIMIT_BYTES`) unless the database was configured with another. */
  readonly limit: number;

  constructor(message: string, size: number, limit: number, options: S3liteErrorOptions = {}) {
    super('METADATA_LIMIT', message, { ...options, details: { size, limit, ...options.details } });
    this.size = size;
    this.limit = limit;
  }
}

/** An attempt took longer than its timeout; its AbortSignal was aborted. */
export class TimeoutError extends S3liteError {
  /** The timeout that ran out, in ms. */
  readonly timeout: number;

  constructor(message: string, timeout: number, options: S3liteErrorOptions = {}) {
    super('TIMEOUT', message, { ...options, details: { timeout, ...options.details } });
    this.timeout = timeout;
  }
}

/** The caller aborted the operation through its AbortSignal. */
export class AbortError extends S3liteError {
  constructor(message = 'The operation was aborted by its signal', options: S3liteErrorOptions = {}) {
    super('ABORTED', message, options);
  }
}

/** The component (pool, queue, database) was closed; the work was not run. */
export class ClosedError extends S3liteError {
  constructor(message: string, options: S3liteErrorOptions = {}) {
    super('CLOSED', message, options);
  }
}

/** A connection string could not be parsed. The message never echoes credentials. */
export class ConnectionStringError extends S3liteError {
  constructor(message: string, options: S3liteErrorOptions = {}) {
    super('CONNECTION_STRING', message, options);
  }
}

/** Options or definitions that cannot work together (caught at construction, not at first use). */
export class ConfigurationError extends S3liteError {
  constructor(message: string, options: S3liteErrorOptions = {}) {
    super('CONFIGURATION', message, options);
  }
}

/** Decryption failed: wrong passphrase or tampered ciphertext. Never returns the ciphertext instead. */
export class EncryptionError extends S3liteError {
  constructor(message: string, options: S3liteErrorOptions = {}) {
    super('ENCRYPTION', message, options);
  }
}

/** A backend failure that is none of the above; `retryable` says whether trying again may help. */
export class StorageError extends S3liteError {
  /** True for transient failures (HTTP 429/5xx, network resets, EMFILE…): the executor pool retries these. */
  readonly retryable: boolean;
  /** HTTP status of the failed request when there was one (S3); undefined otherwise (file://, SQLite, network errors). */
  readonly statusCode: number | undefined;

  constructor(
    message: string,
    options: S3liteErrorOptions & { retryable?: boolean; statusCode?: number } = {},
  ) {
    super('STORAGE', message, options);
    this.retryable = options.retryable ?? false;
    this.statusCode = options.statusCode;
  }
}

/** True when `err` is an s3lite error, optionally of the given code. */
export function isS3liteError(err: unknown, code?: S3liteErrorCode): err is S3liteError {
  return err instanceof S3liteError && (code === undefined || err.code === code);
}

const CREDENTIALS_IN_URL = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i;
const SECRET_PARAMS = /([?&](?:secret|secretAccessKey|accessKeyId|password|token|sessionToken|key)=)[^&#]*/gi;

/**
 * Removes credentials from a connection string or URL-like text so it can go
 * into an error message or a log line.
 *
 * @example
 * redact('s3://AKIA:s3cr3t@bucket/prefix') // 's3://***@bucket/prefix'
 */
export function redact(text: string): string {
  return text.replace(CREDENTIALS_IN_URL, '$1***@').replace(SECRET_PARAMS, '$1***');
}
