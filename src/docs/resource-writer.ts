/**
 * The write path of a resource: validation, hooks, the conditional PUT or
 * DELETE of the document, then the document indexes (partition references),
 * `after*` hooks and events.
 *
 * Every write is conditional (insert with If-None-Match, update/patch/replace
 * with If-Match on the ETag read), so concurrent writers never lose each
 * other's updates on stores that enforce conditions; a conflicting update
 * re-reads and re-applies, a bounded number of times.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import type { ObjectStore } from '../storage/object-store.js';
import { isPlainObject } from './codec.js';
import { deleteConditionally, putConditionally } from './conditional-writes.js';
import type { DocumentCodec, Document } from './document-codec.js';
import { assertValidId, generateId, type DocumentKeys } from './document-keys.js';
import type { ResolvedConfig } from './resource-config.js';
import type { CallOptions, DocumentIndex, Hook, HookName, PlannedWrite, WriteChange } from './resource-types.js';
import type { Resource } from './resource.js';
import { validationFailed, type CompiledSchema } from './schema.js';
import { backoff, withoutId } from './write-arguments.js';

const TIMESTAMP_FIELDS = ['createdAt', 'updatedAt'] as const;

/** What the writer needs from its resource. */
export interface WriterDeps {
  readonly resource: Resource;
  /** Read at every call: hooks, idGenerator and updateAttempts can change after construction. */
  readonly config: ResolvedConfig;
  readonly schema: CompiledSchema;
  readonly codec: DocumentCodec;
  readonly keys: DocumentKeys;
  readonly store: ObjectStore;
  readonly indexes: readonly DocumentIndex[];
  run<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T>;
  read(id: string, options: CallOptions): Promise<{ doc: Document; etag: string }>;
  emit(event: string, ...args: unknown[]): void;
}

export class DocumentWriter {
  readonly #d: WriterDeps;

  constructor(deps: WriterDeps) {
    this.#d = deps;
  }

  /** Validation on a copy: the caller's objects are never mutated. Returns the data without id. */
  #validate(data: Record<string, unknown>): Record<string, unknown> {
    const copy = this.#d.schema.cloneInput(data);
    const result = this.#d.schema.check(copy);
    if (result !== true) throw validationFailed(this.#d.config.name, result);
    return copy;
  }

  async insert(input: Record<string, unknown>, options: CallOptions): Promise<Document> {
    if (!isPlainObject(input)) throw invalidOption('data', 'a document object', input);
    const id = input.id !== undefined ? input.id : this.#d.config.idGenerator ? this.#d.config.idGenerator() : generateId(this.#d.config.definition.idSize);
    assertValidId(id);
    let data = withoutId(input);
    if (this.#d.config.definition.timestamps) {
      const now = new Date().toISOString();
      data.createdAt ??= now;
      data.updatedAt ??= now;
    }
    data = await this.#runBeforeHooks('beforeInsert', data, { resource: this.#d.resource, id });
    const valid = this.#validate(data);
    const planned: PlannedWrite = { kind: 'insert', id, before: null, after: { ...valid, id } };
    const { doc: after, etag } = await this.#prepared(planned, options, () => this.#put(id, valid, { ifNoneMatch: '*' }, options));
    await this.#afterWrite({ kind: 'insert', id, before: null, after, beforeEtag: null, afterEtag: etag, planned }, options, 'afterInsert', 'inserted');
    return after;
  }

  /** Read, transform, validate, conditional write; re-reads and re-applies on ConflictError. */
  async modify(id: string, transform: (before: Record<string, unknown>) => Record<string, unknown>, options: CallOptions): Promise<Document> {
    assertValidId(id);
    const attempts = this.#d.config.updateAttempts;
    for (let attempt = 1; ; attempt++) {
      const { doc: before, etag } = await this.#d.read(id, options);
      let data = transform(this.#currentFields(before));
      if (this.#d.config.definition.timestamps) data.updatedAt = new Date().toISOString();
      data = await this.#runBeforeHooks('beforeUpdate', data, { resource: this.#d.resource, id, before });
      const valid = this.#validate(data);
      const planned: PlannedWrite = { kind: 'update', id, before, after: { ...valid, id } };
      try {
        const written = await this.#prepared(planned, options, () => this.#put(id, valid, { ifMatch: etag }, options));
        const change: WriteChange = { kind: 'update', id, before, after: written.doc, beforeEtag: etag, afterEtag: written.etag, contended: attempt > 1, planned };
        await this.#afterWrite(change, options, 'afterUpdate', 'updated');
        return written.doc;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        if (attempt >= attempts) {
          throw new ConflictError(`${this.#d.config.name}/${id} changed under ${attempts} consecutive attempts to update it; try again later`, {
            cause: err,
            details: { resource: this.#d.config.name, id, attempts },
          });
        }
        await backoff(attempt, options.signal);
      }
    }
  }

  /**
   * Read, then delete only if the ETag is still the one read, so hooks and
   * partition references see the version that was really deleted; a document
   * changed in between is re-read, a bounded number of times.
   */
  async delete(id: string, options: CallOptions): Promise<Document> {
    const attempts = this.#d.config.updateAttempts;
    const key = this.#d.keys.key(id);
    for (let attempt = 1; ; attempt++) {
      const { doc: before, etag } = await this.#d.read(id, options);
      await this.#runBeforeHooks('beforeDelete', { ...before }, { resource: this.#d.resource, id, before });
      const planned: PlannedWrite = { kind: 'delete', id, before, after: null };
      try {
        await this.#prepared(planned, options, () => deleteConditionally(this.#d.store, (fn) => this.#d.run(fn, options), { key, ifMatch: etag }));
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        if (attempt >= attempts) {
          throw new ConflictError(`${this.#d.config.name}/${id} changed under ${attempts} consecutive attempts to delete it; try again later`, {
            cause: err,
            details: { resource: this.#d.config.name, id, attempts },
          });
        }
        await backoff(attempt, options.signal);
        continue;
      }
      const change: WriteChange = { kind: 'delete', id, before, after: null, beforeEtag: etag, afterEtag: null, contended: attempt > 1, planned };
      await this.#afterWrite(change, options, 'afterDelete', 'deleted');
      return before;
    }
  }

  async #put(id: string, data: Record<string, unknown>, condition: { ifMatch?: string; ifNoneMatch?: '*' }, options: CallOptions): Promise<{ doc: Document; etag: string }> {
    const encoded = this.#d.codec.encode(id, data, (size, limit) => this.#d.emit('exceedsLimit', { id, size, limit, behavior: this.#d.config.definition.behavior }));
    const key = this.#d.keys.key(id);
    const input = { key, body: encoded.body, metadata: encoded.metadata, contentType: encoded.contentType, ...condition };
    const { etag } = await putConditionally(this.#d.store, (fn) => this.#d.run(fn, options), input).catch((err: unknown) => {
      if (err instanceof ConflictError && condition.ifNoneMatch) {
        throw new ConflictError(`${this.#d.config.name}/${id} already exists: use update, replace or upsert to change it`, { cause: err, details: { resource: this.#d.config.name, id } });
      }
      if (err instanceof NotFoundError && condition.ifMatch) {
        // Deleted between our read and our write: report it as the conflict it is.
        throw new ConflictError(`${this.#d.config.name}/${id} was deleted while being updated`, { cause: err, details: { resource: this.#d.config.name, id } });
      }
      throw err;
    });
    if (encoded.storedFields) {
      const doc = this.#d.codec.decodeFields(id, Object.entries(encoded.storedFields));
      doc.$truncated = true;
      return { doc, etag };
    }
    return { doc: { id, ...data } as Document, etag };
  }

  /** Runs the document write between the indexes' `prepare` and, when it fails, their `abandon`. */
  async #prepared<T>(planned: PlannedWrite, options: CallOptions, write: () => Promise<T>): Promise<T> {
    for (const index of this.#d.indexes) await index.prepare?.(planned, options);
    try {
      return await write();
    } catch (err) {
      for (const index of this.#d.indexes) await index.abandon?.(planned, err, options).catch(() => undefined);
      throw err;
    }
  }

  async #afterWrite(change: WriteChange, options: CallOptions, hook: HookName, event: string): Promise<void> {
    for (const index of this.#d.indexes) await index.onWrite(change, options);
    const doc = (change.after ?? change.before) as Document;
    // afterUpdate receives $before/$after as s3db.js documents; every hook runs with `this` bound to the resource.
    const arg = hook === 'afterUpdate' && change.before ? { ...doc, $before: change.before, $after: doc } : doc;
    for (const fn of this.#d.config.hooks[hook]) await fn.call(this.#d.resource, arg, { resource: this.#d.resource, id: change.id, ...(change.before ? { before: change.before } : {}) });
    this.#d.emit(event, doc, change.before);
  }

  async #runBeforeHooks(name: HookName, data: Record<string, unknown>, context: Parameters<Hook>[1]): Promise<Record<string, unknown>> {
    let current = data;
    for (const hook of this.#d.config.hooks[name]) {
      const replaced = await hook.call(this.#d.resource, current, context);
      if (replaced !== undefined) {
        if (!isPlainObject(replaced)) throw invalidOption(`${name} hook result`, 'a document object or undefined', replaced);
        current = replaced;
      }
    }
    return current;
  }

  /** The stored document without id/markers and without fields that left the schema (writes migrate to the current version). */
  #currentFields(doc: Document): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of this.#d.schema.fields) {
      if (field.segments.length !== 1) continue;
      const name = field.path;
      if (doc[name] !== undefined) out[name] = doc[name];
    }
    return out;
  }

  keepCreatedAt(before: Record<string, unknown>, data: Record<string, unknown>): Record<string, unknown> {
    if (this.#d.config.definition.timestamps && data.createdAt === undefined && before.createdAt !== undefined) {
      return { ...data, [TIMESTAMP_FIELDS[0]]: before.createdAt };
    }
    return data;
  }}
