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
 * list oldest first. The body also names the writer (host, pid namespace,
 * pid): a process on the same machine can then tell a dead writer's intent
 * from a live one's at once, without waiting for the grace period.
 */
import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
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
  /** The process that wrote it, when the body says. */
  writer?: WriterIdentity;
}

export interface WriterIdentity {
  host: string;
  /** The pid namespace (Linux), so containers sharing a host name are told apart. */
  ns: string;
  pid: number;
}

let self: WriterIdentity | undefined;

/** This process, as intents name it. */
export function thisWriter(): WriterIdentity {
  if (!self) {
    let ns = '';
    try {
      ns = readlinkSync('/proc/self/ns/pid');
    } catch {
      // Not Linux: the host name and pid have to do.
    }
    self = { host: hostname(), ns, pid: process.pid };
  }
  return self;
}

/**
 * Whether the writer of an intent is certainly dead: a process of this
 * machine and pid namespace that no longer exists. Anything else (another
 * machine, a pid now used by another process) may be alive.
 */
export function isDeadWriter(writer: WriterIdentity | undefined): boolean {
  const me = thisWriter();
  if (!writer || writer.host !== me.host || writer.ns !== me.ns || writer.pid === me.pid) return false;
  try {
    process.kill(writer.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
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
      const body = JSON.stringify({ id, keys: intent.keys, writer: thisWriter() });
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
    let writer: WriterIdentity | undefined;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { keys?: unknown; writer?: Partial<WriterIdentity> };
      if (Array.isArray(parsed.keys)) keys = parsed.keys.filter((k): k is string => typeof k === 'string');
      const w = parsed.writer;
      if (w && typeof w.host === 'string' && typeof w.ns === 'string' && Number.isInteger(w.pid)) writer = { host: w.host, ns: w.ns, pid: w.pid as number };
    } catch {
      // A torn or foreign body: the reconcile pass still puts every key the document wants.
    }
    return writer ? { key, id, keys, writer } : { key, id, keys };
  }
}
