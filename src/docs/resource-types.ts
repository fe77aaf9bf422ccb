/**
 * Public types of resources: configuration, per-call options, hooks, and the
 * two extension seams (middleware around every method, document indexes fed
 * with every write) that plugins and partitions build on.
 */
import type { Behavior } from './behaviors.js';
import type { Document } from './document-codec.js';
import type { AttributesDefinition } from './schema.js';
import type { Resource } from './resource.js';

/** Options every resource method accepts as its last argument. */
export interface CallOptions {
  /** Higher runs first in the database's ExecutorPool. @default 0 */
  priority?: number;
  /** Aborting cancels queued and in-flight requests of this call. @default none */
  signal?: AbortSignal;
}

/**
 * A partition: documents grouped by the values of some fields, each with a
 * rule: `'string'`, `'number'`, `'date'` (the UTC day, `YYYY-MM-DD`) or
 * `'string|maxlength:N'` (the first N characters). Fields are keyed in the
 * order given.
 *
 * @example
 * partitions: {
 *   byStatus: { fields: { status: 'string' } },
 *   byDate: { fields: { createdAt: 'date' } },
 *   byRegionAndStatus: { fields: { region: 'string', status: 'string' } },
 * }
 */
export interface PartitionDefinition {
  fields: Record<string, string>;
}

/** Tuning of the partition reference queue (not stored in the catalogue). */
export interface PartitionQueueConfig {
  /** Attempts after the first before reference work is reported failed. @default 5 */
  retries?: number;
  /** First retry delay in ms, doubled per attempt, with jitter. @default 200 */
  retryDelay?: number;
  /** Documents whose references are written at the same time. @default twice the pool's concurrency */
  concurrency?: number;
  /**
   * Age in ms after which an intent another process left in storage is taken
   * as abandoned by a crashed writer and recovered. Longer than any write
   * takes plus the clock skew between processes and the store. Intents of
   * dead processes of this machine are recovered at once. @default 300000
   */
  recoveryGrace?: number;
}

/** Methods with `before<Method>`/`after<Method>` hooks (insert, update and delete hooks run for every write of that kind). */
export const HOOKED_METHODS = ['Insert', 'Update', 'Delete', 'Patch', 'Replace', 'Upsert', 'InsertMany', 'DeleteMany', 'Get', 'GetMany', 'GetAll', 'Exists', 'List', 'ListIds', 'Count', 'Page', 'Query'] as const;

export type HookName = `${'before' | 'after'}${(typeof HOOKED_METHODS)[number]}`;

export interface HookContext {
  resource: Resource;
  id: string;
  /** The stored document before this write (updates and deletes). */
  before?: Document;
}

/**
 * A hook. `before*` hooks may return a replacement for the data (or nothing to
 * keep it); `after*` hooks receive the stored document. Hooks are awaited in
 * order, and a throwing `before*` hook stops the write before any request.
 */
// `data` is a document for write hooks, and the call's first argument (id, ids, options) or its result for the others.
export type Hook = (data: any, context: HookContext) => unknown;

/**
 * Resource configuration.
 *
 * @example
 * await db.createResource({
 *   name: 'users',
 *   attributes: { name: 'string|min:2', email: 'email', password: 'secret' },
 *   behavior: 'body-overflow',
 *   timestamps: true,
 * });
 */
export interface ResourceConfig {
  name: string;
  attributes: AttributesDefinition;
  /** How documents over the 2 KB metadata limit are stored. @default 'user-managed' */
  behavior?: Behavior;
  /** Adds `createdAt` and `updatedAt` (ISO strings) maintained by the resource. @default false */
  timestamps?: boolean;
  /** Partition definitions, used by the partitions module. @default {} */
  partitions?: Record<string, PartitionDefinition>;
  /** Write partition references in the background. @default true */
  asyncPartitions?: boolean;
  /** Generates ids for documents inserted without one. @default url-safe random ids of `idSize` chars */
  idGenerator?: (() => string) | number | 'uuid' | 'ulid' | 'nanoid' | 'incremental' | `incremental:${string}` | IdGeneratorConfig;
  /** Length of generated ids. @default 22 */
  idSize?: number;
  /** Hooks by name; each entry a function or a list of functions. */
  hooks?: Partial<Record<HookName, Hook | Hook[]>>;
  /** Attempts of the read-merge-write cycle of update/patch/replace before ConflictError. @default 32 */
  updateAttempts?: number;
  /** Retries and concurrency of partition reference work. @default { retries: 5, retryDelay: 200 } */
  partitionQueue?: PartitionQueueConfig;
  /** `deleteAll`/`deleteAllData` refuse unless false. @default true */
  paranoid?: boolean;
  /** Keep replaced and deleted versions of each document readable (`getHistory`, `getVersion`). @default false */
  versioningEnabled?: boolean;
  /** Return secret fields decrypted. @default true */
  autoDecrypt?: boolean;
  /** Nested objects without `$$type` may be omitted. @default false */
  allNestedObjectsOptional?: boolean;
  /** Listeners are not awaited by the call; false awaits them. @default true */
  asyncEvents?: boolean;
  /** Declarative listeners: `{ inserted: fn, updated: [fn, fn] }`. */
  events?: Record<string, ((...args: any[]) => unknown) | ((...args: any[]) => unknown)[]>;
  /** A label (s3db.js's `version`); schema versions are kept separately. */
  version?: string;
  /** Documents handled at once by bulk calls. */
  parallelism?: number;
  /** Accepted for s3db.js code; validation is always strict. @default true */
  strictValidation?: boolean;
}

/** The object form of `idGenerator`. */
export interface IdGeneratorConfig {
  type?: 'incremental' | 'uuid' | 'ulid' | 'nanoid';
  /** incremental: first value. @default 1 */
  start?: number;
  /** incremental: step. @default 1 */
  increment?: number;
  /** incremental: text before the number. @default '' */
  prefix?: string;
  /** incremental: digits, zero-padded. @default 0 */
  padding?: number;
  /** incremental: `fast` reserves `batchSize` values per conditional write. @default 'standard' */
  mode?: 'standard' | 'fast';
  /** @default 100 */
  batchSize?: number;
  /** nanoid: length. @default idSize */
  size?: number;
  /** nanoid: characters to draw from. @default url-safe */
  alphabet?: string;
}

/** The serialisable part of a resource definition, kept in the catalogue. */
export interface StoredDefinition {
  attributes: AttributesDefinition;
  behavior: Behavior;
  timestamps: boolean;
  partitions: Record<string, PartitionDefinition>;
  asyncPartitions: boolean;
  idSize: number;
}

export type ResourceMethod =
  | 'insert'
  | 'insertMany'
  | 'get'
  | 'getMany'
  | 'exists'
  | 'update'
  | 'patch'
  | 'replace'
  | 'upsert'
  | 'delete'
  | 'deleteMany'
  | 'list'
  | 'listIds'
  | 'count'
  | 'page'
  | 'query'
  | 'getFromPartition'
  | 'rebuildPartitions'
  | 'syncPartitionRefs'
  | 'deleteAll'
  | 'deleteAllData'
  | 'getAll'
  | 'updateConditional'
  | 'setContent'
  | 'deleteContent';

/**
 * Methods that change what reads return: middleware that caches reads must
 * invalidate after these. `syncPartitionRefs` is not a public method: it is
 * how reference work that runs after its write call resolved (the async
 * queue, retries, read-time repairs) passes through middleware, with args
 * `[id, { keys }]`; it changes partition listings, never documents.
 */
export const WRITE_METHODS: ReadonlySet<ResourceMethod> = new Set([
  'insert',
  'insertMany',
  'update',
  'patch',
  'replace',
  'upsert',
  'delete',
  'deleteMany',
  'rebuildPartitions',
  'syncPartitionRefs',
  'deleteAll',
  'deleteAllData',
  'updateConditional',
  'setContent',
  'deleteContent',
]);

export interface ResourceCall {
  resource: Resource;
  method: ResourceMethod;
  /** The arguments as the caller passed them (do not mutate). */
  args: readonly unknown[];
}

/**
 * Wraps every public method call of a resource. Call `next()` to run the
 * method (or the next middleware); return its result or your own. A cache
 * plugin serves reads without `next()` and invalidates after `await next()`
 * of a write, so the write resolves only once the cache is clean.
 */
export type ResourceMiddleware = (call: ResourceCall, next: () => Promise<unknown>) => Promise<unknown>;

/** One write as the partitions module sees it. */
export interface WriteChange {
  kind: 'insert' | 'update' | 'delete';
  id: string;
  /** The stored document before the write (null for inserts). */
  before: Document | null;
  /** The stored document after the write (null for deletes). */
  after: Document | null;
  /** ETag of the object read before the write (null: it did not exist; undefined: unknown). */
  beforeEtag?: string | null;
  /** ETag the write left (null for deletes; undefined: unknown). */
  afterEtag?: string | null;
  /** The write had to retry after a conflict: another writer is at work on this document. */
  contended?: boolean;
  /** The plan this write was prepared with (the same object the indexes' `prepare` saw). */
  planned?: PlannedWrite;
}

/** A document write about to happen, as the indexes' `prepare` sees it. */
export interface PlannedWrite {
  kind: 'insert' | 'update' | 'delete';
  id: string;
  /** The stored document read before the write (null for inserts). */
  before: Document | null;
  /** The document about to be written, id included (null for deletes). */
  after: Record<string, unknown> | null;
}

/**
 * A secondary structure kept in step with the documents (partition references).
 * `onWrite` runs after every successful write, before the method resolves; a
 * rejection rejects the method (the document write itself has happened).
 */
export interface DocumentIndex {
  readonly name: string;
  /**
   * Runs before the document write (e.g. to store an intent that survives a
   * crash between the write and `onWrite`); a rejection stops the write.
   */
  prepare?(planned: PlannedWrite, options: CallOptions): Promise<void>;
  /** The prepared write failed with `error` (it may still have happened when the error says nothing of it). */
  abandon?(planned: PlannedWrite, error: unknown, options: CallOptions): Promise<void>;
  onWrite(change: WriteChange, options: CallOptions): Promise<void>;
  /**
   * Ids that may match `filter`, or undefined when this index cannot narrow
   * it. `query()` re-reads and re-checks every candidate, so stale entries are
   * harmless.
   */
  candidates?(filter: Record<string, unknown>, options: CallOptions): AsyncIterable<string> | undefined;
}

/** Per-document outcome of insertMany / deleteMany: every input has one, in input order. */
export type BulkResult<T> = { index: number; ok: true; id: string; value: T } | { index: number; ok: false; id: string | undefined; error: Error };

/**
 * A partition lookup: list only the documents of one partition, at a cost
 * that grows with the partition and not with the resource.
 *
 * @example
 * await orders.list({ partition: 'byStatus', partitionValues: { status: 'pending' } });
 */
export interface PartitionOptions {
  /** Name of one of the resource's partitions (on `patch`/`replace`, s3db.js's hint: accepted, not needed). @default none: every document */
  partition?: string;
  /** Values of all the partition's fields, or of its first fields in declared order. @default {} (every document with a reference) */
  partitionValues?: Record<string, unknown>;
}

/** Options of `count()`. */
export interface CountOptions extends CallOptions, PartitionOptions {}

/** Options of `list()`, `listIds()`, `listPartition()` and `query()`. */
export interface ListOptions extends CallOptions, PartitionOptions {
  /** Most documents to return. @default every document */
  limit?: number;
  /** Documents to skip first (in key order). @default 0 */
  offset?: number;
}

/** Options of `page()`: by cursor (`size`, `cursor`) or numbered as s3db.js (`size` with `page` or `offset`). */
export interface PageOptions extends CallOptions, PartitionOptions {
  /** Documents per page, 1-1000. @default 100 */
  size?: number;
  /** `nextCursor` of the previous page; omit for the first page. @default null (the first page) */
  cursor?: string | null;
  /** s3db.js paging: the 0-based page number (with `size`). @default none: pages by cursor */
  page?: number;
  /** s3db.js paging: documents to skip (instead of `page`). @default none: pages by cursor */
  offset?: number;
  /** s3db.js paging: leave `totalItems`/`totalPages` null and skip the count. @default false */
  skipCount?: boolean;
}

export interface Page<D = Document> {
  items: D[];
  /** Opaque cursor of the next page, or null after the last page (always null for numbered pages). */
  nextCursor: string | null;
  /** Numbered pages: documents in all pages (null with `skipCount`). */
  totalItems?: number | null;
  /** Numbered pages: this page's 0-based number. */
  page?: number;
  pageSize?: number;
  /** Numbered pages: null with `skipCount`. */
  totalPages?: number | null;
  hasMore?: boolean;
}

/** Options of `stream()`. */
export interface StreamOptions extends CallOptions {
  /** Documents fetched ahead of the consumer. @default 64 */
  readAhead?: number;
}
