/**
 * One or more drivers used as a single cache, fastest first
 * (`drivers: [memory, redis]`): a hit in a lower driver is promoted to the
 * ones above it.
 *
 * Exactness: the version tokens live in the last driver (the shared one when
 * there is one) and every lookup checks them, so an entry is served only if
 * nothing it depends on was written since the read that produced it began,
 * whichever process wrote. Upper drivers save the transfer and decoding of
 * the value, not that round trip.
 *
 * Safety: a failing driver never fails a read. Its error is counted, logged
 * once per outage, and the call falls through to storage. An invalidation
 * that could not reach a driver is kept and replayed before that driver is
 * used again, so it cannot serve what the lost invalidation should have
 * removed.
 *
 * Outages across processes: the kept invalidation lives in this process
 * only, and its writer may exit before the shared driver is back. So the
 * global version token doubles as the cache epoch (every entry depends on
 * it, every hit checks it): it is replaced before a shared driver is used
 * again after it failed in this process, and on the signals of failures
 * elsewhere that epoch-watch.ts collects.
 */
import type { Logger } from '../../logger.js';
import { freshToken, type CacheDriver, type CacheEntry, type DriverContext, type DriverRead, type VersionWrite } from './cache-driver.js';
import { docEntryKey, versionKeys, type ReadPlan } from './cache-keys.js';
import { complete, valid } from './entry-version.js';
import { EpochWatch } from './epoch-watch.js';
import { Slot, type CacheStats, type DriverStats } from './cache-slot.js';

export type { CacheStats, DriverStats } from './cache-slot.js';

/** A hit, or a miss with the version tokens a fresh read may be stored under (none when it must not be stored). */
export type Lookup = { hit: true; value: unknown } | { hit: false; tokens: readonly string[] | undefined };

/** What {@link CacheStack.lookupNow} returns when it has no hit to serve. */
export const NOT_NOW: unique symbol = Symbol('not served synchronously');

/** Pending invalidations past this many collapse into one global invalidation of that driver. */
const MAX_PENDING = 1000;
/** How often a driver with pending invalidations is retried. */
const RETRY_MS = 250;
const NO_KEYS: readonly string[] = [];
const NO_STORE: Lookup = { hit: false, tokens: undefined };

export class CacheStack {
  /**
   * Every driver answers in this process without a promise (memory): hits
   * are then served by {@link lookupNow}, with no await between the call and
   * the copy handed out.
   */
  readonly synchronous: boolean;
  readonly #slots: Slot[];
  readonly #authority: Slot;
  readonly #ttl: number;
  readonly #docVersionTtl: number;
  readonly #logger: () => Logger;
  readonly #background = new Set<Promise<unknown>>();
  /** With a shared last driver: when its epoch must change because of failures elsewhere. */
  readonly #epoch: EpochWatch | undefined;
  #hits = 0;
  #misses = 0;

  constructor(drivers: readonly CacheDriver[], ttl: number, logger: () => Logger) {
    const seen = new Map<string, number>();
    this.#slots = drivers.map((driver) => {
      const n = (seen.get(driver.kind) ?? 0) + 1;
      seen.set(driver.kind, n);
      return new Slot(n === 1 ? driver.kind : `${driver.kind}#${n}`, driver);
    });
    this.#authority = this.#slots[this.#slots.length - 1] as Slot;
    this.synchronous = drivers.every((driver) => typeof driver.readNow === 'function');
    const last = this.#authority.driver;
    this.#epoch = last.shared ? new EpochWatch(last, logger, () => this.#startEpoch()) : undefined;
    this.#ttl = ttl;
    // A document's token must outlive every entry read under the previous one; expiring sooner only costs misses.
    this.#docVersionTtl = ttl > 0 ? 2 * ttl + 60_000 : 0;
    this.#logger = logger;
  }

  async open(context: DriverContext): Promise<void> {
    for (const slot of this.#slots) {
      try {
        await slot.driver.open(context);
      } catch (err) {
        this.#fail(slot, 'connect', err);
      }
    }
    await this.#epoch?.start(context, (work) => this.#track(work));
  }

  /**
   * The hit of `plan` in a {@link synchronous} stack, read and checked
   * exactly as {@link lookup} does, or NOT_NOW (a miss, a stale entry, a
   * driver error): the caller then runs lookup(), which does the accounting.
   */
  lookupNow(plan: ReadPlan): unknown {
    const authority = this.#authority;
    if (!this.#usable(authority)) return NOT_NOW;
    try {
      const last = this.#slots.length - 1;
      let entry: CacheEntry | undefined;
      let index = last;
      for (let i = 0; i < last; i++) {
        const slot = this.#slots[i] as Slot;
        if (!this.#usable(slot)) continue;
        entry = (slot.driver.readNow as NonNullable<CacheDriver['readNow']>)(NO_KEYS, plan.key).entry;
        this.#ok(slot);
        if (entry) {
          index = i;
          break;
        }
      }
      const read = (authority.driver.readNow as NonNullable<CacheDriver['readNow']>)(plan.deps, entry ? undefined : plan.key);
      this.#ok(authority);
      entry ??= read.entry;
      if (!entry || !valid(entry, plan.args, read.versions)) return NOT_NOW;
      return this.#hit(index, plan, entry, read.versions);
    } catch {
      return NOT_NOW;
    }
  }

  /** Serves `plan` from the first driver holding a valid entry, or says under which version a fresh read may be stored. */
  async lookup(plan: ReadPlan): Promise<Lookup> {
    const authority = this.#authority;
    if (!this.#usable(authority)) return this.#miss();
    const { key, args, deps } = plan;
    let upper: { entry: CacheEntry; index: number } | undefined;
    let consulted = 0;
    for (let i = 0; i < this.#slots.length - 1 && !upper; i++) {
      const slot = this.#slots[i] as Slot;
      if (!this.#usable(slot)) continue;
      consulted = i + 1;
      try {
        const { entry } = await slot.driver.read(NO_KEYS, key);
        this.#ok(slot);
        if (entry) upper = { entry, index: i };
      } catch (err) {
        this.#fail(slot, 'read', err);
      }
    }
    let read: DriverRead;
    try {
      read = await authority.driver.read(deps, upper ? undefined : key);
      this.#ok(authority);
    } catch (err) {
      this.#fail(authority, 'read', err);
      return this.#miss();
    }
    const versions = read.versions;
    if (!complete(versions)) {
      const tokens = await this.#ensure(deps, versions);
      this.#countMisses(consulted, true);
      return this.#miss(tokens);
    }
    if (upper && valid(upper.entry, args, versions)) {
      const opened = this.#open(upper.index, plan, upper.entry);
      if (opened) return { hit: true, value: this.#hit(upper.index, plan, opened, versions) };
    }
    let entry = read.entry;
    if (upper) {
      // The upper copy is stale: the shared driver may hold a fresh one.
      try {
        entry = (await authority.driver.read(NO_KEYS, key)).entry;
      } catch (err) {
        this.#fail(authority, 'read', err);
        return this.#miss();
      }
    }
    if (entry && valid(entry, args, versions)) {
      const opened = this.#open(this.#slots.length - 1, plan, entry);
      if (opened) return { hit: true, value: this.#hit(this.#slots.length - 1, plan, opened, versions) };
    }
    this.#countMisses(consulted, true);
    return this.#miss(versions);
  }

  /**
   * Stores a result read under the version `tokens` in every driver (in the
   * background; `settle()` waits). Each driver copies or serialises the value
   * before write() returns, so the caller keeps the original to change as it likes.
   */
  store(plan: ReadPlan, tokens: readonly string[], value: unknown): void {
    const entry: CacheEntry = { version: tokens.join('.'), tokens, args: plan.args, value };
    this.#writeTo(this.#slots.length, plan, entry);
  }

  /**
   * After a write: new tokens for the written documents and the resource's
   * lists (or, when the ids are unknown, for the whole resource), and the
   * written documents' entries deleted. Resolves when every driver is clean
   * or has the invalidation queued for replay.
   */
  async invalidate(resource: string, ids: readonly string[] | undefined): Promise<void> {
    const versions: VersionWrite[] = [{ key: versionKeys.lists(resource), token: freshToken(), ttl: 0 }];
    if (ids === undefined) versions.push({ key: versionKeys.resource(resource), token: freshToken(), ttl: 0 });
    else for (const id of new Set(ids)) versions.push({ key: versionKeys.doc(resource, id), token: freshToken(), ttl: this.#docVersionTtl });
    const stale = ids === undefined ? [] : [...new Set(ids)].map((id) => docEntryKey(resource, id));
    await this.#invalidateAll(versions, stale);
  }

  /** Forgets one resource's entries, or every entry. */
  async clear(resource?: string): Promise<void> {
    const key = resource === undefined ? versionKeys.global : versionKeys.resource(resource);
    await this.#invalidateAll([{ key, token: freshToken(), ttl: 0 }], []);
  }

  stats(): CacheStats {
    const drivers: Record<string, DriverStats> = {};
    let sets = 0;
    let evictions = 0;
    let errors = 0;
    for (const slot of this.#slots) {
      const evicted = slot.driver.evictions();
      drivers[slot.name] = { driver: slot.driver.kind, hits: slot.hits, misses: slot.misses, sets: slot.sets, evictions: evicted, errors: slot.errors };
      sets += slot.sets;
      evictions += evicted;
      errors += slot.errors;
    }
    const lookups = this.#hits + this.#misses;
    return { hits: this.#hits, misses: this.#misses, sets, evictions, errors, hitRate: lookups === 0 ? 0 : this.#hits / lookups, drivers };
  }

  /** Waits for background writes and replays. */
  async settle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  async close(): Promise<void> {
    this.#epoch?.stop();
    await this.settle();
    for (const slot of this.#slots) {
      try {
        await slot.driver.close();
      } catch (err) {
        this.#fail(slot, 'close', err);
      }
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  async #invalidateAll(versions: VersionWrite[], stale: string[]): Promise<void> {
    await Promise.all(
      this.#slots.map(async (slot) => {
        // Only the last driver keeps versions; the others just drop the stale entries.
        const own = slot === this.#authority ? versions : [];
        if (slot.pending.length > 0 || slot.retrying) {
          this.#queue(slot, own, stale);
        } else {
          try {
            await slot.driver.invalidate(own, stale);
            this.#ok(slot);
            return;
          } catch (err) {
            this.#fail(slot, 'invalidate', err);
            this.#queue(slot, own, stale);
          }
        }
        // Kept only in this process so far: leave a note in the store before the write resolves, in case it exits first.
        if (slot === this.#authority) await this.#epoch?.noteMissed();
      }),
    );
  }

  /** Keeps an invalidation the last driver missed, to replay before it is read again. */
  #queue(slot: Slot, versions: VersionWrite[], stale: string[]): void {
    // Upper drivers' stale entries are already invalid by version: nothing to replay there.
    if (slot !== this.#authority) return;
    slot.pending.push(...versions);
    slot.pendingEntries.push(...stale);
    if (slot.pending.length + slot.pendingEntries.length > MAX_PENDING) {
      slot.pending = [{ key: versionKeys.global, token: freshToken(), ttl: 0 }];
      slot.pendingEntries = [];
    }
  }

  /** Replaces the cache epoch now; a failure queues it (see #fail). */
  async #startEpoch(): Promise<boolean> {
    const authority = this.#authority;
    try {
      await authority.driver.invalidate([{ key: versionKeys.global, token: freshToken(), ttl: 0 }], []);
      this.#ok(authority);
      return true;
    } catch (err) {
      this.#fail(authority, 'start a new cache epoch', err);
      return false;
    }
  }

  /** Queues a new cache epoch (a fresh global token) to be in place before `slot` is read again. */
  #newEpoch(slot: Slot): void {
    if (!slot.pending.some((v) => v.key === versionKeys.global)) slot.pending.push({ key: versionKeys.global, token: freshToken(), ttl: 0 });
  }

  /** Whether `slot` may be read and written now; starts a replay of missed invalidations when due. */
  #usable(slot: Slot): boolean {
    if (slot === this.#authority && this.#epoch?.disrupted()) this.#newEpoch(slot);
    if (slot.pending.length === 0 && slot.pendingEntries.length === 0 && !slot.retrying) return true;
    const now = Date.now();
    if (!slot.retrying && now - slot.lastRetry >= RETRY_MS) {
      slot.lastRetry = now;
      const versions = slot.pending;
      const entries = slot.pendingEntries;
      slot.pending = [];
      slot.pendingEntries = [];
      slot.retrying = slot.driver.invalidate(versions, entries).then(
        () => {
          slot.retrying = undefined;
          if (slot === this.#authority && slot.pending.length === 0) this.#epoch?.replayed();
          this.#ok(slot);
        },
        (err: unknown) => {
          slot.retrying = undefined;
          slot.pending.unshift(...versions);
          slot.pendingEntries.unshift(...entries);
          this.#fail(slot, 'replay invalidations', err);
        },
      );
      this.#track(slot.retrying);
    }
    return false;
  }

  async #ensure(deps: readonly string[], current: readonly (string | undefined)[]): Promise<string[] | undefined> {
    const missing: VersionWrite[] = [];
    deps.forEach((key, i) => {
      if (current[i] === undefined) missing.push({ key, token: freshToken(), ttl: key === deps[2] ? this.#versionTtl(key) : 0 });
    });
    try {
      const tokens = await this.#authority.driver.ensure(missing);
      this.#ok(this.#authority);
      let next = 0;
      return current.map((token) => token ?? (tokens[next++] as string));
    } catch (err) {
      this.#fail(this.#authority, 'create versions', err);
      return undefined;
    }
  }

  #versionTtl(key: string): number {
    return key.startsWith('v/d/') ? this.#docVersionTtl : 0;
  }

  /** Counts a hit in driver `index`, promotes the (opened) entry to the drivers above it, and returns its value. */
  #hit(index: number, plan: ReadPlan, entry: CacheEntry, tokens: readonly string[]): unknown {
    this.#hits++;
    (this.#slots[index] as Slot).hits++;
    this.#countMisses(index, false);
    // Promote to the faster drivers above (they copy what they keep).
    if (index > 0) this.#writeTo(index, plan, { version: entry.version, tokens, args: entry.args, value: entry.value });
    return entry.value;
  }

  /** Writes `entry` (secret fields open) to the first `upTo` usable drivers, sealed for those outside the process. */
  #writeTo(upTo: number, plan: ReadPlan, entry: CacheEntry): void {
    let sealed: CacheEntry | undefined;
    for (let i = 0; i < upTo; i++) {
      const slot = this.#slots[i] as Slot;
      if (!this.#usable(slot)) continue;
      let own = entry;
      if (slot.seals && plan.sealer) own = sealed ??= { version: entry.version, args: entry.args, value: plan.sealer.seal(plan.method, entry.value) };
      slot.sets++;
      this.#track(slot.driver.write(plan.key, own, this.#ttl).then(() => this.#ok(slot), (err: unknown) => this.#fail(slot, 'write', err)));
    }
  }

  /**
   * The entry read from driver `index` with its secret fields decrypted, or
   * undefined when one does not decrypt (tampered, another passphrase): it
   * is then not served, counted as an error, and replaced by the fresh read.
   */
  #open(index: number, plan: ReadPlan, entry: CacheEntry): CacheEntry | undefined {
    const slot = this.#slots[index] as Slot;
    if (!slot.seals || !plan.sealer) return entry;
    try {
      return { version: entry.version, args: entry.args, value: plan.sealer.open(plan.method, entry.value) };
    } catch (err) {
      slot.errors++;
      this.#logger().warn(`cache driver ${slot.name} holds an entry of ${plan.resource} whose secret fields do not decrypt (${(err as Error).message}); it is read from storage instead`);
      return undefined;
    }
  }

  #miss(tokens?: readonly string[]): Lookup {
    this.#misses++;
    return tokens === undefined ? NO_STORE : { hit: false, tokens };
  }

  /** Counts a miss on the first `upTo` drivers (and the last one when `authority`). */
  #countMisses(upTo: number, authority: boolean): void {
    for (let i = 0; i < upTo && i < this.#slots.length - 1; i++) (this.#slots[i] as Slot).misses++;
    if (authority) this.#authority.misses++;
  }

  #track(promise: Promise<unknown>): void {
    this.#background.add(promise);
    void promise.finally(() => this.#background.delete(promise));
  }

  #ok(slot: Slot): void {
    if (!slot.broken) return;
    slot.broken = false;
    this.#logger().info(`cache driver ${slot.name} works again`);
  }

  #fail(slot: Slot, operation: string, err: unknown): void {
    slot.errors++;
    // Other processes may have lost invalidations in the same outage: no entry from before it is served after it.
    if (slot === this.#authority && this.#epoch && operation !== 'close') this.#newEpoch(slot);
    if (slot.broken) return;
    slot.broken = true;
    const reason = err instanceof Error ? err.message : String(err);
    this.#logger().warn(`cache driver ${slot.name} failed to ${operation} (${reason}); reads go to storage until it works again (further errors are counted in plugin.stats(), not logged)`);
  }
}
