/**
 * Where a resource's new ids come from, per its `idGenerator` plan: random
 * url-safe ids (or a custom alphabet, through nanoid), UUIDs, ULIDs, a
 * function, or an incremental sequence (see {@link SequenceStore}). In `fast`
 * mode a batch of values is reserved with one conditional write and handed
 * out locally; values of a batch a process never used are skipped, never
 * reused.
 */
import { randomUUID } from 'node:crypto';
import { customAlphabet } from 'nanoid';
import { monotonicFactory } from 'ulid';
import { generateId } from '../document-keys.js';
import type { CallOptions } from '../resource-types.js';
import type { IdPlan, IncrementalPlan } from './id-generator-option.js';
import type { SequenceInfo, SequenceStore } from './sequence-store.js';

/** A batch of incremental ids reserved by this process (`reserveIdBatch`, `getBatchStatus`). Values are numbers before `prefix`/`padding` formatting. */
export interface BatchStatus {
  /** First value of the batch. */
  start: number;
  /** First value after the batch. */
  end: number;
  /** The next value this process hands out. */
  current: number;
  /** Values left in the batch (counted in `increment` steps). */
  remaining: number;
}

export class IdSource {
  #plan: IdPlan;
  readonly #sequences: SequenceStore;
  readonly #batches = new Map<string, { start: number; end: number; current: number }>();
  #random: (() => string) | undefined;
  #ulid: (() => string) | undefined;

  constructor(plan: IdPlan, sequences: SequenceStore) {
    this.#plan = plan;
    this.#sequences = sequences;
  }

  set plan(plan: IdPlan) {
    this.#plan = plan;
    this.#random = undefined;
  }

  get incremental(): IncrementalPlan | undefined {
    return this.#plan.kind === 'incremental' ? this.#plan.incremental : undefined;
  }

  /** A new id (unchecked: the caller validates it like any given id). */
  async next(options: CallOptions): Promise<unknown> {
    const plan = this.#plan;
    switch (plan.kind) {
      case 'function':
        return plan.fn();
      case 'uuid':
        return randomUUID();
      case 'ulid':
        this.#ulid ??= monotonicFactory();
        return this.#ulid();
      case 'random':
        if (plan.alphabet === undefined) return generateId(plan.size);
        this.#random ??= customAlphabet(plan.alphabet, plan.size);
        return this.#random();
      case 'incremental':
        return this.format(await this.#nextValue(plan.incremental, options));
    }
  }

  format(value: number): string {
    const inc = this.incremental as IncrementalPlan;
    return `${inc.prefix}${inc.padding > 0 ? String(value).padStart(inc.padding, '0') : String(value)}`;
  }

  async #nextValue(inc: IncrementalPlan, options: CallOptions): Promise<number> {
    if (inc.mode === 'standard' && !this.#batches.has('id')) return this.#sequences.take('id', inc.start, inc.increment, options);
    let batch = this.#batches.get('id');
    if (!batch || batch.current >= batch.end) {
      await this.reserve('id', inc.batchSize, options);
      batch = this.#batches.get('id') as { start: number; end: number; current: number };
    }
    const value = batch.current;
    batch.current += inc.increment;
    return value;
  }

  /** Reserves `count` ids for this process: `{ start, end, current }` (end exclusive). */
  async reserve(field: string, count: number, options: CallOptions): Promise<BatchStatus> {
    const inc = this.incremental as IncrementalPlan;
    const start = await this.#sequences.take(field, inc.start, count * inc.increment, options);
    const batch = { start, end: start + count * inc.increment, current: start };
    this.#batches.set(field, batch);
    return this.batchStatus(field) as BatchStatus;
  }

  batchStatus(field: string): BatchStatus | null {
    const b = this.#batches.get(field);
    if (!b) return null;
    const step = this.incremental?.increment ?? 1;
    return { start: b.start, end: b.end, current: b.current, remaining: Math.max(0, Math.ceil((b.end - b.current) / step)) };
  }

  releaseBatch(field: string): void {
    this.#batches.delete(field);
  }

  peek(field: string, options: CallOptions): Promise<number> {
    const inc = this.incremental as IncrementalPlan;
    const batch = this.#batches.get(field);
    if (batch && batch.current < batch.end) return Promise.resolve(batch.current);
    return this.#sequences.peek(field, inc.start, options);
  }

  async reset(field: string, value: number, options: CallOptions): Promise<void> {
    this.#batches.delete(field);
    await this.#sequences.reset(field, value, options);
  }

  list(options: CallOptions): Promise<SequenceInfo[]> {
    return this.#sequences.list(options);
  }
}
