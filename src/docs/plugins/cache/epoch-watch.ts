/**
 * When the cache epoch must change, for a stack whose last driver is shared.
 *
 * The global version token is the cache epoch: every entry depends on it
 * and every hit checks it, so replacing it retires every entry at once.
 * That is the answer to an invalidation lost across processes: a writer
 * whose invalidation failed keeps it to replay, but only in its memory, and
 * may exit before the shared driver is back. The stack starts a new epoch
 * before its shared driver serves again after any failure in this process;
 * this watch adds the signals of failures elsewhere:
 * - the driver's disruptions() count grew (connection lost, server
 *   restarted; see CacheDriver.disruptions);
 * - a writer's note of a missed invalidation is in the store (see
 *   missed-invalidations.ts), looked for at open and every few seconds.
 */
import type { Logger } from '../../logger.js';
import type { CacheDriver, DriverContext } from './cache-driver.js';
import { MissedInvalidations } from './missed-invalidations.js';

/** How often a process looks for another writer's note (one HEAD on the store). */
const NOTE_CHECK_MS = 5000;

export class EpochWatch {
  readonly #driver: CacheDriver;
  readonly #logger: () => Logger;
  /** Replaces the epoch now; resolves whether it is in place. */
  readonly #startEpoch: () => Promise<boolean>;
  #seenDisruptions = 0;
  #notes: MissedInvalidations | undefined;
  /** This process left a note during the current outage already. */
  #noted = false;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;

  constructor(driver: CacheDriver, logger: () => Logger, startEpoch: () => Promise<boolean>) {
    this.#driver = driver;
    this.#logger = logger;
    this.#startEpoch = startEpoch;
  }

  /**
   * After the driver opened: a disruption seen while opening (the server
   * restarted since it was last used) or a note left by a writer gets its
   * new epoch before the first read; then notes are looked for every few
   * seconds (`track` keeps each check for the stack to wait on at close).
   */
  async start(context: DriverContext, track: (work: Promise<void>) => void): Promise<void> {
    if (this.disrupted()) await this.#startEpoch();
    this.#notes = new MissedInvalidations(context.store, context.namespace);
    await this.check();
    this.#timer = setInterval(() => track(this.check()), NOTE_CHECK_MS);
    this.#timer.unref();
  }

  /** Whether the driver reported a disruption since the last call (the caller then starts a new epoch). Cheap: on every lookup. */
  disrupted(): boolean {
    const seen = this.#driver.disruptions?.() ?? 0;
    if (seen === this.#seenDisruptions) return false;
    this.#seenDisruptions = seen;
    return true;
  }

  /** Before a write whose invalidation is kept only in this process resolves: leaves a note, once per outage. */
  async noteMissed(): Promise<void> {
    if (this.#noted || !this.#notes) return;
    this.#noted = true;
    try {
      await this.#notes.note();
    } catch (err) {
      this.#noted = false;
      this.#logger().warn(
        `cache: could not note a missed invalidation in the store (${err instanceof Error ? err.message : String(err)}); if this process exits before the cache driver is back, other processes may serve entries older than its writes until their TTL`,
      );
    }
  }

  /** Every kept invalidation reached the driver: the next outage gets a note of its own. */
  replayed(): void {
    this.#noted = false;
  }

  /** Starts a new epoch if a writer noted a missed invalidation (it may have exited without replaying it), then removes the note. */
  check(): Promise<void> {
    this.#checking ??= (async () => {
      const notes = this.#notes;
      if (!notes) return;
      let etag: string | undefined;
      try {
        etag = await notes.find();
      } catch {
        return; // the store is unreachable: looked for again next time
      }
      if (etag !== undefined && (await this.#startEpoch())) await notes.remove(etag).catch(() => undefined);
    })().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
