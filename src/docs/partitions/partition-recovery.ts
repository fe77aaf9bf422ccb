/**
 * Crash recovery of partition references: finds the intents (see
 * partition-intents.ts) that stopped writers left in the store and repairs
 * exactly the documents they name. Cost is O(intents), never a resource walk:
 * one LIST per 1000 intents and one GET per intent, then one reconcile pass
 * per document.
 *
 * `scan()` runs when the resource opens (connect() or createResource() wait
 * for the listing, not for the repairs) and on `recoverPartitions()`. An
 * intent whose writer is a dead process of this machine, or older than
 * `recoveryGrace` (by its LastModified), belongs to a writer that stopped:
 * its document gets a reconcile pass through the queue
 * (re-read, delete every named key the document does not want, put every
 * key it wants), then the intent is deleted. A younger one may belong to a
 * live writer: it is looked at again when it comes of age, one HEAD first
 * (gone means its writer finished). A reconcile pass is right whatever the
 * document's writers do meanwhile, so the grace only keeps recovery out of
 * a live writer's way.
 *
 * Until every intent found is settled, partition reads also look at the keys
 * the intents name (each document is re-checked anyway) and `query()` does
 * not trust the partitions: it scans.
 */
import { NotFoundError } from '../../core/errors.js';
import type { CallOptions } from '../resource-types.js';
import type { PartitionHost } from './partition-host.js';
import { isDeadWriter, type Intent, type IntentLog } from './partition-intents.js';
import { idOfKey, type PartitionSet } from './partition-keys.js';
import type { PartitionQueue } from './partition-queue.js';

/** Delay before a failed listing is tried again. */
const RESCAN_AFTER_FAILURE_MS = 5_000;

/**
 * A dead writer's last requests may still be on the wire to a network store
 * and land after its death (a DELETE of its document landing after recovery
 * re-put the references would leave them stale): its intents wait this long
 * after they are found. Local stores die with their writer: no wait.
 */
const NETWORK_SETTLE_MS = 10_000;

interface OpenIntent extends Intent {
  /** LastModified of the intent, ms. */
  writtenAt: number;
  /** When this process read it. */
  readAt: number;
  /** Its writer is a dead process of this machine: no grace. */
  orphan: boolean;
  /** Handed to the queue (or being checked): not started twice. */
  busy: boolean;
}

export interface RecoveryStats {
  intents: number;
  recovered: number;
}

export class PartitionRecovery {
  readonly #host: PartitionHost;
  readonly #partitions: PartitionSet;
  readonly #queue: PartitionQueue;
  readonly #log: IntentLog;
  #grace: number;
  readonly #open = new Map<string, OpenIntent>();
  readonly #running = new Set<Promise<void>>();
  /** flush() callers waiting for dead writers' intents to settle. */
  readonly #waiters: (() => void)[] = [];
  #recovered = 0;
  /** The last listing failed: what is in the store is unknown. */
  #unknown = false;
  #scanning: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(host: PartitionHost, partitions: PartitionSet, queue: PartitionQueue, log: IntentLog, grace: number) {
    this.#host = host;
    this.#partitions = partitions;
    this.#queue = queue;
    this.#log = log;
    this.#grace = grace;
  }

  set grace(ms: number) {
    if (ms === this.#grace) return;
    this.#grace = ms;
    this.#settleDue();
  }

  stats(): RecoveryStats {
    return { intents: this.#unknown ? Math.max(1, this.#open.size) : this.#open.size, recovered: this.#recovered };
  }

  /** Whether the partitions may be trusted for `query()`: the intents in the store are known and all settled. */
  trusted(): boolean {
    return !this.#unknown && this.#open.size === 0;
  }

  /** Resolves when the scan in progress (if any) has listed and read the intents. */
  async ready(): Promise<void> {
    await this.#scanning;
  }

  /** Keys under `prefix` that open intents name: reads look at them too. */
  expectedKeys(prefix: string): string[] {
    const keys: string[] = [];
    for (const intent of this.#open.values()) for (const key of intent.keys) if (key.startsWith(prefix)) keys.push(key);
    return keys;
  }

  /** Lists the intents in the store and recovers those past the grace; resolves once they are listed and read. */
  scan(options: CallOptions = {}): Promise<void> {
    this.#scanning ??= this.#scan(options).finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  /**
   * Resolves when the recoveries started so far are done (their reference
   * work may still be queued), dead writers' intents included (they start
   * within seconds); live writers' intents are not waited for.
   */
  async flush(): Promise<void> {
    await this.#scanning;
    for (;;) {
      if (this.#running.size > 0) {
        await Promise.all(this.#running);
        continue;
      }
      if (this.#stopped || ![...this.#open.values()].some((i) => i.orphan && !i.busy)) return;
      // Someone waits for the timer: it may keep the process alive now.
      this.#timer?.ref();
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** No more timers or scans (the database disconnects). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  async #scan(options: CallOptions): Promise<void> {
    if (this.#stopped) return;
    try {
      const found: OpenIntent[] = [];
      const listed = new Set<string>();
      for await (const object of this.#log.list(options)) {
        listed.add(object.key);
        if (this.#log.isOwn(object.key) || this.#open.has(object.key)) continue;
        found.push({ key: object.key, id: idOfKey(object.key) ?? '', keys: [], writtenAt: object.lastModified.getTime(), readAt: 0, orphan: false, busy: false });
      }
      // One GET per intent (the pool bounds how many run at once).
      await Promise.all(
        found.map(async (intent) => {
          const stored = await this.#log.read(intent.key, options);
          if (!stored) return; // its writer finished meanwhile
          intent.id = stored.id;
          intent.readAt = Date.now();
          intent.orphan = isDeadWriter(stored.writer);
          // Only reference keys of this document: a damaged body cannot make recovery delete anything else.
          intent.keys = stored.keys.filter((key) => idOfKey(key) === stored.id && this.#partitions.partitionOfKey(key) !== undefined);
          this.#open.set(intent.key, intent);
        }),
      );
      // Intents gone from the store since an earlier scan: their writers finished.
      for (const intent of this.#open.values()) if (!intent.busy && !listed.has(intent.key)) this.#open.delete(intent.key);
      this.#unknown = false;
    } catch (err) {
      this.#unknown = true;
      this.#host.emit('partitionError', { id: undefined, error: err, attempts: 1, keys: [], recovery: true });
      this.#schedule(Date.now() + RESCAN_AFTER_FAILURE_MS, true);
      return;
    }
    this.#settleDue();
  }

  /** Starts recovery of every open intent past the grace; schedules a look at the earliest of the others. */
  #settleDue(): void {
    if (this.#stopped) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    const settle = this.#host.store.kind === 'file' || this.#host.store.kind === 'memory' ? 0 : NETWORK_SETTLE_MS;
    for (const intent of this.#open.values()) {
      if (intent.busy) continue;
      const due = intent.orphan ? intent.readAt + settle : intent.writtenAt + this.#grace;
      // One that came of age after it was read may have been finished by its writer since: looked at first.
      if (due <= now) this.#track(this.#recover(intent, due > intent.readAt));
      else next = Math.min(next, due);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#schedule(next, false);
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  #schedule(at: number, rescan: boolean): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => (rescan ? void this.scan().catch(() => undefined) : this.#settleDue()), Math.max(0, at - Date.now()));
    // A pending look never keeps the process alive.
    this.#timer.unref();
  }

  #track(work: Promise<void>): void {
    this.#running.add(work);
    void work.finally(() => this.#running.delete(work));
  }

  async #recover(intent: OpenIntent, check: boolean): Promise<void> {
    intent.busy = true;
    try {
      if (check && !(await this.#exists(intent.key))) {
        this.#open.delete(intent.key);
        return;
      }
      await this.#queue.repair(intent.id, intent.keys, undefined, [intent.key]);
      this.#recovered++;
      this.#open.delete(intent.key);
      this.#host.emit('partitionRecovered', { id: intent.id, keys: [...intent.keys] });
    } catch {
      // The queue keeps retrying the repair, and keeps the intent while it fails: it reports it from now on.
      this.#open.delete(intent.key);
    }
  }

  async #exists(key: string): Promise<boolean> {
    try {
      await this.#host.run((signal) => this.#host.store.headObject({ key, signal }), {});
      return true;
    } catch (err) {
      // Unknown: recovering a finished intent costs one reconcile pass, skipping a live one would hide damage.
      return !(err instanceof NotFoundError);
    }
  }
}
