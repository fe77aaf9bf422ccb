/**
 * The cache of the `…Cached` reads on PostgreSQL, kept right when other
 * processes or machines write to the same database.
 *
 * - `retrieveByIDCached`: a committed event never changes and a missing id is
 *   not cached, so these entries cannot go stale.
 * - `getTransactionCached`: another process's commit can add to a correlation.
 *   Every commit that inserts events notifies (pg-listener.ts); a notification
 *   from a session outside this pool drops every cached correlation (this
 *   queue's own writes drop just theirs, after their commit). Hits are served
 *   only while the LISTEN connection is in place and answered a round trip sent
 *   within the last {@link PROOF_MS}; otherwise the read waits (up to
 *   PING_WAIT_MS) for one such round trip first (notifications of earlier
 *   commits arrive before its answer), or reads the database: while that round
 *   trip is slow, and while LISTEN is down. A connection that leaves a round
 *   trip unanswered for PING_GIVE_UP_MS is replaced.
 *
 * The bound: a hit can miss another process's commit only until that commit's
 * notification reaches this process (about one network hop after the commit),
 * and at worst PROOF_MS when the LISTEN connection hangs without an error (plus
 * 64 hits' time in a loop that never yields: recent-check.ts). A hit costs a
 * flag check on top of the in-memory lookup; one read per PROOF_MS pays a
 * round trip.
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { Cache } from '../../../core/cache.js';
import { RecentCheck } from '../../../core/recent-check.js';
import type { EventRow } from '../../event-row.js';
import type { CacheStatsReport } from '../../init-queue.js';
import { cacheKeyOfId, cacheKeyOfTransaction } from '../../queue-context.js';
import { listenForCommits, type CommitListening } from './pg-listener.js';

/** How long one answered round trip on the LISTEN connection vouches for it (ms). */
export const PROOF_MS = 1000;
/** Longest a cached read waits for that round trip before it reads the database instead (ms). */
const PING_WAIT_MS = 250;
/** A round trip unanswered this long drops the LISTEN connection; a new one is made (ms). */
const PING_GIVE_UP_MS = 5000;
/** Wait before listening again after LISTEN failed (ms). */
const RETRY_MS = 1000;
/** Every cached correlation's key starts so. */
const TRANSACTION_PREFIX = cacheKeyOfTransaction('');

interface CacheSettings {
  enabled: boolean;
  maxSize: number;
  ttl: number;
}

/** The server process id of a pool client (set once connected; not in pg's type declarations). */
function backendPid(client: pg.PoolClient): number {
  return (client as unknown as { processID: number }).processID;
}

/** `promise`'s answer, or false once `ms` passed first. */
function orFalseAfter(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export class PgReadCache {
  readonly #pool: pg.Pool;
  readonly #settings: CacheSettings;
  readonly #cache: Cache<EventRow | EventRow[]> | null;
  /** Sessions of this pool: their commits are this queue's own, already invalidated precisely. */
  readonly #ownPids = new Set<number>();
  readonly #onConnect = (client: pg.PoolClient): void => void this.#ownPids.add(backendPid(client));
  readonly #onRemove = (client: pg.PoolClient): void => void this.#ownPids.delete(backendPid(client));
  #listening: CommitListening | null = null;
  #starting: Promise<void> | null = null;
  #retryAt = 0;
  /** Whether the last answered round trip on the LISTEN connection was sent under PROOF_MS ago. */
  readonly #proof = new RecentCheck(PROOF_MS);
  #proving: Promise<boolean> | null = null;
  #provingSince = 0;
  /** Bumped by every invalidation: a read that started before one does not store its result. */
  #generation = 0;
  #closed = false;

  /** Created before the pool's first connection, so that every session of the pool is known. */
  constructor(pool: pg.Pool, settings: CacheSettings) {
    this.#pool = pool;
    this.#settings = { ...settings };
    this.#cache = settings.enabled ? new Cache<EventRow | EventRow[]>({ max: settings.maxSize, ttl: settings.ttl, freeze: true }) : null;
    if (this.#cache) {
      pool.on('connect', this.#onConnect);
      pool.on('remove', this.#onRemove);
    }
  }

  get enabled(): boolean {
    return this.#cache !== null;
  }

  async byId(id: number, load: () => Promise<EventRow | null>): Promise<EventRow | null> {
    if (!this.#cache) return load();
    const key = cacheKeyOfId(id);
    const hit = this.#cache.get(key);
    if (hit !== undefined) return hit as EventRow;
    const row = await load();
    // Frozen in place by the cache: the caller gets the cached value itself.
    if (row) this.#cache.set(key, row);
    return row;
  }

  async transaction(correlationId: string, load: () => Promise<EventRow[]>): Promise<readonly EventRow[]> {
    if (!this.#cache) return load();
    const trusted = this.#trusted();
    if (trusted !== true && !(await trusted)) return load();
    const key = cacheKeyOfTransaction(correlationId);
    const hit = this.#cache.get(key);
    if (hit !== undefined) return hit as EventRow[];
    const generation = this.#generation;
    const rows = await load();
    if (generation === this.#generation && this.#proof.holds()) this.#cache.set(key, rows);
    return rows;
  }

  /** Whether cached correlations may be served now (a promise when that takes a round trip). */
  #trusted(): boolean | Promise<boolean> {
    if (this.#proof.holds()) return true;
    const listening = this.#listening;
    if (!listening?.live) return this.#listen().then((live) => live && this.#trusted());
    const now = performance.now();
    if (!this.#proving) {
      this.#provingSince = now;
      this.#proving = this.#prove(listening, now);
    }
    // One round trip in flight at a time; a slow one leaves reads to the database meanwhile.
    const left = PING_WAIT_MS - (now - this.#provingSince);
    return left > 0 ? orFalseAfter(this.#proving, left) : false;
  }

  async #prove(listening: CommitListening, sent: number): Promise<boolean> {
    try {
      return (await listening.ping(PING_GIVE_UP_MS)) && !this.#closed && this.#proof.mark(sent);
    } finally {
      this.#proving = null;
    }
  }

  /** Joins the pool's LISTEN connection (shared with consumers); false while that fails. */
  #listen(): Promise<boolean> {
    if (this.#closed || performance.now() < this.#retryAt) return Promise.resolve(false);
    // The LISTEN connection is held for good: a pool of one would have none left for queries.
    if ((this.#pool.options.max ?? 10) < 2) return Promise.resolve(false);
    this.#starting ??= listenForCommits(this.#pool, {
      committed: (pid) => {
        if (!this.#ownPids.has(pid)) this.#dropTransactions();
      },
      lost: () => {
        this.#proof.reset();
        this.#dropTransactions();
        this.#retryAt = performance.now() + RETRY_MS;
      },
    })
      .then((listening) => {
        if (this.#closed || !listening.live) {
          this.#retryAt = performance.now() + RETRY_MS;
          void listening.stop();
          return;
        }
        // Reads that started before LISTEN was in place may have missed a commit.
        this.#dropTransactions();
        if (this.#listening) void this.#listening.stop();
        this.#listening = listening;
      })
      .finally(() => {
        this.#starting = null;
      });
    return this.#starting.then(() => this.#listening?.live === true);
  }

  #dropTransactions(): void {
    this.#generation++;
    this.#cache?.deletePrefix(TRANSACTION_PREFIX);
  }

  /** After this queue committed `rows`: drops their correlations and ids. */
  invalidate(rows: Iterable<EventRow | undefined>): void {
    if (!this.#cache) return;
    this.#generation++;
    if (this.#cache.size === 0) return;
    for (const row of rows) {
      if (!row) continue;
      this.#cache.delete(cacheKeyOfTransaction(row.correlation_id));
      this.#cache.delete(cacheKeyOfId(row.id));
    }
  }

  clear(): void {
    this.#generation++;
    this.#cache?.clear();
  }

  stats(): CacheStatsReport {
    const { maxSize, ttl } = this.#settings;
    if (!this.#cache) return { enabled: false, hits: 0, misses: 0, evictions: 0, size: 0, maxSize, ttl, hitRate: 0 };
    const stats = this.#cache.stats();
    return { enabled: true, hits: stats.hits, misses: stats.misses, evictions: stats.evictions, size: stats.size, maxSize: stats.max, ttl: stats.ttl, hitRate: stats.hitRate };
  }

  /** Stops listening (before the pool ends). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#proof.reset();
    this.clear();
    this.#pool.off('connect', this.#onConnect);
    this.#pool.off('remove', this.#onRemove);
    await this.#starting;
    await this.#listening?.stop();
    this.#listening = null;
  }
}
