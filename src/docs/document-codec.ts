/**
 * Turns a document into the metadata and body of one object, and back.
 *
 * Each schema field (nested objects included, as their own entries) becomes
 * one tagged value under its stable metadata key. The body is never empty: it
 * carries a revision token, so every write changes the ETag even when all
 * fields live in metadata (S3's ETag is the MD5 of the body only).
 */
import { ConfigurationError, EncryptionError, StorageError } from '../core/errors.js';
import { SYSTEM_KEYS } from './attribute-mapping.js';
import { CATALOGUE_KEY } from './catalogue.js';
import { layoutDocument, type Behavior, type EncodedField, type LayoutContext } from './behaviors.js';
import { decodeValue, encodeValue } from './codec.js';
import { generateId } from './document-keys.js';
import type { FieldCipher } from './field-cipher.js';
import type { CompiledSchema, FieldSpec } from './schema.js';

/** A stored document as reads return it when the resource is not typed: its fields and its `id`. */
export type Document = Record<string, unknown> & { id: string };

export interface EncodedDocument {
  metadata: Record<string, string>;
  body: string;
  contentType: string;
  truncated: boolean;
  metadataBytes: number;
  /** The fields as stored, when truncation changed them (decode this to return what get will return). */
  storedFields: Record<string, string> | undefined;
}

export interface DocumentCodecOptions {
  resource: string;
  version: string;
  behavior: Behavior;
  schema: CompiledSchema;
  /** Every path ever mapped (all versions), to read fields that left the schema. */
  legacyFields: ReadonlyMap<string, FieldSpec>;
  cipher: FieldCipher | undefined;
  /** Without a cipher: secret values are left out of decoded documents and every encode is refused. */
  withholdSecrets?: boolean;
  limit?: number;
}

const JSON_BODY = 'application/json';
const TOKEN_BODY = 'text/plain';

export class DocumentCodec {
  readonly #o: DocumentCodecOptions;

  constructor(options: DocumentCodecOptions) {
    this.#o = options;
  }

  /** Encodes a validated document (without id). Throws MetadataLimitError under enforce-limits. */
  encode(id: string, data: Record<string, unknown>, onExceedsLimit?: LayoutContext['onExceedsLimit']): EncodedDocument {
    // A document read without its secrets would be written back without them: refuse every write.
    if (this.#o.withholdSecrets && !this.#o.cipher) {
      throw new ConfigurationError(`Resource ${this.#o.resource} was opened without a passphrase (secret values withheld): it is read-only. Pass \`passphrase\` to write to it`);
    }
    const fields = this.#fields(data);
    const ctx: LayoutContext = { resource: this.#o.resource, id };
    if (this.#o.limit !== undefined) ctx.limit = this.#o.limit;
    if (onExceedsLimit) ctx.onExceedsLimit = onExceedsLimit;
    const layout = layoutDocument(this.#o.behavior, this.#o.version, fields, ctx);
    const revision = generateId(12);
    let body: string;
    let contentType: string;
    if (layout.bodyFields) {
      body = JSON.stringify({ r: revision, f: layout.bodyFields });
      contentType = JSON_BODY;
    } else {
      body = revision;
      contentType = TOKEN_BODY;
    }
    let storedFields: Record<string, string> | undefined;
    if (layout.truncated) {
      storedFields = {};
      for (const [k, v] of Object.entries(layout.metadata)) if (!k.includes('-')) storedFields[k] = v;
    }
    return { metadata: layout.metadata, body, contentType, truncated: layout.truncated, metadataBytes: layout.metadataBytes, storedFields };
  }

  #fields(data: Record<string, unknown>): EncodedField[] {
    const out: EncodedField[] = [];
    for (const spec of this.#o.schema.fields) {
      const value = valueAt(data, spec.segments);
      if (value === undefined) continue;
      if (spec.isObject) {
        const marker = value === null ? 'z' : 'o';
        out.push({ key: spec.key, meta: marker, body: marker });
      } else if (spec.secret && typeof value === 'string') {
        const sealed = this.#cipher(spec).encrypt(value, `${this.#o.resource}.${spec.path}`);
        out.push({ key: spec.key, meta: sealed, body: sealed });
      } else if (typeof value === 'string') {
        out.push({ key: spec.key, meta: encodeValue(value, 'metadata'), body: encodeValue(value, 'body'), text: value });
      } else {
        const meta = encodeValue(value, 'metadata');
        out.push({ key: spec.key, meta, body: typeof value === 'object' && value !== null && !(value instanceof Date) ? encodeValue(value, 'body') : meta });
      }
    }
    return out;
  }

  /** Decodes an object's metadata and body into the document. */
  decode(id: string, metadata: Record<string, string>, body: Buffer | string | undefined): Document {
    const entries: [string, string][] = [];
    for (const key in metadata) if (!key.includes('-')) entries.push([key, metadata[key] as string]);
    if (metadata[SYSTEM_KEYS.layout] !== undefined) {
      const parsed = parseBody(id, body);
      for (const key in parsed.f) entries.push([key, parsed.f[key] as string]);
    }
    const doc = this.decodeFields(id, entries);
    if (metadata[SYSTEM_KEYS.truncated] !== undefined) doc.$truncated = true;
    return doc;
  }

  decodeFields(id: string, entries: Iterable<[string, string]>): Document {
    const doc: Document = { id };
    const nodes: [FieldSpec, string][] = [];
    for (const [key, encoded] of entries) {
      const spec = this.#o.schema.byKey.get(key) ?? this.#o.legacyFields.get(key);
      if (!spec) throw new UnknownFieldError(this.#o.resource, id, key);
      if (spec.isObject) {
        nodes.push([spec, encoded]);
        continue;
      }
      let value: unknown;
      if (spec.secret || encoded.charCodeAt(0) === 101 /* e */) {
        if (encoded === 'z') value = null;
        else if (this.#o.withholdSecrets && !this.#o.cipher) continue;
        else value = this.#cipher(spec).decrypt(encoded, `${this.#o.resource}.${spec.path}`);
      } else {
        value = decodeValue(encoded);
      }
      setAt(doc, spec.segments, value);
    }
    for (const [spec, marker] of nodes) {
      if (marker === 'z') {
        if (valueAt(doc, spec.segments) === undefined) setAt(doc, spec.segments, null);
      } else if (valueAt(doc, spec.segments) === undefined) {
        setAt(doc, spec.segments, {});
      }
    }
    return doc;
  }

  #cipher(spec: FieldSpec): FieldCipher {
    if (!this.#o.cipher) {
      throw new EncryptionError(`Field ${this.#o.resource}.${spec.path} is secret but the database has no passphrase: pass \`passphrase\` to new S3db()`);
    }
    return this.#o.cipher;
  }
}

/**
 * A metadata key the resource's mapping does not know. The resource reloads
 * its catalogue entry once (another process may have added attributes); it
 * reaches the caller only when s3db.json does not map the key either.
 */
export class UnknownFieldError extends StorageError {
  constructor(resource: string, id: string, key: string) {
    super(`Document ${JSON.stringify(id)} of ${resource} has a field (metadata key \`${key}\`) that ${CATALOGUE_KEY} does not map: the object was written by another tool or under another catalogue`, {
      retryable: false,
      details: { resource, id, key },
    });
  }
}

function parseBody(id: string, body: Buffer | string | undefined): { r: string; f: Record<string, string> } {
  try {
    const parsed = JSON.parse(typeof body === 'string' ? body : (body ?? Buffer.alloc(0)).toString('utf8')) as { r: string; f: Record<string, string> };
    if (parsed && typeof parsed.f === 'object') return parsed;
  } catch {
    // fall through
  }
  throw new StorageError(`Body of document ${JSON.stringify(id)} is not a valid s3lite document body: the object is damaged or was written by another tool`);
}

export function valueAt(obj: Record<string, unknown>, segments: readonly string[]): unknown {
  let current: unknown = obj;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function setAt(obj: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let current = obj;
  const last = segments.length - 1;
  for (let i = 0; i < last; i++) {
    const segment = segments[i] as string;
    let next = current[segment];
    if (next === null || typeof next !== 'object') {
      next = {};
      current[segment] = next;
    }
    current = next as Record<string, unknown>;
  }
  current[segments[last] as string] = value;
}
