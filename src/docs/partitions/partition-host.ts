/**
 * What the partitions module needs from its resource: storage calls through
 * the resource's pool, document reads with their ETag, events, and a way to
 * run work as a resource method (through its middleware, so a cache sees it).
 */
import type { ObjectStore } from '../../storage/object-store.js';
import type { CatalogueData } from '../catalogue.js';
import type { Document } from '../document-codec.js';
import type { CallOptions, ResourceMethod } from '../resource-types.js';

export interface VersionedDocument {
  doc: Document;
  etag: string;
}

export interface PartitionHost {
  readonly resourceName: string;
  readonly store: ObjectStore;
  /** Runs one storage call through the database's ExecutorPool with the caller's priority and signal. */
  run<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T>;
  /** The document and its ETag, or null when it does not exist. */
  read(id: string, options: CallOptions): Promise<VersionedDocument | null>;
  /** The document's current ETag (one HEAD), or null when it does not exist. */
  etag(id: string, options: CallOptions): Promise<string | null>;
  /** Every document, in id order, fetched ahead in a bounded window. */
  documents(options: CallOptions): AsyncIterable<Document>;
  /** Every id, in order (one LIST per 1000). */
  ids(options: CallOptions): AsyncIterable<string>;
  /** The database catalogue as stored now (one GET). */
  catalogue(options: CallOptions): Promise<CatalogueData>;
  /** Runs `fn` as the resource method `method`, through the resource's middleware. */
  call<T>(method: ResourceMethod, args: unknown[], fn: () => Promise<T>): Promise<T>;
  emit(event: string, payload: unknown): void;
  /** How many requests bulk work keeps in flight. */
  window(): number;
}
