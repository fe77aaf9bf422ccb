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
  /** Aborting cancels queued and in-flight requests of this call, which rejects with AbortError. @default undefined — the call runs to completion */
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
  /** Attribute path → partition rule, at least one; the order given is the key order. */
  fields: Record<string, string>;
}

/** Tuning of the partition reference queue (not stored in the catalogue). */
export interface PartitionQueueConfig {
  /** Attempts after the first before reference work is reported failed. @default 5 */
  retries?: number;
  /** First retry delay in ms, doubled per attempt, with jitter. @default 200 */
  retryDelay?: number;
  /** Documents whose references are written at the same time. @default the resource's `parallelism` (twice the pool's concurrency, at least 8) */
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

/** A hook's name: `before` or `after` and a method of {@link HOOKED_METHODS} (`beforeInsert`, `afterQuery`, …). */
export type HookName = `${'before' | 'after'}${(typeof HOOKED_METHODS)[number]}`;

/** The second argument of every hook. */
export interface HookContext {
  /** The resource the hook runs on (also `this` of a non-arrow hook). */
  resource: Resource;
  /** The document's id for insert, update and delete hooks; `''` for the other methods' hooks. */
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
 * What `db.createResource()` takes, checked at once (ValidationError naming
 * the option). The storage definition (`attributes`, `behavior`,
 * `timestamps`, `partitions`, `asyncPartitions`, `idSize`) is kept in the
 * catalogue: a changed one becomes a new schema version, and older
 * documents stay readable. The other options apply to this process only.
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
  /** 1-100 characters of `A-Z a-z 0-9 _ . -`, not starting with `.` or `-`; it names the keys `resource=<name>/…`. */
  name: string;
  /** Field rules (`'string|min:2'`, `'number|optional'`, `'secret'`, nested objects, …); they type the resource's documents. */
  attributes: AttributesDefinition;
  /** How documents over the 2 KB metadata limit are stored. @default 'user-managed' */
  behavior?: Behavior;
  /** Adds `createdAt` and `updatedAt` (ISO strings) maintained by the resource. @default false */
  timestamps?: boolean;
  /** Partition definitions, used by the partitions module. @default {} */
  partitions?: Record<string, PartitionDefinition>;
  /** Write partition references in the background. @default true */
  asyncPartitions?: boolean;
  /**
   * Generates ids for documents inserted without one: a function, a size (random ids of that length),
   * `'uuid'`, `'ulid'`, `'nanoid'`, `'incremental'` (a sequence kept in the store: `'incremental:1000'` starts
   * at 1000, `'incremental:ORD-0001'` gives `ORD-0001`, `ORD-0002`…, `'incremental:fast'` reserves batches),
   * or an {@link IdGeneratorConfig}. @default undefined — url-safe random ids of `idSize` chars
   */
  idGenerator?: (() => string) | number | 'uuid' | 'ulid' | 'nanoid' | 'incremental' | `incremental:${string}` | IdGeneratorConfig;
  /** Length of generated random ids, 8-128. @default 22 */
  idSize?: number;
  /** Hooks by name; each entry a function or a list of functions. An unknown name throws ValidationError. @default {} */
  hooks?: Partial<Record<HookName, Hook | Hook[]>>;
  /** Attempts of the read-merge-write cycle of update/patch/replace before ConflictError. @default 32 */
  updateAttempts?: number;
  /** Retries and concurrency of partition reference work. @default { retries: 5, retryDelay: 200, recoveryGrace: 300000 } */
  partitionQueue?: PartitionQueueConfig;
  /** `deleteAll`/`deleteAllData` refuse unless false. @default true */
  paranoid?: boolean;
  /** Keep replaced and deleted versions of each document readable (`getHistory`, `getVersion`). @default undefined — the database's `versioningEnabled` (false) */
  versioningEnabled?: boolean;
  /** Return secret fields decrypted. @default true */
  autoDecrypt?: boolean;
  /** Nested objects without `$$type` may be omitted. @default false */
  allNestedObjectsOptional?: boolean;
  /** Listeners are not awaited by the call; false awaits them. @default true */
  asyncEvents?: boolean;
  /** Declarative listeners: `{ inserted: fn, updated: [fn, fn] }`. @default {} */
  events?: Record<string, ((...args: any[]) => unknown) | ((...args: any[]) => unknown)[]>;
  /** A label (s3db.js's `version`); schema versions are kept separately. @default undefined */
  version?: string;
  /** Documents handled at once by bulk calls and partition work. @default twice the pool's concurrency, at least 8 */
  parallelism?: number;
  /** Accepted for s3db.js code; validation is always strict. @default true */
  strictValidation?: boolean;
}

/** The object form of `idGenerator`. */
export interface IdGeneratorConfig {
  /** The kind of id; the other fields apply to `incremental` (and `size`/`alphabet` to `nanoid`). @default 'incremental' */
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
  /** incremental, `fast` mode: values reserved by one conditional write. @default 100 */
  batchSize?: number;
  /** nanoid: length. @default idSize */
  size?: number;
  /** nanoid: characters to draw from. @default url-safe */
  alphabet?: string;
}

/** The serialisable part of a resource definition, kept in the catalogue. */
export interface StoredDefinition {
  /** The attributes, with `createdAt`/`updatedAt` when `timestamps` is on. */
  attributes: AttributesDefinition;
  /** See {@link ResourceConfig.behavior}. */
  behavior: Behavior;
  /** See {@link ResourceConfig.timestamps}. */
  timestamps: boolean;
  /** The partitions, with `byCreatedDate`/`byUpdatedDate` when `timestamps` is on. */
  partitions: Record<string, PartitionDefinition>;
  /** See {@link ResourceConfig.asyncPartitions}. */
  asyncPartitions: boolean;
  /** See {@link ResourceConfig.idSize}. */
  idSize: number;
}

/** The resource methods middleware sees, as {@link ResourceCall.method}. */
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

/** One call of a resource method, as middleware sees it. */
export interface ResourceCall {
  /** The resource called. */
  resource: Resource;
  /** The method called (see {@link WRITE_METHODS} for those that change data). */
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
  /** `update` also stands for patch, replace and upsert of an existing document. */
  kind: 'insert' | 'update' | 'delete';
  /** The document's id. */
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
  /** Unique among the resource's indexes. */
  readonly name: string;
  /**
   * Runs before the document write (e.g. to store an intent that survives a
   * crash between the write and `onWrite`); a rejection stops the write.
   */
  prepare?(planned: PlannedWrite, options: CallOptions): Promise<void>;
  /** The prepared write failed with `error` (it may still have happened when the error says nothing of it). */
  abandon?(planned: PlannedWrite, error: unknown, options: CallOptions): Promise<void>;
  /** Brings the index in line with a write that happened. */
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
  /** Name of one of the resource's partitions (an unknown name throws ValidationError; on `patch`/`replace` it is s3db.js's hint: accepted, not needed). @default undefined — the whole resource */
  partition?: string;
  /** Values of all the partition's fields, or of its first fields in declared order. @default {} (every document with a reference) */
  partitionValues?: Record<string, unknown>;
}

/** Options of `count()`: the call options and an optional partition lookup. */
export interface CountOptions extends CallOptions, PartitionOptions {}

/** Options of `list()`, `listIds()`, `listPartition()` and `query()`: a window of the resource (or of one partition) in key order. */
export interface ListOptions extends CallOptions, PartitionOptions {
  /** Most documents to return. @default every document */
  limit?: number;
  /** Documents to skip first (in key order). @default 0 */
  offset?: number;
}

/**
 * Options of `page()`. By cursor (one LIST per page): pass the previous
 * page's `nextCursor`. Numbered, as s3db.js: `page` or `offset` (with
 * `size`), then the result has `totalItems`/`totalPages`. Mixing the two
 * ways, or an unknown option, throws ValidationError.
 */
export interface PageOptions extends CallOptions, PartitionOptions {
  /** Documents per page, 1-1000. @default 100 */
  size?: number;
  /** `nextCursor` of the previous page (a malformed one throws ValidationError). @default undefined — the first page */
  cursor?: string | null;
  /** s3db.js paging: the 0-based page number (with `size`). @default undefined — cursor paging; with only `skipCount`, page 0 */
  page?: number;
  /** s3db.js paging: documents to skip (instead of `page`). @default `page × size` */
  offset?: number;
  /** s3db.js paging: leave `totalItems`/`totalPages` null and skip the count. @default false — a numbered page also runs `count()` */
  skipCount?: boolean;
}

/** One page of documents, as `page()` returns it. */
export interface Page<D = Document> {
  /** The page's documents, in key order. */
  items: D[];
  /** Opaque cursor of the next page, or null after the last page (always null for numbered pages). */
  nextCursor: string | null;
  /** Numbered pages: documents in all pages (null with `skipCount`). */
  totalItems?: number | null;
  /** Numbered pages: this page's 0-based number. */
  page?: number;
  /** The `size` asked for. */
  pageSize?: number;
  /** Numbered pages: null with `skipCount`. */
  totalPages?: number | null;
  /** Whether another page follows. */
  hasMore?: boolean;
}

/** Options of `stream()`. */
export interface StreamOptions extends CallOptions {
  /** Documents fetched ahead of the consumer. @default 64 */
  readAhead?: number;
}
