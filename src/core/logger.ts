/** s3lite's logger: level-filtered, console by default, replaceable (S3db's `logger`, modelSetup's `logger`). */
import { invalidOption } from './options.js';

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
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
