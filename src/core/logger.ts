/** s3lite's logger: level-filtered, console by default, replaceable (S3db's `logger`, modelSetup's `logger`). */
import { invalidOption } from './options.js';

/** The log levels, from quietest to most verbose: a level lets through its own messages and every one before it. */
export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
/** One of {@link LOG_LEVELS}: `'silent'`, `'error'`, `'warn'`, `'info'` or `'debug'`. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where s3lite writes log lines, one string per call: `console` fits, and so
 * does a pino or winston logger. S3db's `logger` may be partial (a missing
 * method drops that level's messages) and gets lines prefixed `[s3lite] `,
 * filtered by its `logLevel`; modelSetup's `logger` needs only `warn`.
 *
 * @example
 * const db = new S3db({ connectionString, logLevel: 'info', logger: pino() });
 */
export interface Logger {
  /** Failures s3lite could not handle itself (written from level `error` up). */
  error(message: string): void;
  /** Something works, but not as configured or expected: a cache driver that fails, a server that ignores conditional deletes (from level `warn` up). */
  warn(message: string): void;
  /** Notable recoveries and state changes, e.g. a cache driver working again (from level `info` up). */
  info(message: string): void;
  /** Detail for troubleshooting (level `debug` only). */
  debug(message: string): void;
}

/** A logger that drops messages below `level` and writes the rest to `sink` (console by default). */
export function createLogger(level: LogLevel = 'warn', sink: Partial<Logger> = console): Logger {
  if (!LOG_LEVELS.includes(level)) throw invalidOption('logLevel', `one of ${LOG_LEVELS.join(', ')}`, level);
  const rank = LOG_LEVELS.indexOf(level);
  const at = (name: Exclude<LogLevel, 'silent'>) => {
    const write = sink[name]?.bind(sink);
    return rank >= LOG_LEVELS.indexOf(name) && write ? (message: string) => write(`[s3lite] ${message}`) : () => undefined;
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
