/**
 * s3db.js's Database options, translated to ours once, in the constructor:
 * `parallelism` is the pool's concurrency, `security.passphrase` is
 * `passphrase`, `verbose` and pino's level names pick a log level, and
 * `bucket`/`accessKeyId`/`secretAccessKey`/`region`/`endpoint` build the
 * connection string. Options that only tune s3db.js internals are checked and
 * kept as read-only properties (see the README's "Differences from s3db.js").
 */
import { invalidOption } from '../core/options.js';
import type { ExecutorPool, ExecutorPoolOptions } from '../core/executor-pool.js';
import { withoutS3dbPoolOptions } from '../core/tasks-pool.js';
import { isPlainObject } from './codec.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';

/** Options s3db.js users pass to `new S3db()`, accepted next to ours. */
export interface S3dbCompatOptions {
  /** Alias of `executorPool.concurrency` (s3db.js's older name); both given must agree; not with a shared ExecutorPool. @default undefined — the pool's concurrency (100) */
  parallelism?: number;
  /** `true` logs at `debug` (unless `logLevel` is given). @default false */
  verbose?: boolean;
  /** `{ passphrase, bcrypt: { rounds } }`: the same as top-level `passphrase` and `bcryptRounds` (a different `passphrase` next to it throws ValidationError). @default undefined */
  security?: { passphrase?: string; bcrypt?: { rounds?: number } };
  /** bcrypt cost of `password` attributes, 4-31. @default 10 */
  bcryptRounds?: number;
  /** The default of resources' `versioningEnabled` (keep replaced document versions readable). Schema versions are always kept. @default false */
  versioningEnabled?: boolean;
  /** Build the connection string from parts instead of `connectionString`: `s3://KEY:SECRET@bucket?region=…`, or `<endpoint>/bucket`. @default undefined */
  bucket?: string;
  /** With `bucket`: the region (`?region=` of the built connection string). @default undefined — `AWS_REGION`, else `AWS_DEFAULT_REGION`, else 'us-east-1' */
  region?: string;
  /** With `bucket`: the access key id (given together with `secretAccessKey`). @default undefined — the AWS SDK's default credential chain (environment, profile, instance role) */
  accessKeyId?: string;
  /** With `bucket`: the secret access key (given together with `accessKeyId`). @default undefined */
  secretAccessKey?: string;
  /** With `bucket`: an http(s):// URL of an S3-compatible server (MinIO, Ceph RGW, …). @default undefined — AWS S3 */
  endpoint?: string;
  /** With `bucket`: path-style requests (`host/bucket/key`). @default false */
  forcePathStyle?: boolean;
  /** Accepted and kept as `db.deferMetadataWrites`: s3lite writes `s3db.json` conditionally and at once (never deferred). @default false */
  deferMetadataWrites?: boolean;
  /** Accepted (0-3600000 ms) and ignored, as `deferMetadataWrites`. @default 100 */
  metadataWriteDelay?: number;
  /** Kept as `db.taskExecutorMonitoring`; the pool's figures are always in `db.executorPool.stats()`. @default null */
  taskExecutorMonitoring?: Record<string, unknown> | null;
  /** s3db.js's older name of `executorPool` (not with it). @default undefined */
  operationsPool?: ExecutorPoolOptions;
  /** Accepted (a boolean): validation is always strict. @default true */
  strictValidation?: boolean;
  /** Accepted (a boolean), changes nothing. @default false */
  strictHooks?: boolean;
}

export const COMPAT_OPTION_NAMES = [
  'parallelism',
  'verbose',
  'security',
  'bcryptRounds',
  'versioningEnabled',
  'bucket',
  'region',
  'accessKeyId',
  'secretAccessKey',
  'endpoint',
  'forcePathStyle',
  'deferMetadataWrites',
  'metadataWriteDelay',
  'taskExecutorMonitoring',
  'operationsPool',
  'strictValidation',
  'strictHooks',
] as const;

/** pino's level names (s3db.js logs through pino) mapped to ours. */
const LEVEL_ALIASES: Record<string, LogLevel> = { trace: 'debug', fatal: 'error' };

export interface ResolvedCompat {
  connectionString: string | undefined;
  executorPool: ExecutorPoolOptions | ExecutorPool | undefined;
  passphrase: string | undefined;
  logLevel: LogLevel;
  bcryptRounds: number;
  versioningEnabled: boolean;
  deferMetadataWrites: boolean;
  metadataWriteDelay: number;
  taskExecutorMonitoring: Readonly<Record<string, unknown>> | null;
}

interface Input extends S3dbCompatOptions {
  connectionString?: string;
  executorPool?: ExecutorPoolOptions | ExecutorPool;
  passphrase?: string;
  logLevel?: string;
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, 'a boolean', value);
  return value;
}

function integer(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalidOption(name, `an integer from ${min} to ${max}`, value);
  return value;
}

function text(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidOption(name, 'a non-empty string', name.toLowerCase().includes('secret') ? '(hidden)' : value);
  return value;
}

/** Translates the s3db.js spellings in `options` to s3lite's; throws ValidationError naming a bad one. */
export function resolveCompatOptions(options: Input): ResolvedCompat {
  const logLevel = resolveLogLevel(options.logLevel, bool('verbose', options.verbose, false));
  const security = options.security;
  if (security !== undefined && !isPlainObject(security)) throw invalidOption('security', 'an object { passphrase, bcrypt: { rounds } }', security);
  const securityPassphrase = security?.passphrase;
  if (securityPassphrase !== undefined && options.passphrase !== undefined && securityPassphrase !== options.passphrase) {
    throw invalidOption('security.passphrase', 'the same value as `passphrase` (or only one of them)', '(hidden)');
  }
  const bcrypt = security?.bcrypt;
  if (bcrypt !== undefined && !isPlainObject(bcrypt)) throw invalidOption('security.bcrypt', 'an object { rounds }', bcrypt);
  const bcryptRounds = integer('security.bcrypt.rounds', bcrypt?.rounds, 4, 31, integer('bcryptRounds', options.bcryptRounds, 4, 31, 10));
  const monitoring = options.taskExecutorMonitoring;
  if (monitoring !== undefined && monitoring !== null && !isPlainObject(monitoring)) throw invalidOption('taskExecutorMonitoring', 'an object (or null)', monitoring);
  if (options.operationsPool !== undefined && options.executorPool !== undefined) throw invalidOption('operationsPool', 'absent when `executorPool` is given (it is its older name)', options.operationsPool);
  bool('strictValidation', options.strictValidation, true);
  bool('strictHooks', options.strictHooks, false);
  return {
    connectionString: resolveConnectionString(options),
    executorPool: resolvePool(options.executorPool ?? options.operationsPool, options.parallelism),
    passphrase: options.passphrase ?? securityPassphrase,
    logLevel,
    bcryptRounds,
    versioningEnabled: bool('versioningEnabled', options.versioningEnabled, false),
    deferMetadataWrites: bool('deferMetadataWrites', options.deferMetadataWrites, false),
    metadataWriteDelay: integer('metadataWriteDelay', options.metadataWriteDelay, 0, 3_600_000, 100),
    taskExecutorMonitoring: monitoring ? Object.freeze({ ...monitoring }) : null,
  };
}

function resolveLogLevel(level: string | undefined, verbose: boolean): LogLevel {
  if (level === undefined) return verbose ? 'debug' : 'warn';
  const mapped = LEVEL_ALIASES[level] ?? level;
  if (!(LOG_LEVELS as readonly string[]).includes(mapped)) throw invalidOption('logLevel', `one of ${[...LOG_LEVELS, ...Object.keys(LEVEL_ALIASES)].join(', ')}`, level);
  return mapped as LogLevel;
}

function resolvePool(given: ExecutorPoolOptions | ExecutorPool | undefined, parallelism: unknown): ExecutorPoolOptions | ExecutorPool | undefined {
  const pool = withoutS3dbPoolOptions(given);
  if (parallelism === undefined) return pool;
  const concurrency = integer('parallelism', parallelism, 1, Number.MAX_SAFE_INTEGER, 0);
  if (pool !== undefined && !isPlainObject(pool)) throw invalidOption('parallelism', 'absent when a shared ExecutorPool is passed (set its concurrency instead)', parallelism);
  const poolConcurrency = (pool as ExecutorPoolOptions | undefined)?.concurrency;
  if (poolConcurrency !== undefined && poolConcurrency !== concurrency) throw invalidOption('parallelism', `the same as executorPool.concurrency (${String(poolConcurrency)}), or only one of them`, parallelism);
  return { ...(pool as ExecutorPoolOptions | undefined), concurrency };
}

/** s3db.js builds `s3://KEY:SECRET@bucket?region=…` (or an endpoint URL) from separate options. */
function resolveConnectionString(options: Input): string | undefined {
  const bucket = text('bucket', options.bucket);
  const region = text('region', options.region);
  const accessKeyId = text('accessKeyId', options.accessKeyId);
  const secretAccessKey = text('secretAccessKey', options.secretAccessKey);
  const endpoint = text('endpoint', options.endpoint);
  const forcePathStyle = bool('forcePathStyle', options.forcePathStyle, false);
  const parts = bucket ?? region ?? accessKeyId ?? secretAccessKey ?? endpoint;
  if (parts === undefined) return options.connectionString;
  if (options.connectionString !== undefined) throw invalidOption('bucket', 'absent when `connectionString` is given (use one or the other)', bucket);
  if (bucket === undefined) throw invalidOption('bucket', 'the bucket name (required with accessKeyId/secretAccessKey/region/endpoint)', bucket);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) throw invalidOption('secretAccessKey', 'given together with accessKeyId', '(hidden)');
  const auth = accessKeyId === undefined ? '' : `${encodeURIComponent(accessKeyId)}:${encodeURIComponent(secretAccessKey as string)}@`;
  const query = new URLSearchParams();
  if (region !== undefined) query.set('region', region);
  if (forcePathStyle) query.set('forcePathStyle', 'true');
  const search = query.size > 0 ? `?${query.toString()}` : '';
  if (endpoint === undefined) return `s3://${auth}${bucket}${search}`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidOption('endpoint', 'an http(s):// URL such as http://127.0.0.1:9000', endpoint);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidOption('endpoint', 'an http(s):// URL such as http://127.0.0.1:9000', endpoint);
  return `${url.protocol}//${auth}${url.host}/${bucket}${search}`;
}
