/**
 * The database catalogue, `s3db.json` under the store's prefix: resources,
 * their schema versions and stable attribute mappings, and the encryption salt.
 *
 * Every change is a read-modify-write with a conditional PUT (If-Match on the
 * ETag read, If-None-Match for the first write), re-applied on conflict, so
 * two processes creating resources at once keep each other's changes.
 */
import { ConfigurationError, ConflictError, NotFoundError, StorageError } from '../core/errors.js';
import type { ExecutorPool } from '../core/executor-pool.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { AttributeMapping } from './attribute-mapping.js';
import { isPlainObject } from './codec.js';
import type { StoredDefinition } from './resource-types.js';
import type { AttributeDefinition } from './schema.js';

/** Key of the catalogue object under the store's prefix (the name s3db.js uses; the content is s3lite's own format). */
export const CATALOGUE_KEY = 's3db.json';
const FORMAT = 's3lite/1';
const MAX_ATTEMPTS = 16;

export interface CatalogueVersion {
  hash: string;
  definition: StoredDefinition;
  createdAt: string;
}

/** A field a plugin added to a resource (see plugin-attributes.ts). */
export interface PluginAttributeRecord {
  rule: AttributeDefinition;
  plugin: string;
  /** Set by removePluginAttribute: the key stays readable, the field leaves the schema. */
  removedAt?: string;
}

export type PluginAttributeRecords = Record<string, PluginAttributeRecord>;

export interface CatalogueResource {
  currentVersion: string;
  mapping: AttributeMapping;
  versions: Record<string, CatalogueVersion>;
  /** Plugin attributes by name; absent until a plugin adds one. */
  pluginAttributes?: PluginAttributeRecords;
}

export interface CatalogueData {
  format: typeof FORMAT;
  encryption?: { kdf: 'scrypt'; salt: string };
  resources: Record<string, CatalogueResource>;
}

/** Returns the changed catalogue, or undefined when nothing needs writing. */
export type CatalogueMutation = (data: CatalogueData) => CatalogueData | undefined;

export class Catalogue {
  readonly #store: ObjectStore;
  readonly #pool: ExecutorPool;
  #data: CatalogueData = empty();

  constructor(store: ObjectStore, pool: ExecutorPool) {
    this.#store = store;
    this.#pool = pool;
  }

  /** The catalogue as last read or written. */
  get data(): CatalogueData {
    return this.#data;
  }

  async load(): Promise<{ data: CatalogueData; etag: string | undefined }> {
    try {
      const object = await this.#pool.run((signal) => this.#store.getObject({ key: CATALOGUE_KEY, signal }));
      this.#data = parse(object.body.toString('utf8'), this.#store.description);
      return { data: this.#data, etag: object.etag };
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      this.#data = empty();
      return { data: this.#data, etag: undefined };
    }
  }

  /** Applies `mutation` to the latest catalogue and writes it conditionally; re-applies on conflict. */
  async update(mutation: CatalogueMutation): Promise<CatalogueData> {
    for (let attempt = 1; ; attempt++) {
      const { data, etag } = await this.load();
      const next = mutation(structuredClone(data));
      if (next === undefined) return data;
      const body = `${JSON.stringify(next, null, 2)}\n`;
      try {
        await this.#pool.run((signal) =>
          this.#store.putObject({
            key: CATALOGUE_KEY,
            body,
            contentType: 'application/json',
            ...(etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: etag }),
            signal,
          }),
        );
        this.#data = next;
        return next;
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }
}

function empty(): CatalogueData {
  return { format: FORMAT, resources: {} };
}

function parse(text: string, where: string): CatalogueData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new StorageError(`${CATALOGUE_KEY} in ${where} is not valid JSON: restore it from a backup or point the database at another prefix`, { cause: err });
  }
  if (!isPlainObject(parsed) || parsed.format !== FORMAT || !isPlainObject(parsed.resources)) {
    throw new ConfigurationError(
      `${CATALOGUE_KEY} in ${where} was not written by s3lite (format ${JSON.stringify(isPlainObject(parsed) ? parsed.format : undefined)}); use another prefix for this database`,
    );
  }
  return parsed as unknown as CatalogueData;
}
