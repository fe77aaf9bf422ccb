/** S3db (alias Database): a document database on an object store. The class carries the docs and the example. */
import { EventEmitter } from 'node:events';
import { ClosedError, ConfigurationError, NotFoundError } from '../core/errors.js';
import { assertKnownOptions, invalidOption } from '../core/options.js';
import { ExecutorPool, type ExecutorPoolOptions } from '../core/executor-pool.js';
import { createClient, parseConnectionString } from '../storage/index.js';
import type { HttpClientOptions } from '../storage/http-client-options.js';
import type { ObjectStore, StoreCapabilities } from '../storage/object-store.js';
import { extendMapping } from './attribute-mapping.js';
import { Catalogue, CATALOGUE_KEY, type CatalogueData, type CatalogueResource } from './catalogue.js';
import { isPlainObject } from './codec.js';
import { COMPAT_OPTION_NAMES, resolveCompatOptions, type ResolvedCompat, type S3dbCompatOptions } from './database-options.js';
import { FieldCipher } from './field-cipher.js';
import { createLogger, type Logger, type LogLevel } from './logger.js';
import type { S3dbPlugin } from './plugin.js';
import { PluginRegistry } from './plugin-registry.js';
import { resolveConfig, type ResolvedConfig } from './resource-config.js';
import { Resource, type ResourceRuntime } from './resource.js';
import type { ResourceConfig } from './resource-types.js';
import { resourceVersion } from './resource-version.js';
import { attributePaths, compileSchema, type AttributesDefinition } from './schema.js';
import type { DocumentShape, ResourceOf, TimestampFields } from './document-types.js';

/**
 * Options of `new S3db()`. Give exactly one of `connectionString` (or
 * s3db.js's `bucket`/`accessKeyId`/`secretAccessKey`/`region`/`endpoint`
 * parts) and `client`. The constructor checks every option at once: a bad
 * value or an unknown name throws a ValidationError naming it (with the
 * closest known name for a misspelling). s3db.js's spellings are accepted
 * too (see {@link S3dbCompatOptions}).
 */
export interface S3dbOptions extends S3dbCompatOptions {
  /**
   * `memory://bucket/prefix`, `file:///dir`, `s3://KEY:SECRET@bucket/prefix?region=…`, `http(s)://KEY:SECRET@host:port/bucket/prefix`.
   * A malformed string throws ConnectionStringError when the store opens (at `connect()` or the first `db.client`).
   * @default undefined — built from `bucket` and its siblings when those are given; otherwise `client` is required
   */
  connectionString?: string;
  /** An already open store instead of a connection string (the database does not close it). @default undefined — opened from `connectionString` */
  client?: ObjectStore;
  /** Pool options, or a pool to share (then the database does not close it). @default { concurrency: 100 } */
  executorPool?: ExecutorPoolOptions | ExecutorPool;
  /** Keep-alive HTTP agent of s3:// and http(s):// stores (ignored by memory:// and file://). @default {} — keep-alive on, `maxSockets` the pool's concurrency */
  httpClientOptions?: HttpClientOptions;
  /**
   * Key material of `secret` attributes (AES-256-GCM, key derived with scrypt and a salt kept in `s3db.json`).
   * s3db.js's `security.passphrase` is the same option.
   * @default undefined — `createResource` with secret attributes throws ConfigurationError, and resources
   * with secrets found at connect are unavailable (`getResource` throws ConfigurationError) unless `withholdSecrets`
   */
  passphrase?: string;
  /**
   * Without a passphrase, open resources with secret fields read-only, their secret values left out
   * of every document (instead of unavailable). Any write to them is a ConfigurationError. @default false
   */
  withholdSecrets?: boolean;
  /** Installed at connect, in order (`setup(db)` then `start()` each), as if passed to {@link S3db.usePlugin}. @default [] */
  plugins?: S3dbPlugin[];
  /** Also pino's `trace` (as debug) and `fatal` (as error). @default 'warn' ('debug' with `verbose: true`) */
  logLevel?: LogLevel | 'trace' | 'fatal';
  /** Where log lines go (each prefixed `[s3lite] `); missing methods drop their level. @default console */
  logger?: Partial<Logger>;
}

/** Summary of a resource in the catalogue, as {@link S3db.listResources} returns it. */
export interface ResourceSummary {
  /** The resource name. */
  name: string;
  /** Current schema version (base 36: `'1'`, `'2'`, …). */
  version: string;
  /** Every schema version kept in the catalogue, current one included. */
  versions: string[];
  /** The current definition's behavior (`'user-managed'` when none is recorded). */
  behavior: string;
  /** Attribute paths of the current definition, nested ones dotted (`'address.city'`). */
  attributes: string[];
}

const KNOWN_OPTIONS = new Set<string>(['connectionString', 'client', 'executorPool', 'httpClientOptions', 'passphrase', 'plugins', 'logLevel', 'logger', 'withholdSecrets', ...COMPAT_OPTION_NAMES]);

/** What resourceExistsWithSameHash() tells. */
export interface HashExistsResult {
  /** A resource of that name is defined in this database. */
  exists: boolean;
  /** The given definition equals the current one (createResource would reuse it). */
  sameHash: boolean;
  /** The definition's hash, or null when the resource does not exist. */
  hash: string | null;
  /** The current definition's hash, when the resource exists. */
  existingHash?: string;
}

/**
 * A document database on an object store (`memory://`, `file://`, S3 and
 * S3-compatible servers). Every request goes through one {@link ExecutorPool};
 * resources are defined with {@link S3db.createResource} and recorded in the
 * catalogue `s3db.json` under the store's prefix. `Database` is the same
 * class under s3db.js's other name.
 *
 * Events: `connected`, `disconnected`, `resourceCreated` (resource),
 * `pluginInstalled` (plugin).
 *
 * The constructor throws ValidationError for bad options; it does no I/O
 * (`connect()` does).
 *
 * @example
 * const db = new S3db({ connectionString: 'memory://my-bucket/app', executorPool: { concurrency: 100 } });
 * await db.connect();
 * const users = await db.createResource({ name: 'users', attributes: { name: 'string|min:2', email: 'email' } });
 * const ann = await users.insert({ name: 'Ann', email: 'ann@example.com' }); // typed: { id, name, email }
 * await db.disconnect();
 */
export class S3db extends EventEmitter {
  /** Resources by name (current schema version). */
  readonly resources: Record<string, Resource> = Object.create(null) as Record<string, Resource>;
  /** The level-filtered logger the database, its resources and plugins write to (from the `logLevel` and `logger` options). */
  readonly logger: Logger;
  readonly #options: S3dbOptions;
  readonly #compat: ResolvedCompat;
  readonly #pool: ExecutorPool;
  readonly #ownsPool: boolean;
  readonly #plugins = new PluginRegistry();
  #store: ObjectStore | undefined;
  #catalogue: Catalogue | undefined;
  #cipher: FieldCipher | undefined;
  #capabilities: StoreCapabilities | undefined;
  #connected = false;
  #connecting: Promise<void> | undefined;
  #unavailable = new Map<string, string>();
  #hashes = new Map<string, string>();

  constructor(options: S3dbOptions) {
    super();
    if (!isPlainObject(options)) throw invalidOption('options', 'an object with a connectionString or a client', options);
    assertKnownOptions('S3db', options, [...KNOWN_OPTIONS]);
    this.#compat = resolveCompatOptions(options);
    const { client, plugins } = options;
    const { connectionString, passphrase } = this.#compat;
    if ((connectionString === undefined) === (client === undefined)) throw invalidOption('connectionString', 'a connection string (or a `client`, not both)', connectionString);
    if (connectionString !== undefined && typeof connectionString !== 'string') throw invalidOption('connectionString', 'a string', connectionString);
    if (passphrase !== undefined && (typeof passphrase !== 'string' || passphrase.length === 0)) throw invalidOption('passphrase', 'a non-empty string', '(hidden)');
    if (plugins !== undefined && !Array.isArray(plugins)) throw invalidOption('plugins', 'an array of plugins', plugins);
    this.#options = { ...options, connectionString, passphrase };
    this.logger = createLogger(this.#compat.logLevel, options.logger ?? console);
    const pool = this.#compat.executorPool;
    if (pool instanceof ExecutorPool) {
      this.#pool = pool;
      this.#ownsPool = false;
    } else {
      this.#pool = new ExecutorPool(pool ?? {});
      this.#ownsPool = true;
    }
    for (const plugin of plugins ?? []) this.#plugins.add(plugin);
  }

  /** The object store; opened on first use (connect() probes it and reads the catalogue). */
  get client(): ObjectStore {
    return this.#openStore();
  }

  #openStore(): ObjectStore {
    const { connectionString, client, httpClientOptions } = this.#options;
    this.#store ??=
      client ??
      createClient(connectionString as string, {
        concurrency: this.#pool.concurrency,
        ...(httpClientOptions ? { httpClientOptions } : {}),
        logger: this.logger,
      });
    return this.#store;
  }

  /** s3db.js's name of `executorPool.concurrency`. */
  get parallelism(): number {
    return this.#pool.concurrency;
  }

  set parallelism(value: number) {
    this.#pool.concurrency = value;
  }

  /** The bucket of a memory:// or S3 connection string ('' for file:// or a given client). */
  get bucket(): string {
    const target = this.#target();
    return target && target.kind !== 'file' ? target.bucket : '';
  }

  /** The key prefix of a memory:// or S3 connection string. */
  get keyPrefix(): string {
    const target = this.#target();
    return target && target.kind !== 'file' ? target.prefix : '';
  }

  #target() {
    const { connectionString } = this.#options;
    return connectionString === undefined ? undefined : parseConnectionString(connectionString);
  }

  /** Cost of bcrypt for `password` attributes (`bcryptRounds` or `security.bcrypt.rounds`). @default 10 */
  get bcryptRounds(): number {
    return this.#compat.bcryptRounds;
  }

  /** The `versioningEnabled` option: the default of resources that do not set their own (keep replaced document versions readable). */
  get versioningEnabled(): boolean {
    return this.#compat.versioningEnabled;
  }

  /** Accepted for s3db.js code; s3db.json is always written at once and conditionally. */
  get deferMetadataWrites(): boolean {
    return this.#compat.deferMetadataWrites;
  }

  /** The `taskExecutorMonitoring` option as given; live figures are in `executorPool.stats()`. */
  get taskExecutorMonitoring(): Readonly<Record<string, unknown>> | null {
    return this.#compat.taskExecutorMonitoring;
  }

  /** The pool every store request goes through: the one given in `executorPool`, or the one the database made (and closes at disconnect). */
  get executorPool(): ExecutorPool {
    return this.#pool;
  }

  /**
   * What the store enforces. Local stores are probed at connect; S3 stores on
   * their first conditional write (read-only credentials connect without
   * writing), so this is undefined until then: `probeCapabilities()` probes now.
   */
  get capabilities(): StoreCapabilities | undefined {
    const store = this.client;
    return this.#capabilities ?? store.knownCapabilities?.();
  }

  /** Probes the store now if it has not been yet (writes throw-away objects on S3). */
  async probeCapabilities(): Promise<StoreCapabilities> {
    const store = this.client;
    return this.#capabilities ?? (await this.#pool.run((signal) => store.probeCapabilities({ signal })));
  }

  /** Whether `connect()` has completed and `disconnect()` has not been called since. */
  get isConnected(): boolean {
    return this.#connected;
  }

  /** s3db.js's name of {@link isConnected}. */
  get connected(): boolean {
    return this.#connected;
  }

  /** In installation order; each is also reachable by name (`db.plugins.cache`). */
  get plugins(): readonly S3dbPlugin[] & Readonly<Record<string, S3dbPlugin>> {
    return this.#plugins.view();
  }

  /** s3db.js's plugins by name. */
  get pluginRegistry(): Record<string, S3dbPlugin> {
    return this.#plugins.record();
  }

  /** The plugin installed under `name` (its slug or name, or the name given to usePlugin). */
  getPlugin(name: string): S3dbPlugin | undefined {
    return this.#plugins.get(name);
  }

  /**
   * Opens the store, probes it, reads the catalogue, restores resources, installs plugins. Idempotent;
   * concurrent calls share one attempt. Throws ConnectionStringError for a malformed connection string,
   * StorageError when the store cannot be read (or `s3db.json` is not JSON), ConfigurationError when
   * `s3db.json` was not written by s3lite; a failed connect closes the store it opened.
   */
  connect(): Promise<void> {
    if (this.#connected) return Promise.resolve();
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const { client, passphrase } = this.#options;
    const store = this.#openStore();
    try {
      // Lazy stores (S3) probe on their first conditional write and warn themselves.
      if (store.knownCapabilities === undefined) {
        this.#capabilities = await this.#pool.run((signal) => store.probeCapabilities({ signal }));
        if (!this.#capabilities.conditionalWrites) {
          this.logger.warn(`${store.description} does not enforce conditional writes: concurrent writers may overwrite each other's updates`);
        }
      }
      const catalogue = new Catalogue(store, this.#pool);
      let data = (await catalogue.load()).data;
      if (passphrase !== undefined) {
        if (!data.encryption) {
          data = await catalogue.update((d) => (d.encryption ? undefined : { ...d, encryption: { kdf: 'scrypt', salt: FieldCipher.newSalt().toString('base64') } }));
        }
        this.#cipher = await FieldCipher.create(passphrase, Buffer.from((data.encryption as { salt: string }).salt, 'base64'));
      }
      this.#store = store;
      this.#catalogue = catalogue;
      this.#restore(data);
      // Each resource with partitions lists the intents crashed writers left (its repairs go on in the background).
      await Promise.all(Object.values(this.resources).map((resource) => resource.partitionsOpened()));
      this.#connected = true;
    } catch (err) {
      if (!client) await store.close().catch(() => undefined);
      this.#store = undefined;
      throw err;
    }
    for (const plugin of this.#plugins.all) await this.#installPlugin(plugin);
    this.emit('connected');
  }

  /** Stops plugins, waits for queued work, and releases the store (and the pool if the database made it). */
  async disconnect(): Promise<void> {
    if (this.#connecting) await this.#connecting.catch(() => undefined);
    if (!this.#connected) {
      // A store opened through `db.client` before connect() is released too.
      if (!this.#options.client) await this.#store?.close();
      this.#store = undefined;
      return;
    }
    // Queued partition references are written before plugins stop (a cache must see them) and the pool closes.
    for (const resource of Object.values(this.resources)) resource.closePartitions();
    await Promise.all(Object.values(this.resources).map((resource) => resource.flushPartitions()));
    for (const plugin of [...this.#plugins.all].reverse()) await plugin.stop?.();
    await this.#pool.drain();
    this.#connected = false;
    if (this.#ownsPool) await this.#pool.close();
    if (!this.#options.client) await this.#store?.close();
    this.#store = undefined;
    this.emit('disconnected');
  }

  /**
   * Defines (or reuses) a resource. The same definition gives the same
   * resource; a changed one becomes a new schema version and older documents
   * stay readable.
   *
   * The resource is typed by `attributes` (`'string|min:2'` is a string,
   * `'number|optional'` an optional number, nested objects and
   * `'array|items:string'` too), or by an explicit type:
   * `createResource<User>({ ... })`.
   *
   * Connects first if needed (as s3db.js). Before anything is written, throws
   * ValidationError for a bad option (naming it), ConfigurationError for a bad
   * attribute rule or for secret attributes without a `passphrase`.
   */
  createResource<T extends DocumentShape = never, const A extends AttributesDefinition = AttributesDefinition, TS extends boolean | undefined = undefined>(
    config: ResourceConfig & { attributes: A; timestamps?: TS },
  ): Promise<[T] extends [never] ? ResourceOf<A, TS> : Resource<TS extends true ? T & TimestampFields : T, T>>;
  async createResource(config: ResourceConfig): Promise<Resource> {
    const resolved = resolveConfig(config);
    // As in s3db.js, a resource defined before connect() connects first.
    if (!this.#connected) await this.connect();
    const paths = attributePaths(resolved.definition.attributes);
    // Compile now so bad rules fail before anything is written.
    compileSchema(resolved.definition.attributes, extendMapping({}, paths.map((p) => p.path)));
    if (paths.some((p) => p.secret) && this.#options.passphrase === undefined) {
      throw new ConfigurationError(`Resource ${resolved.name} has secret attributes but the database has no passphrase: pass \`passphrase\` to new S3db() (there is no default)`);
    }
    const catalogue = this.#requireConnected();
    const existing = this.resources[resolved.name];
    if (existing && this.#hashes.get(resolved.name) === resolved.hash) {
      existing.adoptRuntimeOptions(resolved);
      await existing.partitionsOpened();
      return existing;
    }
    const data = await catalogue.update((d) => {
      const entry = d.resources[resolved.name];
      const current = entry?.versions[entry.currentVersion];
      if (entry && current?.hash === resolved.hash) return undefined;
      const mapping = extendMapping(entry?.mapping ?? {}, paths.map((p) => p.path));
      const versions = entry?.versions ?? {};
      const reused = Object.entries(versions).find(([, v]) => v.hash === resolved.hash)?.[0];
      const version = reused ?? (Math.max(0, ...Object.keys(versions).map((v) => parseInt(v, 36))) + 1).toString(36);
      if (!reused) versions[version] = { hash: resolved.hash, definition: resolved.definition, createdAt: new Date().toISOString() };
      // Plugin attributes stay: they are not part of the definition.
      d.resources[resolved.name] = { ...entry, currentVersion: version, mapping, versions };
      return d;
    });
    const resource = this.#instantiate(resolved, data.resources[resolved.name] as CatalogueResource);
    await resource.partitionsOpened();
    return resource;
  }

  /** The resource named `name`; NotFoundError if it is not defined, ConfigurationError if it has secret attributes and the database no passphrase. */
  getResource(name: string): Resource {
    const resource = this.resources[name];
    if (resource) return resource;
    const reason = this.#unavailable.get(name);
    if (reason) throw new ConfigurationError(reason);
    throw new NotFoundError(`Resource ${JSON.stringify(name)} is not defined: call db.createResource({ name: ${JSON.stringify(name)}, attributes }) first`);
  }

  /** Whether a resource named `name` is defined. */
  resourceExists(name: string): boolean {
    return Object.hasOwn(this.resources, name);
  }

  /** Whether `config` would reuse the current definition of its resource (no new schema version). */
  resourceExistsWithSameHash(config: ResourceConfig): HashExistsResult {
    const existingHash = this.#hashes.get(config.name);
    if (!this.resourceExists(config.name) || existingHash === undefined) return { exists: false, sameHash: false, hash: null };
    const { hash } = resolveConfig(config);
    return { exists: true, sameHash: hash === existingHash, hash, existingHash };
  }

  /** Writes s3db.json as it stands (conditionally, so a concurrent definition is never overwritten). */
  async uploadMetadataFile(): Promise<void> {
    if (!this.#connected) await this.connect();
    const catalogue = this.#requireConnected();
    const known = structuredClone(catalogue.data);
    // The stored entries win (they are as new or newer); ours fill in what is missing.
    await catalogue.update((stored) => {
      const encryption = stored.encryption ?? known.encryption;
      return { ...known, ...stored, ...(encryption ? { encryption } : {}), resources: { ...known.resources, ...stored.resources } };
    });
  }

  /** Every resource in the catalogue. ClosedError before connect(). */
  listResources(): ResourceSummary[] {
    const catalogue = this.#requireConnected();
    return Object.entries(catalogue.data.resources).map(([name, entry]) => {
      const def = entry.versions[entry.currentVersion]?.definition;
      return {
        name,
        version: entry.currentVersion,
        versions: Object.keys(entry.versions),
        behavior: def?.behavior ?? 'user-managed',
        attributes: def ? attributePaths(def.attributes).map((p) => p.path) : [],
      };
    });
  }

  /**
   * Installs a plugin (under `name`, default its slug or name, made unique with a number): `setup(db)` and
   * `start()` now if connected, else at connect. Returns the plugin. ValidationError for an object without
   * `setup`, or a `name` another plugin has.
   */
  async usePlugin<P extends S3dbPlugin>(plugin: P, name?: string): Promise<P> {
    this.#plugins.add(plugin, name);
    if (this.#connected) await this.#installPlugin(plugin);
    return plugin;
  }

  async #installPlugin(plugin: S3dbPlugin): Promise<void> {
    await plugin.setup(this);
    await plugin.start?.();
    this.emit('pluginInstalled', plugin);
  }

  #requireConnected(): Catalogue {
    if (!this.#connected || !this.#catalogue) throw new ClosedError('The database is not connected: await db.connect() first');
    return this.#catalogue;
  }

  #runtime(): ResourceRuntime {
    return {
      store: this.client,
      pool: this.#pool,
      cipher: this.#cipher,
      versioningEnabled: this.#compat.versioningEnabled,
      bcryptRounds: this.#compat.bcryptRounds,
      withholdSecrets: this.#options.withholdSecrets === true && !this.#cipher,
      catalogueEntry: async (name, change) => {
        const catalogue = this.#requireConnected();
        if (!change) return (await catalogue.load()).data.resources[name];
        const data = await catalogue.update((d) => {
          const entry = d.resources[name];
          if (!entry) throw new NotFoundError(`Resource ${JSON.stringify(name)} is not in ${CATALOGUE_KEY}: it was defined in another catalogue`);
          const next = change(entry);
          if (next === undefined) return undefined;
          d.resources[name] = next;
          return d;
        });
        return data.resources[name];
      },
    };
  }

  /** Resources defined in the catalogue are usable right after connect (without hooks or idGenerator). */
  #restore(data: CatalogueData): void {
    for (const [name, entry] of Object.entries(data.resources)) {
      const current = entry.versions[entry.currentVersion];
      if (!current) continue;
      const hasSecrets = attributePaths(current.definition.attributes).some((p) => p.secret);
      if (hasSecrets && !this.#cipher && this.#options.withholdSecrets !== true) {
        this.#unavailable.set(name, `Resource ${name} has secret attributes and the database was opened without a passphrase: pass \`passphrase\` to new S3db()`);
        continue;
      }
      const { behavior, timestamps, partitions, asyncPartitions, idSize } = current.definition;
      const resolved = resolveConfig({ name, attributes: current.definition.attributes, behavior, timestamps, partitions, asyncPartitions, idSize });
      this.#instantiate(resolved, entry);
    }
  }

  #instantiate(resolved: ResolvedConfig, entry: CatalogueResource): Resource {
    const resource = new Resource(this.#runtime(), resolved, resourceVersion(resolved.definition.attributes, entry));
    // A replaced version stops looking for intents: the new one does.
    this.resources[resolved.name]?.closePartitions();
    this.resources[resolved.name] = resource;
    this.#hashes.set(resolved.name, resolved.hash);
    this.#unavailable.delete(resolved.name);
    this.emit('resourceCreated', resource);
    return resource;
  }
}

/** Alias of {@link S3db}. */
export { S3db as Database };
