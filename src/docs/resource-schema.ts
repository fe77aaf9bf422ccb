/**
 * The schema a resource writes and reads with right now: its definition plus
 * the plugin attributes recorded in the catalogue, compiled, and the codec
 * built on it. Plugin attributes change it in place (the resource object
 * users hold stays the one to use); every change goes through the catalogue
 * first, so the metadata key a field gets is the one every process will use.
 */
import { UnknownFieldError, DocumentCodec, type Document } from './document-codec.js';
import type { CatalogueResource } from './catalogue.js';
import type { FieldCipher } from './field-cipher.js';
import { checkPluginAttribute, effectiveAttributes, withoutPluginAttribute, withPluginAttribute } from './plugin-attributes.js';
import type { StoredDefinition } from './resource-types.js';
import { resourceVersion, type ResourceVersion } from './resource-version.js';
import { compileSchema, type AttributeDefinition, type AttributesDefinition, type CompiledSchema } from './schema.js';
import { ConfigurationError } from '../core/errors.js';
import type { StoredObject } from '../storage/object-store.js';

/** Changes a catalogue entry (undefined: nothing to write). */
export type EntryChange = (entry: CatalogueResource) => CatalogueResource | undefined;

/** Reads the resource's catalogue entry afresh, or applies `change` to it with a conditional write; returns the entry as stored. */
export type EntryAccess = (change?: EntryChange) => Promise<CatalogueResource | undefined>;

export interface ResourceSchemaOptions {
  resource: string;
  definition: StoredDefinition;
  cipher: FieldCipher | undefined;
  /** No cipher: leave secret values out of reads and refuse writes (S3db's `withholdSecrets`). */
  withholdSecrets?: boolean;
  version: ResourceVersion;
  /** Undefined for a resource made outside a database: plugin attributes are refused. */
  entry: EntryAccess | undefined;
}

export class ResourceSchema {
  readonly #o: ResourceSchemaOptions;
  #version!: ResourceVersion;
  #schema!: CompiledSchema;
  #codec!: DocumentCodec;
  #pending: Promise<unknown> | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(options: ResourceSchemaOptions) {
    this.#o = options;
    this.#build(options.version);
  }

  get schema(): CompiledSchema {
    return this.#schema;
  }

  get codec(): DocumentCodec {
    return this.#codec;
  }

  get mapping(): ResourceVersion['mapping'] {
    return this.#version.mapping;
  }

  /** The definition's attributes plus the live plugin attributes. */
  get attributes(): AttributesDefinition {
    return effectiveAttributes(this.#o.definition.attributes, this.#version.pluginAttributes);
  }

  /** Live plugin attributes: name → { rule, plugin }. */
  get pluginAttributes(): Record<string, { rule: AttributeDefinition; plugin: string }> {
    const out: Record<string, { rule: AttributeDefinition; plugin: string }> = {};
    for (const [name, r] of Object.entries(this.#version.pluginAttributes ?? {})) if (r.removedAt === undefined) out[name] = { rule: r.rule, plugin: r.plugin };
    return out;
  }

  /** Settles when the schema changes asked for so far are applied (or failed: their callers hear of it). */
  settled(): Promise<unknown> | undefined {
    return this.#pending;
  }

  addPluginAttribute(name: string, rule: AttributeDefinition, plugin: string): Promise<void> {
    const { resource, definition } = this.#o;
    const records = this.#version.pluginAttributes;
    if (checkPluginAttribute(resource, definition.attributes, records, name, rule, plugin)) return this.#pending?.then(() => undefined, () => undefined) ?? Promise.resolve();
    // Bad rules fail here, before anything is written.
    const next = withPluginAttribute({ currentVersion: this.#version.version, mapping: this.#version.mapping, versions: {}, ...(records ? { pluginAttributes: records } : {}) }, name, rule, plugin);
    if (next) compileSchema(effectiveAttributes(definition.attributes, next.pluginAttributes), next.mapping);
    return handled(
      this.#change((entry) => {
        // Again against the stored entry: another process may have added the name meanwhile.
        checkPluginAttribute(resource, definition.attributes, entry.pluginAttributes, name, rule, plugin);
        return withPluginAttribute(entry, name, rule, plugin);
      }).then(() => undefined),
    );
  }

  removePluginAttribute(name: string, plugin: string | null): Promise<boolean> {
    let removed = false;
    return handled(
      this.#change((entry) => {
        const next = withoutPluginAttribute(this.#o.resource, entry, name, plugin);
        removed = next !== undefined;
        return next;
      }).then(() => removed),
    );
  }

  /** Decodes a stored document; a field this process does not know yet (another process added it) reloads the catalogue entry once. */
  async decode(id: string, object: StoredObject): Promise<Document> {
    try {
      return this.#codec.decode(id, object.metadata, object.body);
    } catch (err) {
      if (!(err instanceof UnknownFieldError) || !this.#o.entry) throw err;
      await this.#refresh();
      return this.#codec.decode(id, object.metadata, object.body);
    }
  }

  #refresh(): Promise<void> {
    const access = this.#o.entry as EntryAccess;
    this.#refreshing ??= access()
      .then((entry) => {
        if (entry) this.#apply(entry);
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** Changes run one after another, each on the entry as stored; the local schema follows what was written. */
  #change(change: EntryChange): Promise<CatalogueResource | undefined> {
    const access = this.#o.entry;
    if (!access) return Promise.reject(new ConfigurationError(`Resource ${this.#o.resource} is not part of a database: plugin attributes are recorded in its catalogue`));
    const run = (this.#pending ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => access(change))
      .then((entry) => {
        if (entry) this.#apply(entry);
        return entry;
      });
    const tracked = run.finally(() => {
      if (this.#pending === tracked) this.#pending = undefined;
    });
    // The caller hears of a failure through `run`; the resource's own wait must not raise it twice.
    tracked.catch(() => undefined);
    this.#pending = tracked;
    return run;
  }

  /** The entry as stored, seen from this resource's own schema version. */
  #apply(entry: CatalogueResource): void {
    this.#build({ ...resourceVersion(this.#o.definition.attributes, entry), version: this.#version.version });
  }

  #build(version: ResourceVersion): void {
    const { resource, definition, cipher, withholdSecrets } = this.#o;
    const schema = compileSchema(effectiveAttributes(definition.attributes, version.pluginAttributes), version.mapping);
    this.#codec = new DocumentCodec({ resource, version: version.version, behavior: definition.behavior, schema, legacyFields: version.legacyFields, cipher, withholdSecrets: withholdSecrets === true });
    this.#schema = schema;
    this.#version = version;
  }
}

/** s3db.js's callers do not await these methods: a failure reaches whoever awaits, never the process's unhandled-rejection handler. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
