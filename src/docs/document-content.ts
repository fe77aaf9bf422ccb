/**
 * Binary content of a document (s3db.js's setContent/content/hasContent/
 * deleteContent): one object per document at `resource=<name>/content/id=<id>`,
 * beside the document rather than in its body, so content works with every
 * behavior (body-overflow and body-only documents keep their fields in the
 * body) and a content write never races a field update. Deleting a document
 * deletes its content (fed as a {@link DocumentIndex}).
 */
import { NotFoundError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import type { ObjectStore } from '../storage/object-store.js';
import { assertValidId } from './document-keys.js';
import type { CallOptions, DocumentIndex, WriteChange } from './resource-types.js';

export interface ContentDeps {
  resource: string;
  store: ObjectStore;
  run<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T>;
}

export interface Content {
  buffer: Buffer | null;
  contentType: string | null;
}

export class DocumentContent implements DocumentIndex {
  readonly name = 'content';
  readonly #d: ContentDeps;

  constructor(deps: ContentDeps) {
    this.#d = deps;
  }

  key(id: string): string {
    assertValidId(id);
    return `resource=${this.#d.resource}/content/id=${id}`;
  }

  async set(id: string, buffer: unknown, contentType: unknown, options: CallOptions): Promise<void> {
    const key = this.key(id);
    const body = typeof buffer === 'string' ? Buffer.from(buffer, 'utf8') : Buffer.isBuffer(buffer) ? buffer : buffer instanceof Uint8Array ? Buffer.from(buffer) : undefined;
    if (!body) throw invalidOption('buffer', 'a Buffer, Uint8Array or string', buffer);
    if (contentType !== undefined && (typeof contentType !== 'string' || contentType === '')) throw invalidOption('contentType', 'a MIME type such as image/jpeg', contentType);
    await this.#d.run((signal) => this.#d.store.putObject({ key, body, contentType: (contentType as string | undefined) ?? 'application/octet-stream', signal }), options);
  }

  async get(id: string, options: CallOptions): Promise<Content> {
    const key = this.key(id);
    try {
      const object = await this.#d.run((signal) => this.#d.store.getObject({ key, signal }), options);
      return { buffer: object.body, contentType: object.contentType };
    } catch (err) {
      if (err instanceof NotFoundError) return { buffer: null, contentType: null };
      throw err;
    }
  }

  async has(id: string, options: CallOptions): Promise<boolean> {
    const key = this.key(id);
    try {
      await this.#d.run((signal) => this.#d.store.headObject({ key, signal }), options);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async delete(id: string, options: CallOptions): Promise<void> {
    const key = this.key(id);
    await this.#d.run((signal) => this.#d.store.deleteObject({ key, signal }), options).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }

  async onWrite(change: WriteChange, options: CallOptions): Promise<void> {
    if (change.kind === 'delete') await this.delete(change.id, options);
  }
}
