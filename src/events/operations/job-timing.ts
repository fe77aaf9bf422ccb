/**
 * When a job runs next: exponential backoff for retries, and the next
 * occurrence of a recurring schedule.
 */
import { CronExpressionParser } from 'cron-parser';
import { invalidOption } from '../../core/options.js';

/**
 * Delay before retry number `retry` (1 for the first retry): exponential with
 * "equal jitter", so it always grows with the attempt number while two jobs that
 * failed together do not retry in lockstep. Result lies in [ceiling/2, ceiling]
 * with ceiling = min(retryDelay * 2^(retry-1), maxRetryDelay).
 *
 * @example
 * retryBackoff(3, 1000, 300_000) // between 2000 and 4000
 */
export function retryBackoff(retry: number, retryDelay: number, maxRetryDelay: number, random: () => number = Math.random): number {
  const ceiling = Math.min(retryDelay * 2 ** Math.max(0, retry - 1), maxRetryDelay);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Validates a cron expression up front, so a typo fails at scheduling time. */
export function assertCron(expression: string): void {
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
  } catch (err) {
    throw invalidOption('cron', `a valid cron expression (${(err as Error).message})`, expression);
  }
}

/** First occurrence strictly after `after` (ms), for `every` or `cron`. */
export function nextOccurrence(schedule: { every: number | null; cron: string | null }, after: number): number {
  if (schedule.every !== null) return after + schedule.every;
  const expression = CronExpressionParser.parse(schedule.cron ?? '', { currentDate: new Date(after), tz: 'UTC' });
  return expression.next().getTime();
}

/**
 * Where a due schedule moves once its occurrence at `previous` fires: the first
 * occurrence after `now` (missed occurrences are skipped, not piled up).
 */
export function nextRunAfter(schedule: { every: number | null; cron: string | null }, previous: number, now: number): number {
  if (schedule.every !== null) return previous + schedule.every * (Math.floor((now - previous) / schedule.every) + 1);
  return nextOccurrence(schedule, now);
}
