/**
 * Partition reads: `list`, `listIds`, `count`, `page` and `getFromPartition`.
 *
 * Cost grows with the partition, not the resource: one LIST per 1000
 * references under the lookup's prefix, one GET per reference. Every
 * document is re-checked against the reference it was found by (its key
 * must be exactly the key the document has now), so a stale reference never
 * lists a document under a value it no longer has; the stale reference is
 * queued for repair. References this process has queued but not yet written
 * are read too, so a write is visible to this process's reads at once,
 * and so are the keys named by intents that crash recovery has not settled.
 */
import { NotFoundError } from '../../core/errors.js';
import { invalidOption } from '../../core/options.js';
import { checkLimitOffset } from '../resource-call-options.js';
import { compareKeys } from '../../storage/key-order.js';
import type { Document } from '../document-codec.js';
import type { CallOptions, ListOptions, Page, PageOptions } from '../resource-types.js';
import type { PartitionHost } from './partition-host.js';
import { idOfKey, type Partition, type PartitionSet } from './partition-keys.js';
import type { PartitionQueue } from './partition-queue.js';
import type { PartitionRecovery } from './partition-recovery.js';

const LIST_PAGE = 1000;
const CURSOR_PREFIX = 'p1.';

/** Options of a partition lookup. */
export interface PartitionLookup {
  /** Name of a partition of the resource. */
  partition?: string;
  /** Values of the partition's fields: all of them, or its first fields in declared order. @default {} (the whole partition) */
  partitionValues?: Record<string, unknown>;
}

/**
 * Argument of `getFromPartition()` (s3db.js's shape): the document `id`,
 * found only if it is in that partition with those values.
 */
export interface GetFromPartitionInput {
  /** The document's id. */
  id: string;
  /** A partition of the resource; an unknown name throws ValidationError. */
  partitionName: string;
  /** Values of the partition's fields, all or its first ones in declared order; omitted: any value. */
  partitionValues?: Record<string, unknown>;
}

interface Candidate {
  key: string;
  /** Found by listing (false: only expected by queued work). */
  listed: boolean;
}

export class PartitionReader {
  readonly #host: PartitionHost;
  readonly #partitions: PartitionSet;
  readonly #queue: PartitionQueue;
  readonly #recovery: PartitionRecovery;

  constructor(host: PartitionHost, partitions: PartitionSet, queue: PartitionQueue, recovery: PartitionRecovery) {
    this.#host = host;
    this.#partitions = partitions;
    this.#queue = queue;
    this.#recovery = recovery;
  }

  /** Reference keys under `prefix` after `startAfter`, in key order: the stored ones merged with those queued work expects. */
  async *keys(prefix: string, startAfter: string | undefined, options: CallOptions): AsyncGenerator<Candidate> {
    await this.#recovery.ready();
    const expected = [...new Set([...this.#queue.expectedKeys(prefix), ...this.#recovery.expectedKeys(prefix)])]
      .filter((key) => startAfter === undefined || compareKeys(key, startAfter) > 0)
      .sort(compareKeys);
    let next = 0;
    let token: string | undefined;
    do {
      const input = { prefix, maxKeys: LIST_PAGE, ...(token !== undefined ? { continuationToken: token } : startAfter !== undefined ? { startAfter } : {}) };
      const page = await this.#host.run((signal) => this.#host.store.listObjects({ ...input, signal }), options);
      for (const object of page.objects) {
        while (next < expected.length && compareKeys(expected[next] as string, object.key) < 0) yield { key: expected[next++] as string, listed: false };
        if (expected[next] === object.key) next++;
        yield { key: object.key, listed: true };
      }
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token !== undefined);
    while (next < expected.length) yield { key: expected[next++] as string, listed: false };
  }

  /** Documents under the lookup, re-checked, in key order (id order for a full lookup). */
  async *documents(partition: Partition, prefix: string, startAfter: string | undefined, options: CallOptions): AsyncGenerator<{ key: string; doc: Document }> {
    const readAhead = Math.max(8, Math.min(this.#host.window(), 256));
    const pending: { candidate: Candidate; read: Promise<Document | null> }[] = [];
    const settle = async () => {
      const { candidate, read } = pending.shift() as (typeof pending)[number];
      const doc = await read;
      if (doc && partition.keyOf(doc) === candidate.key) return { key: candidate.key, doc };
      if (candidate.listed) this.#staleFound(candidate.key, options);
      return undefined;
    };
    try {
      for await (const candidate of this.keys(prefix, startAfter, options)) {
        const id = idOfKey(candidate.key) as string;
        const read = this.#host.read(id, options).then((r) => r?.doc ?? null);
        // Handled now, awaited in order later: no unhandled rejection while it waits its turn.
        read.catch(() => undefined);
        pending.push({ candidate, read });
        if (pending.length >= readAhead) {
          const found = await settle();
          if (found) yield found;
        }
      }
      while (pending.length > 0) {
        const found = await settle();
        if (found) yield found;
      }
    } finally {
      pending.length = 0;
    }
  }

  /** For `query()` within a partition: candidate ids, and whether a document belongs to the lookup. */
  lookup(lookup: PartitionLookup & CallOptions): { ids: AsyncIterable<string>; contains: (doc: Record<string, unknown>) => boolean } {
    const { partition, prefix } = this.#resolve(lookup);
    const keys = this.keys(prefix, undefined, lookup);
    return {
      ids: (async function* () {
        for await (const { key } of keys) yield idOfKey(key) as string;
      })(),
      contains: (doc) => partition.keyOf(doc)?.startsWith(prefix) === true,
    };
  }

  async list(lookup: PartitionLookup & ListOptions): Promise<Document[]> {
    const out: Document[] = [];
    for await (const { doc } of this.#limited(lookup)) out.push(doc);
    return out;
  }

  async listIds(lookup: PartitionLookup & ListOptions): Promise<string[]> {
    const out: string[] = [];
    for await (const { doc } of this.#limited(lookup)) out.push(doc.id);
    return out;
  }

  async count(lookup: PartitionLookup & CallOptions): Promise<number> {
    const { partition, prefix } = this.#resolve(lookup);
    let n = 0;
    for await (const _ of this.documents(partition, prefix, undefined, lookup)) n++;
    return n;
  }

  async page(lookup: PartitionLookup & PageOptions): Promise<Page> {
    const { partition, prefix } = this.#resolve(lookup);
    const size = lookup.size ?? 100;
    if (!Number.isInteger(size) || size < 1 || size > LIST_PAGE) throw invalidOption('size', `an integer from 1 to ${LIST_PAGE}`, size);
    const startAfter = lookup.cursor === undefined || lookup.cursor === null ? undefined : prefix + decodeCursor(lookup.cursor);
    const items: Document[] = [];
    let lastKey: string | undefined;
    let more = false;
    for await (const { key, doc } of this.documents(partition, prefix, startAfter, lookup)) {
      if (items.length === size) {
        more = true;
        break;
      }
      items.push(doc);
      lastKey = key;
    }
    return { items, nextCursor: more && lastKey !== undefined ? encodeCursor(lastKey.slice(prefix.length)) : null };
  }

  /** One GET: the document if it exists and is in the partition under these values, else NotFoundError. */
  async get(input: GetFromPartitionInput, options: CallOptions): Promise<Document> {
    if (input === null || typeof input !== 'object') throw invalidOption('getFromPartition input', 'an object { id, partitionName, partitionValues }', input);
    const partition = this.#partitions.get(input.partitionName);
    const prefix = partition.prefixOf(input.partitionValues);
    const found = await this.#host.read(input.id, options);
    const key = found ? partition.keyOf(found.doc) : undefined;
    if (!found || key === undefined || !key.startsWith(prefix)) {
      throw new NotFoundError(
        `${this.#host.resourceName}/${input.id} is not in partition ${partition.name} with values ${JSON.stringify(input.partitionValues ?? {})}${found ? '' : ' (the document does not exist)'}`,
        { details: { resource: this.#host.resourceName, id: input.id, partition: partition.name } },
      );
    }
    return found.doc;
  }

  #resolve(lookup: PartitionLookup): { partition: Partition; prefix: string } {
    const partition = this.#partitions.get(lookup.partition);
    return { partition, prefix: partition.prefixOf(lookup.partitionValues) };
  }

  async *#limited(lookup: PartitionLookup & ListOptions): AsyncGenerator<{ key: string; doc: Document }> {
    const { partition, prefix } = this.#resolve(lookup);
    checkLimitOffset(lookup);
    const { limit = Number.POSITIVE_INFINITY, offset = 0 } = lookup;
    if (limit === 0) return;
    let skipped = 0;
    let given = 0;
    for await (const found of this.documents(partition, prefix, undefined, lookup)) {
      if (skipped < offset) {
        skipped++;
        continue;
      }
      yield found;
      if (++given >= limit) return;
    }
  }

  #staleFound(key: string, options: CallOptions): void {
    const id = idOfKey(key) as string;
    if (this.#queue.willRemove(id, key)) return;
    this.#queue.repair(id, [key], options.priority).catch(() => undefined);
  }
}

function encodeCursor(suffix: string): string {
  return CURSOR_PREFIX + Buffer.from(suffix, 'utf8').toString('base64url');
}

function decodeCursor(cursor: unknown): string {
  if (typeof cursor === 'string' && cursor.startsWith(CURSOR_PREFIX)) {
    const suffix = Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8');
    if (suffix.includes('id=')) return suffix;
  }
  throw invalidOption('cursor', 'a nextCursor returned by page() with the same partition and values', cursor);
}
