/**
 * Secret fields in cache entries that leave the process.
 *
 * A cached read result holds documents as the caller gets them: decrypted.
 * Before an entry goes to a driver outside this process (Redis, files,
 * objects; every driver without `readNow`) its secret fields are sealed with
 * the resource's own cipher, under the same field context as in storage, and
 * opened again on a hit. The in-process memory driver keeps them open: it
 * lives in the heap of the process that holds the key and hands out the same
 * documents anyway.
 *
 * Query arguments may hold secret values too (`query({ password })`): for a
 * resource with secrets, a query entry's name and stored arguments are a
 * keyed digest of the arguments (see cache-keys.ts), never the text.
 */
import type { FieldSpec } from '../../schema.js';
import type { ResourceSecrets } from '../../resource.js';

/** Where the documents sit in each cached method's result. */
type Shape = 'doc' | 'docs' | 'page' | 'none';
const SHAPES: Readonly<Record<string, Shape>> = {
  get: 'doc',
  getFromPartition: 'doc',
  getMany: 'docs',
  list: 'docs',
  query: 'docs',
  page: 'page',
  listIds: 'none',
  count: 'none',
};

type Transform = (value: string, context: string) => string;

/** Opened values remembered (per resource): a repeated hit on the same entry decrypts nothing. */
const MAX_OPENED = 4096;

export class SecretSealer {
  readonly #secrets: ResourceSecrets;
  readonly #fields: readonly FieldSpec[];
  /** `<resource>.<path>` per field: the context the codec binds to each secret in storage. */
  readonly #contexts: readonly string[];
  readonly #argsContext: string;
  readonly #seal: Transform;
  readonly #open: Transform;
  /**
   * Plaintext by context and ciphertext, most recent last. It lives in the
   * heap of the process that holds the key, like the memory driver's
   * entries; a ciphertext that was changed is a different key, so it is
   * decrypted (and rejected) as usual.
   */
  readonly #opened = new Map<string, string>();

  constructor(resource: string, secrets: ResourceSecrets) {
    this.#secrets = secrets;
    this.#fields = secrets.fields;
    this.#contexts = secrets.fields.map((f) => `${resource}.${f.path}`);
    this.#argsContext = `cache query ${resource}`;
    const { cipher } = secrets;
    this.#seal = (value, context) => cipher.encrypt(value, context);
    this.#open = (value, context) => {
      const id = `${context}\0${value}`;
      let plain = this.#opened.get(id);
      if (plain === undefined) {
        plain = cipher.decrypt(value, context);
        if (this.#opened.size >= MAX_OPENED) this.#opened.delete(this.#opened.keys().next().value as string);
        this.#opened.set(id, plain);
      }
      return plain;
    };
  }

  /** Whether this sealer was made for `secrets` (a redefined resource brings new ones). */
  serves(secrets: ResourceSecrets | undefined): boolean {
    return secrets === this.#secrets;
  }

  /** A copy of `method`'s result with every secret field encrypted; the caller's value is not touched. */
  seal(method: string, value: unknown): unknown {
    return this.#result(method, value, this.#seal);
  }

  /**
   * A copy of a sealed result with the secret fields decrypted. Throws
   * EncryptionError when one does not decrypt (tampered, another key): the
   * entry is then not served.
   */
  open(method: string, value: unknown): unknown {
    return this.#result(method, value, this.#open);
  }

  /** The name of query arguments that may hold secret values: a keyed digest, stable for one passphrase. */
  digest(args: string): string {
    return this.#secrets.cipher.digest(args, this.#argsContext);
  }

  #result(method: string, value: unknown, transform: Transform): unknown {
    // An unknown method is sealed as whatever document-like shape it has (safe side), never passed through.
    const shape = SHAPES[method] ?? (Array.isArray(value) ? 'docs' : 'doc');
    switch (shape) {
      case 'none':
        return value;
      case 'doc':
        return this.#doc(value, transform);
      case 'docs':
        return Array.isArray(value) ? value.map((doc) => this.#doc(doc, transform)) : this.#doc(value, transform);
      case 'page': {
        if (!isObject(value) || !Array.isArray(value.items)) return this.#doc(value, transform);
        return { ...value, items: value.items.map((doc) => this.#doc(doc, transform)) };
      }
    }
  }

  /** Copies only the objects on the way to a secret field (documents without a secret value are returned as they are). */
  #doc(doc: unknown, transform: Transform): unknown {
    if (!isObject(doc)) return doc;
    let root: Record<string, unknown> | undefined;
    let copied: Set<object> | undefined;
    for (let i = 0; i < this.#fields.length; i++) {
      const { segments } = this.#fields[i] as FieldSpec;
      const plain = valueAt(root ?? doc, segments);
      if (typeof plain !== 'string') continue;
      if (root === undefined) {
        root = { ...doc };
        copied = new Set([root]);
      }
      setCopying(root, segments, transform(plain, this.#contexts[i] as string), copied as Set<object>);
    }
    return root ?? doc;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function valueAt(obj: Record<string, unknown>, segments: readonly string[]): unknown {
  let current: unknown = obj;
  for (const segment of segments) {
    if (!isObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** Sets the value at `segments` (which exists), copying each object on the way that is not a copy yet. */
function setCopying(root: Record<string, unknown>, segments: readonly string[], value: string, copied: Set<object>): void {
  let current = root;
  const last = segments.length - 1;
  for (let i = 0; i < last; i++) {
    const segment = segments[i] as string;
    let next = current[segment] as Record<string, unknown>;
    if (!copied.has(next)) {
      next = { ...next };
      copied.add(next);
      current[segment] = next;
    }
    current = next;
  }
  current[segments[last] as string] = value;
}
