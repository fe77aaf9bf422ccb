/**
 * The seed's `httpClientOptions`: settings of the keep-alive HTTP(S) agent
 * behind s3:// and http(s):// stores.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { assertKnownOptions, invalidOption } from '../core/options.js';

/**
 * Settings of the keep-alive HTTP(S) agent behind s3:// and http(s):// stores,
 * given as `httpClientOptions` or as connection-string query parameters. Each
 * number is an integer from 0 (`maxSockets` from 1); else ValidationError.
 */
export interface HttpClientOptions {
  /** Reuse TCP (and TLS) connections between requests. @default true */
  keepAlive?: boolean;
  /** Initial delay of TCP keep-alive probes on idle sockets, in ms. @default 1000 */
  keepAliveMsecs?: number;
  /**
   * Most sockets open at once. Should be at least the executor pool's
   * concurrency: a lower value queues requests inside the agent (a warning is logged).
   * @default the pool's concurrency (100)
   */
  maxSockets?: number;
  /** Idle sockets kept open for reuse. @default maxSockets */
  maxFreeSockets?: number;
  /** Socket inactivity timeout in ms; a request whose socket stays silent this long fails (retryable). @default 60000 */
  timeout?: number;
}

/** {@link HttpClientOptions} with every default filled in, as {@link resolveHttpClientOptions} returns them and S3Store takes them. */
export type ResolvedHttpClientOptions = Required<HttpClientOptions>;

/** Where the storage layer's warnings go: any object with `warn`, such as `console` or a database's `logger`. */
export interface StorageLogger {
  /** Receives one line of text, e.g. that `maxSockets` is below the pool's concurrency, or what an S3 server does not enforce. */
  warn(message: string): void;
}

export const DEFAULT_CONCURRENCY = 100;

const INTEGER_OPTIONS = ['keepAliveMsecs', 'maxSockets', 'maxFreeSockets', 'timeout'] as const;

export function checkHttpClientOptions(options: unknown, name = 'httpClientOptions'): HttpClientOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidOption(name, 'an object', options);
  const record = options as Record<string, unknown>;
  assertKnownOptions(name, record, ['keepAlive', ...INTEGER_OPTIONS], `${name}.`);
  if (record.keepAlive !== undefined && typeof record.keepAlive !== 'boolean') {
    throw invalidOption(`${name}.keepAlive`, 'a boolean', record.keepAlive);
  }
  for (const key of INTEGER_OPTIONS) {
    const value = record[key];
    if (value === undefined) continue;
    const min = key === 'maxSockets' ? 1 : 0;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw invalidOption(`${name}.${key}`, `an integer from ${min} and up`, value);
    }
  }
  return record as HttpClientOptions;
}

/**
 * Fills defaults. `maxSockets` defaults to the pool's concurrency; an explicit
 * lower value is kept but logged once, since requests would queue in the agent.
 */
export function resolveHttpClientOptions(
  options: HttpClientOptions,
  concurrency: number,
  logger: StorageLogger,
): ResolvedHttpClientOptions {
  const maxSockets = options.maxSockets ?? concurrency;
  if (options.maxSockets !== undefined && options.maxSockets < concurrency) {
    logger.warn(
      `s3lite: httpClientOptions.maxSockets (${options.maxSockets}) is lower than the executor pool's concurrency (${concurrency}); ` +
        `requests will queue for sockets. Set maxSockets to at least ${concurrency}.`,
    );
  }
  return {
    keepAlive: options.keepAlive ?? true,
    keepAliveMsecs: options.keepAliveMsecs ?? 1000,
    maxSockets,
    maxFreeSockets: options.maxFreeSockets ?? maxSockets,
    timeout: options.timeout ?? 60_000,
  };
}

export function createAgent(protocol: 'http:' | 'https:', options: ResolvedHttpClientOptions): HttpAgent | HttpsAgent {
  const agentOptions = {
    keepAlive: options.keepAlive,
    keepAliveMsecs: options.keepAliveMsecs,
    maxSockets: options.maxSockets,
    maxFreeSockets: options.maxFreeSockets,
    timeout: options.timeout,
  };
  return protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
}
