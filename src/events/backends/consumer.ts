/**
 * Consumers (`queue.subscribe`): follow the log from a durable checkpoint, in
 * position order, on SQLite and PostgreSQL. This file holds the loop; each
 * backend supplies a {@link ConsumerBackend} (reads, lease, checkpoint, wakeups).
 *
 * One process at a time works for a consumer name: it holds the name's lease
 * (a row of `s3lite_consumers`, renewed as it works). The others wait on standby
 * and take over when the lease runs out (a crash) or is given back (`stop()`).
 * A batch runs in one transaction that first checks the lease and the checkpoint,
 * so model writes made by the handler and the new checkpoint commit together.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ClosedError, S3liteError } from '../../core/errors.js';
import { checkOptions, invalidOption } from '../../core/options.js';
import type { EventRow } from '../event-row.js';

/** Where a new consumer starts: before the first event, after the last one, or after a position. */
export type ConsumerFrom = 'start' | 'end' | number;

/**
 * Options of `queue.subscribe(name, options, handler)`. Unknown keys and bad
 * values throw `ValidationError` naming the option.
 */
export interface SubscribeOptions {
  /** Start of a consumer with no checkpoint yet (a saved checkpoint always wins). @default 'start' */
  from?: ConsumerFrom;
  /** Most events per batch (one transaction). @default 100 */
  batchSize?: number;
  /** Poll interval in ms when idle: SQLite's poll, PostgreSQL's fallback for missed notifications. @default 100 (SQLite), 1000 (PostgreSQL) */
  pollIntervalMs?: number;
  /**
   * How long in ms the lease lasts without renewal (at least 100): a crashed owner's
   * work moves to a standby process after this. Renewed every half of it. @default 30000
   */
  leaseMs?: number;
  /** Wait in ms before retrying a batch whose handler threw (0 and up). @default 1000 */
  retryDelayMs?: number;
  /**
   * Run the handler inside the batch's transaction (model writes and checkpoint commit
   * together). `false` runs it before the transaction: at-least-once only, but the
   * handler may then await `queue.store` on SQLite. @default true
   */
  transactional?: boolean;
}

/** Second argument of a {@link ConsumerHandler}. */
export interface ConsumerContext {
  /** The consumer's name. */
  consumer: string;
  /** The batch this event belongs to. */
  batch: readonly EventRow[];
}

/** Called once per event, in position order; a throw rolls the batch back and it is retried. */
export type ConsumerHandler = (event: EventRow, context: ConsumerContext) => unknown;

/** What `consumer.stats()` resolves to: the durable checkpoint and lag (read from the database) and this object's counters. */
export interface ConsumerStats {
  /** The consumer's name. */
  name: string;
  /** Durable checkpoint: every event up to this id is handled (0: none). */
  position: number;
  /** Events after the checkpoint. */
  lagEvents: number;
  /** Age of the oldest event after the checkpoint, in ms (0 when caught up). */
  lagMs: number;
  /** Batches this consumer object committed. */
  batches: number;
  /** Events this consumer object committed (in those batches). */
  events: number;
  /** Failed attempts (handler throws, lost connections); each is retried after `retryDelayMs`. */
  errors: number;
  /** Message of the latest failed attempt (kept after later successes), or null when none failed. */
  lastError: string | null;
  /** Whether this process holds the lease (is the one working). */
  leaseHeld: boolean;
  /** False once `stop()` was called. */
  running: boolean;
}

/**
 * A running consumer, from `queue.subscribe(name, options, handler)`. It works
 * (or waits on standby for the lease) until `stop()` or the queue's `close()`.
 */
export interface Consumer {
  /** The consumer's name: the key of its checkpoint and lease. */
  readonly name: string;
  /** Finishes the batch in hand, gives the lease back and stops. Idempotent. */
  stop(): Promise<void>;
  /** Checkpoint and lag read from the database now, with this object's counters. */
  stats(): Promise<ConsumerStats>;
}

/** Thrown inside a batch when this process no longer owns the lease or the checkpoint moved. */
export class LeaseLostError extends S3liteError {
  constructor(name: string) {
    super('CONFLICT', `Consumer \`${name}\` lost its lease (another process took it over); the batch was rolled back.`);
  }
}

/** A read: final events in position order, and whether later ones are committed but not final yet. */
export interface Batch {
  events: EventRow[];
  pending: boolean;
}

/** What a backend does for the loop. Positions are event ids; 0 is before the first event. */
export interface ConsumerBackend {
  readonly defaultPollMs: number;
  /** Whether a read may run beside a commit (on its own connection), so the loop reads the next batch during the commit. */
  readonly readAhead: boolean;
  /** Creates the checkpoint row if missing (at `from`) and takes or renews the lease: the checkpoint, or null when another process holds it. */
  claim(name: string, owner: string, from: ConsumerFrom, leaseMs: number): Promise<number | null>;
  /** Final events after `after`, and whether later ones are committed but not yet final (read again soon). */
  read(after: number, limit: number): Promise<Batch>;
  /**
   * One transaction: moves the checkpoint from `from` to `to` and renews the lease
   * only if this owner still holds it and the checkpoint is still `from` (else
   * throws {@link LeaseLostError}), then runs `work` when transactional; a throw rolls it all back.
   */
  commit(name: string, owner: string, from: number, to: number, leaseMs: number, work: (() => Promise<void>) | null): Promise<void>;
  /** Gives the lease back (keeps the checkpoint). */
  release(name: string, owner: string): Promise<void>;
  checkpoint(name: string): Promise<number | null>;
  /** Events after `position` and the datetime of the first of them. */
  lag(position: number): Promise<{ events: number; oldest: number | null }>;
  /** Calls `wake` when new events may have committed (PostgreSQL NOTIFY); returns the unsubscribe. */
  listen(wake: () => void): Promise<() => Promise<void>>;
}

const KNOWN = ['from', 'batchSize', 'pollIntervalMs', 'leaseMs', 'retryDelayMs', 'transactional'];

interface Resolved {
  from: ConsumerFrom;
  batchSize: number;
  /** Undefined: the backend's default. */
  pollMs: number | undefined;
  leaseMs: number;
  retryMs: number;
  transactional: boolean;
}

function positiveInt(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalidOption(name, `an integer from ${min} and up`, value);
  return value;
}

/** Checks `subscribe`'s arguments; throws a ValidationError that names the bad one. */
export function resolveSubscribe(name: unknown, options: unknown, handler: unknown): Resolved {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) throw invalidOption('name', 'a non-empty consumer name (at most 200 characters)', name);
  if (typeof handler !== 'function') throw invalidOption('handler', 'a function (event, context) => …', handler);
  const o = checkOptions('subscribe', options ?? {}, KNOWN) as SubscribeOptions;
  const from = o.from ?? 'start';
  if (from !== 'start' && from !== 'end' && !(typeof from === 'number' && Number.isInteger(from) && from >= 0)) {
    throw invalidOption('from', "'start', 'end' or an event id (an integer from 0 and up)", from);
  }
  if (o.transactional !== undefined && typeof o.transactional !== 'boolean') throw invalidOption('transactional', 'a boolean', o.transactional);
  return {
    from,
    batchSize: positiveInt('batchSize', o.batchSize, 100),
    pollMs: o.pollIntervalMs === undefined ? undefined : positiveInt('pollIntervalMs', o.pollIntervalMs, 0),
    leaseMs: positiveInt('leaseMs', o.leaseMs, 30_000, 100),
    retryMs: positiveInt('retryDelayMs', o.retryDelayMs, 1000, 0),
    transactional: o.transactional ?? true,
  };
}

/** Consumers per queue, stopped when the queue closes. */
const running = new WeakMap<object, Set<ConsumerLoop>>();

/** Stops every consumer of `store` (its `close()` calls this first). */
export async function stopConsumers(store: object): Promise<void> {
  const set = running.get(store);
  if (set) await Promise.all([...set].map((c) => c.stop()));
}

/** Starts a consumer of `store` over `backend`. */
/** Checks the arguments first, then opens the backend (which may create the checkpoint table): a bad option writes nothing. */
export async function startConsumer(store: object, openBackend: () => Promise<ConsumerBackend>, name: unknown, options: unknown, handler: unknown): Promise<Consumer> {
  const resolved = resolveSubscribe(name, options, handler);
  const backend = await openBackend();
  const loop = new ConsumerLoop(store, backend, name as string, { ...resolved, pollMs: resolved.pollMs ?? backend.defaultPollMs }, handler as ConsumerHandler);
  await loop.start();
  return loop;
}

class ConsumerLoop implements Consumer {
  readonly name: string;
  readonly #store: object;
  readonly #backend: ConsumerBackend;
  readonly #options: Resolved & { pollMs: number };
  readonly #handler: ConsumerHandler;
  readonly #owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** The checkpoint while this process holds the lease; null on standby. */
  #position: number | null = null;
  #renewAt = 0;
  #batches = 0;
  #events = 0;
  #errors = 0;
  #lastError: string | null = null;
  #stopping = false;
  #done: Promise<void> = Promise.resolve();
  #poked = false;
  #wake: (() => void) | null = null;
  #unlisten: (() => Promise<void>) | null = null;

  constructor(store: object, backend: ConsumerBackend, name: string, options: Resolved & { pollMs: number }, handler: ConsumerHandler) {
    this.#store = store;
    this.#backend = backend;
    this.name = name;
    this.#options = options;
    this.#handler = handler;
  }

  async start(): Promise<void> {
    this.#unlisten = await this.#backend.listen(() => {
      // Only the owner reacts to new events; a standby waits for the lease.
      if (this.#position !== null) this.#poke();
    });
    let set = running.get(this.#store);
    if (!set) running.set(this.#store, (set = new Set()));
    set.add(this);
    this.#done = this.#run();
  }

  #poke(): void {
    this.#poked = true;
    this.#wake?.();
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping || this.#poked) {
      this.#poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        this.#poked = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  async #run(): Promise<void> {
    const { batchSize, pollMs, leaseMs, retryMs, transactional, from } = this.#options;
    let heldFor = 0;
    // The read of the next batch, sent while the last one commits (it starts where that one ends).
    let ahead: { after: number; read: Promise<Batch> } | null = null;
    while (!this.#stopping) {
      try {
        if (this.#position === null || Date.now() >= this.#renewAt) {
          const claimedAt = Date.now();
          this.#position = await this.#backend.claim(this.name, this.#owner, from, leaseMs);
          if (this.#position === null) {
            await this.#sleep(Math.min(pollMs, Math.ceil(leaseMs / 2)));
            continue;
          }
          this.#renewAt = claimedAt + leaseMs / 2;
        }
        const after = this.#position;
        let batch: Batch | null = ahead?.after === after ? await ahead.read : null;
        ahead = null;
        // An empty read-ahead may have been held back by this consumer's own open commit (the high-water mark): read again.
        if (!batch || batch.events.length === 0) batch = await this.#backend.read(after, batchSize);
        const { events, pending }: Batch = batch;
        if (events.length === 0) {
          // Held back by a transaction still open: read again soon, backing off up to 250 ms.
          heldFor = pending ? Math.min(250, Math.max(5, heldFor * 2)) : 0;
          await this.#sleep(pending ? Math.min(heldFor, pollMs) : Math.min(pollMs, Math.ceil(leaseMs / 2)));
          continue;
        }
        heldFor = 0;
        const context: ConsumerContext = { consumer: this.name, batch: events };
        const work = async (): Promise<void> => {
          for (const event of events) await this.#handler(event, context);
        };
        const startedAt = Date.now();
        if (!transactional) await work();
        const last: number = events[events.length - 1]!.id;
        // A full batch means more is likely waiting: read it during the commit. It is used only if
        // the commit succeeds (the checkpoint is then `last`); a failed commit drops it.
        if (this.#backend.readAhead && events.length === batchSize) {
          const read = this.#backend.read(last, batchSize);
          read.catch(() => {});
          ahead = { after: last, read };
        }
        await this.#backend.commit(this.name, this.#owner, after, last, leaseMs, transactional ? work : null);
        this.#position = last;
        this.#renewAt = startedAt + leaseMs / 2;
        this.#batches++;
        this.#events += events.length;
      } catch (err) {
        ahead = null;
        this.#position = null;
        if (err instanceof LeaseLostError) continue;
        this.#errors++;
        this.#lastError = err instanceof Error ? err.message : String(err);
        if (err instanceof ClosedError) return;
        await this.#sleep(retryMs);
      }
    }
  }

  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#wake?.();
      this.#done = this.#done.then(async () => {
        await this.#unlisten?.().catch(() => {});
        if (this.#position !== null) await this.#backend.release(this.name, this.#owner).catch(() => {});
        this.#position = null;
        running.get(this.#store)?.delete(this);
      });
    }
    await this.#done;
  }

  async stats(): Promise<ConsumerStats> {
    const position = (await this.#backend.checkpoint(this.name)) ?? 0;
    const lag = await this.#backend.lag(position);
    return {
      name: this.name,
      position,
      lagEvents: lag.events,
      lagMs: lag.oldest === null ? 0 : Math.max(0, Date.now() - lag.oldest),
      batches: this.#batches,
      events: this.#events,
      errors: this.#errors,
      lastError: this.#lastError,
      leaseHeld: this.#position !== null,
      running: !this.#stopping,
    };
  }
}
