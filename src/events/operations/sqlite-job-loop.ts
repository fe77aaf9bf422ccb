/**
 * The worker loop of the SQLite job queue: claims due jobs as leases, runs them
 * up to `concurrency` at once, and writes starts and outcomes in grouped
 * transactions (few commits per job, so throughput holds with
 * `synchronous=FULL`). Recovers expired leases and fires due recurring
 * schedules as part of the same rounds. {@link BackgroundJobQueue} is its
 * public face; this file knows nothing of where the table lives.
 */
import type { EventEmitter } from 'node:events';
import { AbortError } from '../../core/errors.js';
import { encodeResult, errorMessage, runAttempt, type AttemptResult } from './job-attempt.js';
import { attemptTimeout, mayRetry } from './job-limits.js';
import { fireDueSchedules, recoverExpiredLeases } from './job-maintenance.js';
import { PrefetchSizer } from './job-prefetch.js';
import type { ResolvedQueueOptions, ResolvedWorkerOptions } from './job-queue-options.js';
import type { ClaimedJob, JobOutcome, JobTable } from './job-table.js';
import { retryBackoff } from './job-timing.js';
import type { JobWorker } from './job-types.js';

/** Most urgent first: priority, then due time, then id. */
function byUrgency(jobs: ClaimedJob[]): ClaimedJob[] {
  return jobs.sort((a, b) => b.priority - a.priority || a.run_at - b.run_at || a.id - b.id);
}

interface Execution {
  controller: AbortController;
  done: Promise<void>;
}

type PendingOutcome = JobOutcome & { name: string; attempt: number; cause?: unknown };

export class SqliteJobLoop {
  readonly #options: ResolvedQueueOptions;
  readonly #prefetch: PrefetchSizer;
  readonly #owner: string;
  /** The queue's table, or null while it has none open. */
  readonly #table: () => JobTable | null;
  /** Where `completed`, `retrying`, `failed` and `error` are emitted. */
  readonly #events: EventEmitter;
  readonly #workers = new Map<string, { fn: JobWorker; options: ResolvedWorkerOptions }>();
  readonly #active = new Map<number, Execution>();
  /** Claimed (leased) jobs waiting for a free slot, most urgent first. */
  #ready: ClaimedJob[] = [];
  #names = '[]';
  #outcomes: PendingOutcome[] = [];
  /** Jobs started here whose start is not written yet (the next transaction writes it). */
  #unrecorded: number[] = [];
  #running = false;
  #closed = false;
  #pumpScheduled = false;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  #heartbeat: NodeJS.Timeout | null = null;
  #nextMaintenanceAt = 0;
  #nextScheduleAt = 0;

  constructor(options: ResolvedQueueOptions, owner: string, table: () => JobTable | null, events: EventEmitter) {
    this.#options = options;
    this.#prefetch = new PrefetchSizer(options.concurrency, options.prefetch);
    this.#owner = owner;
    this.#table = table;
    this.#events = events;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Jobs running here now. */
  get activeCount(): number {
    return this.#active.size;
  }

  get workerNames(): string[] {
    return [...this.#workers.keys()];
  }

  /** True when nothing is running or waiting to run here. */
  get idle(): boolean {
    return this.#active.size === 0 && this.#ready.length === 0;
  }

  hasWorker(name: string): boolean {
    return this.#workers.has(name);
  }

  register(name: string, fn: JobWorker, options: ResolvedWorkerOptions): void {
    this.#workers.set(name, { fn, options });
    this.#names = JSON.stringify([...this.#workers.keys()]);
    if (this.#running) this.schedulePump();
  }

  /** A schedule changed: read the stored schedules again and wake at `next`. */
  schedulesChanged(next: number): void {
    this.#nextScheduleAt = 0; // re-read: an unchanged schedule keeps its stored next run
    this.wakeAt(next);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#nextMaintenanceAt = 0;
    this.#nextScheduleAt = 0;
    this.#startHeartbeat();
    this.schedulePump();
  }

  /**
   * Stops taking jobs. With `drain` waits for running jobs to finish; without,
   * aborts their signals and hands them back as pending at once.
   */
  async stop(drain: boolean): Promise<void> {
    this.#running = false;
    this.#clearTimer();
    for (const job of this.#ready.splice(0)) this.#outcomes.push({ kind: 'released', id: job.id, name: job.name, attempt: 0 });
    if (drain) {
      await Promise.all([...this.#active.values()].map((execution) => execution.done));
    } else {
      for (const [id, execution] of this.#active) {
        this.#active.delete(id);
        this.#outcomes.push({ kind: 'released', id, name: '', attempt: 0 });
        execution.controller.abort(new AbortError('The job queue stopped without draining'));
      }
    }
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    if (this.#table()) this.commit();
  }

  close(): void {
    this.#closed = true;
  }

  /** After a cancel: forgets the job here, aborting its signal if it runs here. */
  cancelled(id: number): void {
    this.#ready = this.#ready.filter((job) => job.id !== id);
    const execution = this.#active.get(id);
    if (execution) {
      this.#active.delete(id);
      execution.controller.abort(new AbortError(`Job ${id} was cancelled`));
      this.schedulePump();
    }
  }

  schedulePump(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    setImmediate(() => this.#pump());
  }

  wakeAt(at: number): void {
    if (!this.#running || at >= this.#timerAt) return;
    this.#clearTimer();
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.schedulePump();
    }, Math.max(0, at - Date.now()));
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
  }

  #startHeartbeat(): void {
    const every = Math.max(10, Math.floor(this.#options.leaseDuration / 3));
    this.#heartbeat = setInterval(() => {
      const table = this.#table();
      if (!table) return;
      try {
        if (this.#active.size + this.#ready.length > 0) table.heartbeat(this.#owner, Date.now() + this.#options.leaseDuration);
      } catch (err) {
        this.#report(err);
      }
      if (this.#running) this.schedulePump();
    }, every);
  }

  /**
   * One transaction: record starts, write finished attempts, run maintenance when
   * due, claim free slots, and record in advance the starts of the jobs about to
   * run that lost a lease before (see {@link #startReady}).
   */
  #pump(): void {
    this.#pumpScheduled = false;
    const table = this.#table();
    if (this.#closed || !table) return;
    const now = Date.now();
    let claimed: ClaimedJob[] = [];
    let marked: ReadonlyMap<number, number> = new Map();
    const { concurrency } = this.#options;
    const prefetch = this.#prefetch.prefetch;
    const ok = this.commit(() => {
      if (!this.#running) return;
      if (now >= this.#nextMaintenanceAt || now >= this.#nextScheduleAt) this.#maintain(table, now);
      const slots = concurrency + prefetch - this.#active.size - this.#ready.length;
      if (slots > 0 && this.#workers.size > 0) {
        claimed = table.claim(this.#owner, this.#names, slots, now, now + this.#options.leaseDuration);
      }
      const candidates = this.#ready.concat(claimed);
      if (candidates.some((job) => job.lost_leases > 0)) {
        const next = byUrgency(candidates).slice(0, concurrency - this.#active.size);
        const careful = next.filter((job) => job.lost_leases > 0).map((job) => job.id);
        if (careful.length > 0) marked = table.start(this.#owner, careful, now);
      }
    });
    if (!ok) {
      this.wakeAt(now + this.#options.pollInterval);
      return;
    }
    if (!this.#running) {
      // Stopped by an event listener during the commit: hand back what this round claimed.
      for (const job of claimed) this.#outcomes.push({ kind: 'released', id: job.id, name: job.name, attempt: 0 });
      if (claimed.length > 0) this.commit();
      return;
    }
    if (claimed.length > 0) this.#ready = byUrgency(this.#ready.concat(claimed));
    this.#startReady(marked);
    this.wakeAt(Math.min(now + this.#options.pollInterval, this.#nextScheduleAt));
  }

  /**
   * Starts ready jobs into free slots. Only a started attempt counts, and the start
   * is recorded in the next grouped transaction (within one event-loop turn), so a
   * process that dies holding jobs it claimed but never started costs them nothing.
   * A job whose lease expired with no start recorded may have died in that turn: its
   * next start is recorded before it runs (`marked`, by {@link #pump}), so a job that
   * kills its process at once runs uncharged at most once and cannot loop forever.
   */
  #startReady(marked: ReadonlyMap<number, number> = new Map()): void {
    if (!this.#running) return;
    let free = this.#options.concurrency - this.#active.size;
    let waiting = false;
    const ready: ClaimedJob[] = [];
    for (const job of this.#ready) {
      if (free <= 0) {
        // A start recorded for a job that can no longer start now (a listener took the slot) is handed back.
        if (marked.has(job.id)) this.#outcomes.push({ kind: 'released', id: job.id, name: job.name, attempt: 0 });
        else ready.push(job);
      } else if (job.lost_leases === 0) {
        this.#unrecorded.push(job.id);
        this.#execute({ ...job, attempts: job.attempts + 1 });
        free -= 1;
      } else if (marked.has(job.id)) {
        this.#execute({ ...job, attempts: marked.get(job.id) as number });
        free -= 1;
      } else {
        ready.push(job);
        waiting = true;
      }
    }
    this.#ready = ready;
    if (waiting || this.#unrecorded.length > 0 || this.#outcomes.length > 0) this.schedulePump();
  }

  /** Writes buffered outcomes (plus `extra`) in one transaction, then emits their events. */
  commit(extra?: () => void): boolean {
    const table = this.#table();
    if (!table) return true;
    const outcomes = this.#outcomes;
    const unrecorded = this.#unrecorded;
    this.#outcomes = [];
    this.#unrecorded = [];
    const now = Date.now();
    let applied: PendingOutcome[] = [];
    try {
      table.write(() => {
        // A job that started and finished since the last commit gets its start written with
        // its outcome; the others' starts first (an outcome ends the lease a start needs).
        const pending = new Set(unrecorded);
        const finished = outcomes.filter((outcome) => outcome.kind !== 'released' && pending.delete(outcome.id));
        if (pending.size > 0) table.recordStarts(this.#owner, [...pending], now);
        const withStart = new Set(finished);
        applied = outcomes.filter((outcome) => table.apply(outcome, this.#owner, now, withStart.has(outcome)));
        extra?.();
      });
    } catch (err) {
      // Rolled back: keep them for the next try.
      this.#outcomes = outcomes.concat(this.#outcomes);
      this.#unrecorded = unrecorded.concat(this.#unrecorded);
      this.#report(err);
      return false;
    }
    for (const outcome of applied) this.#emitOutcome(outcome);
    return true;
  }

  #emitOutcome(outcome: PendingOutcome): void {
    const { id, name, attempt } = outcome;
    if (outcome.kind === 'completed') {
      this.#events.emit('completed', { id, name, attempt, result: outcome.result === null ? undefined : JSON.parse(outcome.result) });
    } else if (outcome.kind === 'retry') {
      this.#events.emit('retrying', { id, name, attempt, error: outcome.cause, runAt: new Date(outcome.runAt) });
    } else if (outcome.kind === 'failed') {
      this.#events.emit('failed', { id, name, attempt, error: outcome.cause });
    }
  }

  /** Re-queues jobs whose lease expired (their process died) and fires due schedules. */
  #maintain(table: JobTable, now: number): void {
    this.#nextMaintenanceAt = now + Math.max(10, Math.floor(this.#options.leaseDuration / 3));
    recoverExpiredLeases(table, this.#names, (name) => this.#workers.get(name)?.options, now);
    const nextSchedule = fireDueSchedules(table, this.#names, now);
    // Schedules added by other processes are found by the regular maintenance pass.
    this.#nextScheduleAt = Math.min(nextSchedule ?? Infinity, this.#nextMaintenanceAt);
  }

  #execute(job: ClaimedJob): void {
    const worker = this.#workers.get(job.name);
    if (!worker) return; // cannot happen: only registered names are claimed
    const controller = new AbortController();
    const execution: Execution = { controller, done: Promise.resolve() };
    this.#active.set(job.id, execution);
    const began = performance.now();
    execution.done = runAttempt(worker.fn, job, attemptTimeout(job, worker.options), controller).then((result) => {
      this.#prefetch.record(performance.now() - began);
      this.#settle(job, execution, worker.options, result);
    });
  }

  #settle(job: ClaimedJob, execution: Execution, options: ResolvedWorkerOptions, result: AttemptResult): void {
    if (this.#active.get(job.id) !== execution) return; // cancelled or released meanwhile
    this.#active.delete(job.id);
    const base = { id: job.id, name: job.name, attempt: job.attempts };
    if (result.ok) {
      this.#outcomes.push({ ...base, kind: 'completed', result: encodeResult(result.value) });
    } else if (mayRetry(job, options)) {
      const runAt = Date.now() + retryBackoff(job.attempts, options.retryDelay, options.maxRetryDelay);
      this.#outcomes.push({ ...base, kind: 'retry', runAt, error: errorMessage(result.error), cause: result.error });
      this.wakeAt(runAt);
    } else {
      this.#outcomes.push({ ...base, kind: 'failed', error: errorMessage(result.error), cause: result.error });
    }
    this.#startReady();
    this.schedulePump();
  }

  #report(err: unknown): void {
    if (this.#events.listenerCount('error') > 0) this.#events.emit('error', err);
    else process.emitWarning(`BackgroundJobQueue: ${errorMessage(err)}`, 'S3liteJobQueueWarning');
  }
}
