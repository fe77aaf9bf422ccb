/**
 * No part of a credential leaves the storage layer inside an error.
 *
 * S3 answers a bad signature or key with a body that echoes them
 * (`AWSAccessKeyId`, `StringToSign`, `CanonicalRequest`…), which the SDK
 * copies onto its error, and the error's hidden `$response` holds the socket
 * and the signed request (its Authorization header names the key id). Every
 * error of an S3 client is scrubbed where it is thrown (a middleware at the
 * outermost step), before any s3lite code wraps it as a `cause`: the error is
 * replaced by a copy without the echoed fields, with `$response` reduced to
 * its status and headers, and with the key id, secret and session token
 * masked in every message, stack and string down the `cause` chain, so
 * `util.inspect(err)`, `JSON.stringify` and logs are all safe.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { redact } from '../core/errors.js';

const MASK = '***';

/** Fields of S3 error bodies that repeat the request's credentials or signature. */
const ECHOED_FIELDS = ['AWSAccessKeyId', 'StringToSign', 'StringToSignBytes', 'CanonicalRequest', 'CanonicalRequestBytes', 'SignatureProvided', 'SecurityToken'];

/** Credential-shaped text of any origin: SigV4 scopes, signatures, AWS key ids. */
const CREDENTIAL_PATTERNS: readonly [RegExp, string][] = [
  [/(Credential=)[^,\s"&<]+/gi, `$1${MASK}`],
  [/(Signature=)[0-9a-f]+/gi, `$1${MASK}`],
  [/(x-amz-security-token[=:]\s*)[^,\s"&<]+/gi, `$1${MASK}`],
  [/\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA)[A-Z0-9]{12,}\b/g, MASK],
];

/** Masks `secrets` (as written and URL-encoded) and credential-shaped text in `text`. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = redact(text);
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(MASK);
  }
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A scrubbed copy of an error and its `cause` chain. The copy keeps the
 * error's class (prototype) and the fields the retry policy and the error
 * mapping read (`name`, `Code`, `code`, `$metadata`…); the original is left
 * alone (the SDK makes `$response` read-only) and nothing references it.
 */
export function scrubError<T>(err: T, secrets: readonly string[]): T {
  return scrubValue(err, secrets, new Map(), 0) as T;
}

const MAX_DEPTH = 6;

function scrubValue(value: unknown, secrets: readonly string[], copies: Map<object, unknown>, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (copies.has(value)) return copies.get(value);
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    copies.set(value, copy);
    for (const item of value) copy.push(scrubValue(item, secrets, copies, depth + 1));
    return copy;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  // Only errors and plain records are copied; anything else (sockets, requests, buffers) is dropped.
  if (!(value instanceof Error) && proto !== Object.prototype && proto !== null) return undefined;
  const copy = Object.create(proto) as Record<string, unknown>;
  copies.set(value, copy);
  for (const name of Object.getOwnPropertyNames(value)) {
    if (ECHOED_FIELDS.includes(name)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(value, name);
    if (descriptor === undefined || !('value' in descriptor)) continue;
    const next = name === '$response' ? responseSummary(descriptor.value) : scrubValue(descriptor.value, secrets, copies, depth + 1);
    Object.defineProperty(copy, name, { value: next, writable: true, configurable: true, enumerable: descriptor.enumerable ?? false });
  }
  return copy;
}

/** What a caller may need of an HTTP response: status and response headers, not the socket or the request. */
function responseSummary(response: unknown): unknown {
  if (response === null || typeof response !== 'object') return undefined;
  const { statusCode, reason, headers } = response as { statusCode?: unknown; reason?: unknown; headers?: unknown };
  const safeHeaders: Record<string, string> = {};
  if (headers !== null && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string' && !/authorization|token|credential/i.test(name)) safeHeaders[name] = value;
    }
  }
  return { statusCode, reason, headers: safeHeaders };
}

/**
 * Scrubs every error `client.send()` throws, with the credentials the client
 * signs with: the connection string's, or whatever the SDK's provider chain
 * resolved (looked up only when a request fails).
 */
export function installCredentialScrub(client: S3Client, known: readonly (string | undefined)[] = []): void {
  const fixed = known.filter((s): s is string => typeof s === 'string' && s.length > 0);
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw scrubError(err, [...fixed, ...(await resolvedCredentials(client))]);
      }
    },
    { step: 'initialize', name: 's3liteCredentialScrub', priority: 'high' },
  );
}

async function resolvedCredentials(client: S3Client): Promise<string[]> {
  try {
    const provider = client.config.credentials as unknown;
    const identity = typeof provider === 'function' ? await (provider as () => Promise<unknown>)() : provider;
    const { accessKeyId, secretAccessKey, sessionToken } = (identity ?? {}) as Record<string, unknown>;
    return [accessKeyId, secretAccessKey, sessionToken].filter((s): s is string => typeof s === 'string' && s.length > 0);
  } catch {
    // No credentials could be resolved: none were sent either.
    return [];
  }
}
