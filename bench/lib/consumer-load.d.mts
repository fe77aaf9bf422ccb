/** Types of consumer-load.mjs (plain JavaScript, shared with the Emmett peer process). */

export interface ConsumerAdapter {
  /** Stores `n` events with key -1, before the consumer starts. */
  preload(n: number): Promise<void>;
  /** Starts a consumer from the beginning that calls `onEvent(k)` for each event handled; returns its stop. */
  start(onEvent: (k: number) => void): Promise<() => Promise<void>>;
  /** Stores the event with key `k` (producer `p`); resolves once it is committed. */
  produce(k: number, p: number): Promise<unknown>;
}

export interface ConsumerLoad {
  preload: number;
  /** Concurrent producers (closed loop); with `rate`, the number of stream keys events are spread over. @default 100 */
  producers?: number;
  /** Open loop: events offered per second, whatever the acknowledgements do. */
  rate?: number;
  /** Length of the live phase. */
  ms: number;
  /** Give up waiting for the consumer after this long without progress. @default 2000 */
  settleMs?: number;
}

export interface ConsumerResult {
  catchupPerSec: number;
  producedPerSec: number;
  produced: number;
  /** Live events never handled (within settleMs of the last progress). */
  missed: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  /** p99 of store call → acknowledgement. */
  storeP99: number;
}

export function measureConsumer(adapter: ConsumerAdapter, load: ConsumerLoad): Promise<ConsumerResult>;
