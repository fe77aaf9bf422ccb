/**
 * Partition intents: the durable trace of reference work that is not done yet.
 *
 * A write that moves partition references first stores a small intent,
 * `resource=<r>/partition-intent/<token>/id=<id>`, whose body names every
 * reference key the write may leave behind or need (the keys of the document
 * before and after). The document is written next, then its references, and
 * only then is the intent deleted. A process killed anywhere in between
 * leaves the intent in the store, so recovery finds exactly the documents to
 * repair with one LIST per 1000 intents, never a walk of the resource.
 *
 * The token starts with the writer's clock (base 36, fixed width), so intents
 * list oldest first.
 */
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../core/errors.js';
import type { ListedObject } from '../../storage/object-store.js';
import type { CallOptions } from '../resource-types.js';
import type { PartitionHost } from './partition-host.js';
import { idOfKey } from './partition-keys.js';

export interface Intent {
  /** The intent object's key. */
  key: string;
  /** The document whose references it covers. */
  id: string;
  /** Reference keys the document had before the write and may have after it. */
  keys: string[];
}

export class IntentLog {
  readonly prefix: string;
  readonly #host: PartitionHost;
  /** Intents this process wrote and has not removed yet: never recovered by this process's own recovery. */
  readonly #own = new Set<string>();

  constructor(host: PartitionHost) {
    this.#host = host;
    this.prefix = `resource=${host.resourceName}/partition-intent/`;
  }

  isOwn(key: string): boolean {
    return this.#own.has(key);
  }

  /** Stores the intent of a write of `id` that may touch `keys` (one PUT). */
  async write(id: string, keys: readonly string[], options: CallOptions): Promise<Intent> {
    const token = `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
    const intent: Intent = { key: `${this.prefix}${token}/id=${id}`, id, keys: [...keys] };
    this.#own.add(intent.key);
    try {
      const body = JSON.stringify({ id, keys: intent.keys });
      await this.#host.run((signal) => this.#host.store.putObject({ key: intent.key, body, contentType: 'application/json', signal }), options);
    } catch (err) {
      this.#own.delete(intent.key);
      throw err;
    }
    return intent;
  }

  /** Deletes an intent whose references are written (one DELETE; a missing one is fine). */
  async remove(key: string, options: CallOptions): Promise<void> {
    await this.#host.run((signal) => this.#host.store.deleteObject({ key, signal }), options);
    this.#own.delete(key);
  }

  /** Forgets an own intent without deleting it: it stays in the store for recovery. */
  release(key: string): void {
    this.#own.delete(key);
  }

  /** Every stored intent, oldest first (one LIST per 1000). */
  async *list(options: CallOptions): AsyncGenerator<ListedObject> {
    let token: string | undefined;
    do {
      const input = { prefix: this.prefix, maxKeys: 1000, ...(token !== undefined ? { continuationToken: token } : {}) };
      const page = await this.#host.run((signal) => this.#host.store.listObjects({ ...input, signal }), options);
      yield* page.objects;
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /**
   * The intent stored at `key` (one GET), or null when it is gone (its
   * writer finished). A body that cannot be parsed still names its document.
   */
  async read(key: string, options: CallOptions): Promise<Intent | null> {
    const id = idOfKey(key);
    if (id === undefined || !key.startsWith(this.prefix)) return null;
    let body: Buffer;
    try {
      body = (await this.#host.run((signal) => this.#host.store.getObject({ key, signal }), options)).body;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
    let keys: string[] = [];
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { keys?: unknown };
      if (Array.isArray(parsed.keys)) keys = parsed.keys.filter((k): k is string => typeof k === 'string');
    } catch {
      // A torn or foreign body: the reconcile pass still puts every key the document wants.
    }
    return { key, id, keys };
  }
}
