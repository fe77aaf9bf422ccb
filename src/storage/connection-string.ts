/**
 * Parses connection strings:
 *
 * - `memory://bucket/prefix`
 * - `file:///abs/path`, `file://./rel/path`
 * - `s3://KEY:SECRET@bucket/prefix?region=eu-west-1` (AWS; credentials optional)
 * - `http(s)://KEY:SECRET@host:port/bucket/prefix` (path style: MinIO, Ceph, R2, s3rver)
 *
 * Credentials are URL-encoded (`/` as `%2F`, `@` as `%40`, `:` as `%3A`).
 * Query parameters set client options: `region`, `forcePathStyle`,
 * `keepAlive`, `keepAliveMsecs`, `maxSockets`, `maxFreeSockets`, `timeout`.
 * Errors are ConnectionStringError and never contain the credentials.
 */
import { isAbsolute } from 'node:path';
import { ConnectionStringError } from '../core/errors.js';
import type { HttpClientOptions } from './http-client-options.js';

/** Static S3 credentials, as decoded from a connection string's `KEY:SECRET@`. */
export interface S3Credentials {
  /** The access key id (`KEY`), URL-decoded. */
  accessKeyId: string;
  /** The secret access key (`SECRET`), URL-decoded. Never appears in s3lite's messages or logs. */
  secretAccessKey: string;
}

/**
 * What {@link parseConnectionString} returns: which backend, and everything needed
 * to open it. Prefixes are `''` or end with `/`.
 */
export type ConnectionTarget =
  | { kind: 'memory'; bucket: string; prefix: string }
  | { kind: 'file'; root: string }
  | {
      kind: 's3';
      bucket: string;
      prefix: string;
      /** `?region=`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `'us-east-1'`. */
      region: string;
      /** Absent for AWS S3 (s3://). */
      endpoint: string | undefined;
      /** `?forcePathStyle=`, else false for s3:// and true for http(s)://. */
      forcePathStyle: boolean;
      /** Absent: the AWS SDK's default provider chain (env, profile, instance role…). */
      credentials: S3Credentials | undefined;
      /** The agent settings given as query parameters (only those given). */
      httpClientOptions: HttpClientOptions;
    };

const ENCODE_CREDENTIALS = "credentials must be URL-encoded: write '/' as %2F, '?' as %3F, '#' as %23, '@' as %40 and ':' as %3A";
const SCHEMES = 'memory://, file://, s3://, http:// or https://';
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MEMORY_BUCKET = /^[A-Za-z0-9._-]{1,255}$/;
const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/;
const BOOLEAN_PARAMS = new Set(['forcePathStyle', 'keepAlive']);
const INTEGER_PARAMS = new Set(['keepAliveMsecs', 'maxSockets', 'maxFreeSockets', 'timeout']);

function fail(message: string): never {
  throw new ConnectionStringError(`Invalid connection string: ${message}. Expected ${SCHEMES}, e.g. s3://KEY:SECRET@bucket/prefix?region=eu-west-1`);
}

/**
 * Parses a connection string without contacting anything:
 *
 * - `memory://bucket/prefix`
 * - `file:///abs/path`, `file://./rel/path` (or `../`)
 * - `s3://KEY:SECRET@bucket/prefix?region=eu-west-1` (AWS; credentials optional:
 *   without them the AWS SDK's default provider chain is used)
 * - `http(s)://KEY:SECRET@host:port/bucket/prefix` (path style: MinIO, Ceph, R2, s3rver)
 *
 * Credentials are URL-encoded (`/` as `%2F`, `@` as `%40`, `:` as `%3A`). s3://
 * and http(s):// take the query parameters `region`, `forcePathStyle`,
 * `keepAlive`, `keepAliveMsecs`, `maxSockets`, `maxFreeSockets` and `timeout`;
 * memory:// and file:// take none. Throws ConnectionStringError naming what is
 * wrong (an unknown scheme or parameter, a bad bucket name, raw `/` or `@` in
 * a secret…); the message never holds the credentials.
 *
 * @example
 * parseConnectionString('http://S3RVER:S3RVER@127.0.0.1:4569/bucket/db1')
 * // { kind: 's3', bucket: 'bucket', prefix: 'db1/', endpoint: 'http://127.0.0.1:4569', forcePathStyle: true, … }
 */
export function parseConnectionString(input: string): ConnectionTarget {
  if (typeof input !== 'string' || input.trim() === '') fail('it is empty');
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^?#]*)(?:\?([^#]*))?(#.*)?$/s.exec(input.trim());
  if (!match) fail('it does not start with a scheme followed by ://');
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  const query = new URLSearchParams(match[3] ?? '');
  // A raw '?' or '#' inside a secret moves part of it past the authority: refuse without echoing anything.
  if ((match[3] ?? '').includes('@') || (match[4] ?? '').includes('@')) fail(ENCODE_CREDENTIALS);
  if (match[4] !== undefined) fail('it has a #fragment, which no scheme uses');

  switch (scheme) {
    case 'memory': {
      const { credentials, authority, path } = splitAuthority(rest);
      if (credentials !== undefined) fail('memory:// takes no credentials');
      if (!MEMORY_BUCKET.test(authority)) fail(`memory:// needs a bucket name of letters, digits, '.', '_' or '-' (got ${describeBucket(authority)})`);
      checkParams(query, [], scheme);
      return { kind: 'memory', bucket: authority, prefix: parsePrefix(path) };
    }
    case 'file': {
      checkParams(query, [], scheme);
      if (rest.includes('@')) fail('file:// takes no credentials');
      const path = decode(rest, 'the path');
      if (path === '' || path === '/') fail('file:// needs a directory: file:///absolute/path or file://./relative/path');
      if (!isAbsolute(path) && !path.startsWith('./') && !path.startsWith('../')) {
        fail('file:// paths are file:///absolute/path or file://./relative/path');
      }
      return { kind: 'file', root: path };
    }
    case 's3':
    case 'http':
    case 'https': {
      const { credentials, authority, path } = splitAuthority(rest);
      let bucket: string;
      let prefixPath: string;
      let endpoint: string | undefined;
      if (scheme === 's3') {
        bucket = authority;
        prefixPath = path;
      } else {
        endpoint = `${scheme}://${parseHostPort(authority)}`;
        const [first = '', ...others] = path.replace(/^\/+/, '').split('/');
        bucket = first;
        prefixPath = others.join('/');
      }
      if (bucket === '') fail(`the bucket name is empty: write ${scheme === 's3' ? 's3://bucket/prefix' : `${scheme}://host:port/bucket/prefix`}`);
      if (!S3_BUCKET.test(bucket)) fail(`bucket names are 3 to 63 characters of a-z, 0-9, '.' and '-' (got ${describeBucket(bucket)})`);
      const params = checkParams(query, ['region', ...BOOLEAN_PARAMS, ...INTEGER_PARAMS], scheme);
      const { region, forcePathStyle, ...httpClientOptions } = params;
      return {
        kind: 's3',
        bucket,
        prefix: parsePrefix(prefixPath),
        region: (region as string | undefined) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
        endpoint,
        forcePathStyle: (forcePathStyle as boolean | undefined) ?? scheme !== 's3',
        credentials,
        httpClientOptions: httpClientOptions as HttpClientOptions,
      };
    }
    default:
      return fail(`unknown scheme ${JSON.stringify(scheme)}`);
  }
}

/** Splits `[user:pass@]authority[/path]`; the credentials are decoded and never echoed. */
function splitAuthority(rest: string): { credentials: S3Credentials | undefined; authority: string; path: string } {
  const slash = rest.indexOf('/');
  let authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  // An '@' after the first '/' means a secret holding a raw '/' split the string.
  if (path.includes('@')) fail(ENCODE_CREDENTIALS);
  let credentials: S3Credentials | undefined;
  const at = authority.lastIndexOf('@');
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    if (colon === -1) fail('credentials are KEY:SECRET, the secret is missing');
    let accessKeyId: string;
    let secretAccessKey: string;
    try {
      accessKeyId = decodeURIComponent(userinfo.slice(0, colon));
      secretAccessKey = decodeURIComponent(userinfo.slice(colon + 1));
    } catch {
      fail("the credentials hold a malformed %-escape: URL-encode them ('%' as %25)");
    }
    if (accessKeyId === '' || secretAccessKey === '') fail('credentials are KEY:SECRET and neither may be empty');
    credentials = { accessKeyId, secretAccessKey };
  }
  return { credentials, authority, path };
}

function parseHostPort(authority: string): string {
  const match = /^(.*?)(?::([^:\]]*))?$/.exec(authority)!;
  const host = match[1]!;
  const port = match[2];
  if (host === '' || !HOST.test(host)) fail('the host is missing or malformed: write http://host:port/bucket/prefix');
  if (port !== undefined) {
    const number = /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
    if (!(number >= 1 && number <= 65535)) fail('the port must be a number from 1 to 65535');
    return `${host}:${number}`;
  }
  return host;
}

function parsePrefix(path: string): string {
  const segments = path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decode(segment, 'the prefix'));
  return segments.length === 0 ? '' : `${segments.join('/')}/`;
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(`${what} holds a malformed %-escape`);
  }
}

/** Echoes a bucket name only when it cannot be a misplaced piece of credentials. */
function describeBucket(bucket: string): string {
  if (bucket === '') return 'nothing';
  return /^[A-Za-z0-9._-]+$/.test(bucket) ? JSON.stringify(bucket) : 'a name with characters that are not allowed';
}

function checkParams(query: URLSearchParams, allowed: string[], scheme: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of query) {
    if (!allowed.includes(name)) {
      fail(`${scheme}:// does not take the query parameter ${JSON.stringify(name)}${allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''}`);
    }
    if (BOOLEAN_PARAMS.has(name)) {
      if (value !== 'true' && value !== 'false') fail(`?${name}= must be true or false, got ${JSON.stringify(value)}`);
      result[name] = value === 'true';
    } else if (INTEGER_PARAMS.has(name)) {
      if (!/^\d+$/.test(value) || (name === 'maxSockets' && Number(value) < 1)) {
        fail(`?${name}= must be a whole number${name === 'maxSockets' ? ' from 1 up' : ''}, got ${JSON.stringify(value)}`);
      }
      result[name] = Number(value);
    } else {
      if (value === '') fail(`?${name}= must not be empty`);
      result[name] = value;
    }
  }
  return result;
}
