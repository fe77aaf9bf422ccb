/**
 * The write methods of a resource over its {@link DocumentWriter}: ids for
 * new documents (given, generated or from a sequence, checked against an
 * `id` attribute rule), password hashing, the merge each method applies
 * (update deep-merges, patch sets top-level fields, replace swaps the whole
 * document), inserts-or-modifies that survive racing writers, conditional
 * updates on an ETag, bulk writes in a bounded window, and whole-resource
 * deletes.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import type { ObjectStore } from '../storage/object-store.js';
import { mapBounded } from './bounded-map.js';
import { isPlainObject } from './codec.js';
import { deepMerge } from './deep-merge.js';
import type { Document } from './document-codec.js';
import { assertValidId } from './document-keys.js';
import type { IdCheck } from './id-rule.js';
import type { IdSource } from './ids/id-source.js';
import type { PasswordFields } from './password-fields.js';
import type { ResolvedConfig } from './resource-config.js';
import { EXPECTED_ETAG, type ResourceReads } from './resource-reads.js';
import type { BulkResult, CallOptions } from './resource-types.js';
import { assertNotParanoid, wipePrefix } from './resource-wipe.js';
import type { DocumentWriter } from './resource-writer.js';
import { checkChanges, nullIfMissing, withoutId, withoutUndefined } from './write-arguments.js';

/** What updateConditional resolves to, as s3db.js shapes it. */
export type ConditionalResult = { success: true; data: Document; etag: string | undefined } | { success: false; error: string };

export interface MutationDeps {
  readonly name: string;
  /** Read at every call: `updateAttempts` and `paranoid` can change. */
  readonly config: ResolvedConfig;
  readonly store: ObjectStore;
  readonly writer: DocumentWriter;
  readonly reads: ResourceReads;
  readonly ids: IdSource;
  readonly passwords: PasswordFields;
  readonly idCheck: IdCheck | undefined;
}

type Data = Record<string, unknown>;

export class ResourceMutations {
  readonly #d: MutationDeps;

  constructor(deps: MutationDeps) {
    this.#d = deps;
  }

  async insert(data: Data, options: CallOptions): Promise<Document> {
    return this.#d.writer.insert(await this.#withId(data, options), options);
  }

  /** The data with its id: the given one or a generated one, checked against an `id` attribute rule; passwords hashed. */
  async #withId(input: Data, options: CallOptions): Promise<Data> {
    if (!isPlainObject(input)) throw invalidOption('data', 'a document object', input);
    const data = await this.#d.passwords.hash(input);
    const withId = data.id === undefined ? { ...data, id: await this.#d.ids.next(options) } : data;
    assertValidId(withId.id);
    this.#d.idCheck?.(withId.id);
    return withId;
  }

  insertMany(items: readonly Data[], options: CallOptions): Promise<BulkResult<Document>[]> {
    if (!Array.isArray(items)) throw invalidOption('items', 'an array of documents', items);
    return mapBounded(items, this.#d.reads.window(), (item, index) =>
      this.insert(item, options).then(
        (doc): BulkResult<Document> => ({ index, ok: true, id: doc.id, value: doc }),
        (error: Error): BulkResult<Document> => ({ index, ok: false, id: isPlainObject(item) && typeof item.id === 'string' ? item.id : undefined, error }),
      ),
    );
  }

  async update(id: string, changes: Data, options: CallOptions): Promise<Document> {
    checkChanges(id, changes);
    const hashed = await this.#d.passwords.hash(changes);
    return this.#d.writer.modify(id, (before) => deepMerge(before, withoutId(hashed)), options);
  }

  async patch(id: string, fields: Data, options: CallOptions): Promise<Document> {
    checkChanges(id, fields);
    const hashed = await this.#d.passwords.hash(fields);
    return this.#d.writer.modify(id, (before) => ({ ...before, ...withoutUndefined(hashed) }), options);
  }

  async replace(id: string, data: Data, options: CallOptions): Promise<Document> {
    checkChanges(id, data);
    this.#d.idCheck?.(id);
    const hashed = await this.#d.passwords.hash(data);
    return this.#modifyOrInsert('replace', id, (before) => this.#d.writer.keepCreatedAt(before, withoutId(hashed)), hashed, options);
  }

  async upsert(data: Data, options: CallOptions): Promise<Document> {
    if (!isPlainObject(data)) throw invalidOption('data', 'a document object', data);
    if (data.id === undefined) return this.insert(data, options);
    const id = data.id as string;
    assertValidId(id);
    this.#d.idCheck?.(id);
    const hashed = await this.#d.passwords.hash(data);
    return this.#modifyOrInsert('upsert', id, (before) => deepMerge(before, withoutId(hashed)), hashed, options);
  }

  /** Modifies the document, or inserts `data` (If-None-Match) when it does not exist; a lost race re-applies to the winner's. */
  async #modifyOrInsert(method: string, id: string, transform: (before: Data) => Data, data: Data, options: CallOptions): Promise<Document> {
    for (let attempt = 0; attempt < this.#d.config.updateAttempts; attempt++) {
      try {
        return await this.#d.writer.modify(id, transform, options);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      try {
        return await this.#d.writer.insert({ ...data, id }, options);
      } catch (err) {
        // Someone inserted it between our read and our write: apply to theirs.
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    throw new ConflictError(`${method} of ${this.#d.name}/${id} kept racing with concurrent inserts and deletes; try again`);
  }

  /** Deep-merges `changes` only while the document's ETag is still `ifMatch`. */
  async updateConditional(id: string, changes: Data, options: CallOptions & { ifMatch: string }): Promise<ConditionalResult> {
    if (!options || typeof options.ifMatch !== 'string' || options.ifMatch === '') throw invalidOption('ifMatch', 'the ETag the document must still have', options?.ifMatch);
    checkChanges(id, changes);
    const hashed = await this.#d.passwords.hash(changes);
    try {
      const data = await this.#d.writer.modify(id, (before) => deepMerge(before, withoutId(hashed)), { ...options, [EXPECTED_ETAG]: options.ifMatch } as CallOptions);
      return { success: true, data, etag: (await this.#d.reads.etag(id, options)) ?? undefined };
    } catch (err) {
      if (err instanceof ConflictError || err instanceof NotFoundError) return { success: false, error: err.message };
      throw err;
    }
  }

  delete(id: string, options: CallOptions): Promise<Document> {
    return this.#d.writer.delete(id, options);
  }

  deleteMany(ids: readonly string[], options: CallOptions): Promise<BulkResult<Document>[]> {
    if (!Array.isArray(ids)) throw invalidOption('ids', 'an array of ids', ids);
    return mapBounded(ids, this.#d.reads.window(), (id, index) =>
      this.#d.writer.delete(id, options).then(
        (doc): BulkResult<Document> => ({ index, ok: true, id, value: doc }),
        (error: Error): BulkResult<Document> => ({ index, ok: false, id, error }),
      ),
    );
  }

  /** Every document through the normal delete path (hooks, references, events). */
  async deleteAll(options: CallOptions): Promise<{ deletedCount: number }> {
    assertNotParanoid(this.#d.name, this.#d.config.options.paranoid, 'deleteAll');
    let deletedCount = 0;
    for await (const ids of this.#d.reads.scanner.idPages(options)) {
      const results = await mapBounded(ids, this.#d.reads.window(), (id) => this.#d.writer.delete(id, options).then(() => 1, (err: unknown) => nullIfMissing(err) ?? 0));
      deletedCount += results.reduce((a: number, b) => a + b, 0);
    }
    return { deletedCount };
  }

  /** Every object under the resource's prefix, in batched DELETE calls, without hooks or events. */
  async deleteAllData(options: CallOptions): Promise<{ deletedCount: number }> {
    assertNotParanoid(this.#d.name, this.#d.config.options.paranoid, 'deleteAllData');
    const deletedCount = await wipePrefix({ store: this.#d.store, run: (fn, o) => this.#d.reads.run(fn, o) }, `resource=${this.#d.name}/`, options);
    return { deletedCount };
  }
}
