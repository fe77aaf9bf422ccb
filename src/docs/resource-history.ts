/**
 * `versioningEnabled`: every update, patch, replace, upsert and delete keeps
 * the version it replaced, readable with `getHistory(id)` (oldest first).
 * Entries live under `resource=<name>/history/id=<id>/`, one object each, in
 * the lossless codec, secrets sealed as in the document itself; inserts have
 * no previous version. Fed as a {@link DocumentIndex}, so an entry is written
 * after the write it records and before the call resolves.
 */
import { monotonicFactory } from 'ulid';
import { NotFoundError } from '../core/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { decodeValue, encodeValue } from './codec.js';
import type { Document } from './document-codec.js';
import { assertValidId } from './document-keys.js';
import type { CallOptions, DocumentIndex, WriteChange } from './resource-types.js';

/** One replaced or deleted version of a document, as `getHistory(id)` returns it. */
export interface HistoryEntry {
  /** 1 for the oldest kept version. */
  version: number;
  /** When it was replaced (ISO time). */
  replacedAt: string;
  /** `update` (update, patch, replace, upsert) or `delete`. */
  replacedBy: 'update' | 'delete';
  /** The document as it was before that write (secret fields decrypted unless the resource has `autoDecrypt: false`). */
  data: Document;
}

export interface HistoryDeps {
  resource: string;
  store: ObjectStore;
  enabled(): boolean;
  run<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T>;
  seal(doc: Document): Document;
  open(doc: Record<string, unknown>): Document;
}

const nextKey = monotonicFactory();

export class DocumentHistory implements DocumentIndex {
  readonly name = 'history';
  readonly #d: HistoryDeps;

  constructor(deps: HistoryDeps) {
    this.#d = deps;
  }

  #prefix(id: string): string {
    return `resource=${this.#d.resource}/history/id=${id}/`;
  }

  async onWrite(change: WriteChange, options: CallOptions): Promise<void> {
    if (!this.#d.enabled() || !change.before) return;
    const now = Date.now();
    // A monotonic ULID: keys sort oldest first (also within one millisecond), and two writers never share one.
    const key = `${this.#prefix(change.id)}${nextKey(now)}`;
    const body = JSON.stringify({ at: now, by: change.kind === 'delete' ? 'delete' : 'update', doc: encodeValue(this.#d.seal(change.before), 'body') });
    await this.#d.run((signal) => this.#d.store.putObject({ key, body, contentType: 'application/json', ifNoneMatch: '*', signal }), options);
  }

  /** Every kept version of `id`, oldest first (empty when there is none). */
  async list(id: string, options: CallOptions): Promise<HistoryEntry[]> {
    assertValidId(id);
    const keys: string[] = [];
    for await (const object of this.#d.store.listAll({ prefix: this.#prefix(id), ...(options.signal ? { signal: options.signal } : {}) })) keys.push(object.key);
    const out: HistoryEntry[] = [];
    for (const key of keys) {
      const object = await this.#d.run((signal) => this.#d.store.getObject({ key, signal }), options).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
      if (!object) continue;
      const parsed = JSON.parse(object.body.toString()) as { at: number; by: 'update' | 'delete'; doc: string };
      out.push({ version: out.length + 1, replacedAt: new Date(parsed.at).toISOString(), replacedBy: parsed.by, data: this.#d.open(decodeValue(parsed.doc) as Record<string, unknown>) });
    }
    return out;
  }
}
