/**
 * Sequences of a resource (`incremental` ids), one object each at
 * `resource=<name>/sequence=<field>/value` holding the next value to hand
 * out. Every change is a conditional write on the ETag read (or
 * If-None-Match for the first), retried on conflict: two processes never
 * receive the same value, with no lock object to expire.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { invalidOption } from '../../core/options.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { CallOptions } from '../resource-types.js';
import { backoff } from '../write-arguments.js';

/** One sequence of an incremental-id resource, as `listSequences()` returns it. */
export interface SequenceInfo {
  /** The sequence's field (`'id'` for the document ids). */
  name: string;
  /** The next value the sequence hands out. */
  value: number;
  /** ISO 8601 time of the sequence's first value. */
  createdAt: string;
  /** ISO 8601 time of its last change. */
  updatedAt: string;
}

export interface SequenceDeps {
  resource: string;
  store: ObjectStore;
  run<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T>;
}

const ATTEMPTS = 200;

export class SequenceStore {
  readonly #d: SequenceDeps;

  constructor(deps: SequenceDeps) {
    this.#d = deps;
  }

  #prefix(): string {
    return `resource=${this.#d.resource}/sequence=`;
  }

  #key(field: string): string {
    if (typeof field !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(field)) throw invalidOption('sequence name', 'letters, digits, `_`, `.` or `-`', field);
    return `${this.#prefix()}${field}/value`;
  }

  async #read(key: string, options: CallOptions): Promise<{ info: SequenceInfo; etag: string } | null> {
    try {
      const object = await this.#d.run((signal) => this.#d.store.getObject({ key, signal }), options);
      return { info: JSON.parse(object.body.toString()) as SequenceInfo, etag: object.etag };
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /** The next value without taking it (`start` when the sequence does not exist yet). */
  async peek(field: string, start: number, options: CallOptions): Promise<number> {
    return (await this.#read(this.#key(field), options))?.info.value ?? start;
  }

  /**
   * Takes `amount` from the sequence: returns the first value taken; the
   * sequence then holds first + amount. One conditional write per attempt.
   */
  async take(field: string, start: number, amount: number, options: CallOptions): Promise<number> {
    return this.#change(field, options, (current) => (current ?? start) + amount, (current) => current ?? start);
  }

  /** Sets the next value. */
  async reset(field: string, value: number, options: CallOptions): Promise<void> {
    if (!Number.isSafeInteger(value)) throw invalidOption('value', 'a safe integer', value);
    await this.#change(field, options, () => value, () => value);
  }

  async list(options: CallOptions): Promise<SequenceInfo[]> {
    const out: SequenceInfo[] = [];
    for await (const object of this.#d.store.listAll({ prefix: this.#prefix(), ...(options.signal ? { signal: options.signal } : {}) })) {
      if (!object.key.endsWith('/value')) continue;
      const read = await this.#read(object.key, options);
      if (read) out.push({ name: read.info.name, value: read.info.value, createdAt: read.info.createdAt, updatedAt: read.info.updatedAt });
    }
    return out;
  }

  async #change(field: string, options: CallOptions, next: (current: number | undefined) => number, result: (current: number | undefined) => number): Promise<number> {
    const key = this.#key(field);
    for (let attempt = 1; ; attempt++) {
      const read = await this.#read(key, options);
      const now = new Date().toISOString();
      const info: SequenceInfo = { name: field, value: next(read?.info.value), createdAt: read?.info.createdAt ?? now, updatedAt: now };
      if (!Number.isSafeInteger(info.value)) throw invalidOption(`sequence ${field}`, 'to stay within safe integers', info.value);
      const condition = read ? { ifMatch: read.etag } : { ifNoneMatch: '*' as const };
      try {
        // A random revision makes every write's body (so its ETag) unique, even when the value returns to an earlier one.
        const body = JSON.stringify({ ...info, rev: randomBytes(8).toString('hex') });
        await this.#d.run((signal) => this.#d.store.putObject({ key, body, contentType: 'application/json', ...condition, signal }), options);
        return result(read?.info.value);
      } catch (err) {
        if (!(err instanceof ConflictError) && !(err instanceof NotFoundError)) throw err;
        if (attempt >= ATTEMPTS) throw new ConflictError(`Sequence ${this.#d.resource}.${field} changed under ${ATTEMPTS} consecutive attempts; try again`, { cause: err });
        await backoff(attempt, options.signal);
      }
    }
  }
}
