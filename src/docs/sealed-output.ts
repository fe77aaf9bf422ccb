/**
 * `autoDecrypt: false`: documents leave the resource with their secret
 * fields sealed, as s3db.js returns them. Reads inside the resource (update's
 * merge, hooks) still see plaintext, so a write never seals a sealed value
 * twice; the returned ciphertext is freshly sealed and opens with the
 * database's passphrase.
 */
import type { Document } from './document-codec.js';
import type { FieldCipher } from './field-cipher.js';
import type { CompiledSchema } from './schema.js';

export function sealSecrets(resource: string, schema: CompiledSchema, cipher: FieldCipher | undefined, value: unknown): unknown {
  if (!cipher || !schema.hasSecrets) return value;
  const secrets = schema.fields.filter((f) => f.secret);
  const seal = (doc: unknown): unknown => {
    if (!doc || typeof doc !== 'object') return doc;
    const out = structuredClone(doc) as Document;
    for (const field of secrets) {
      let parent: Record<string, unknown> | undefined = out;
      const last = field.segments.length - 1;
      for (let i = 0; i < last && parent; i++) parent = parent[field.segments[i] as string] as Record<string, unknown> | undefined;
      const name = field.segments[last] as string;
      const plain = parent?.[name];
      if (parent && typeof plain === 'string') parent[name] = cipher.encrypt(plain, `${resource}.${field.path}`);
    }
    return out;
  };
  if (Array.isArray(value)) return value.map(seal);
  if (value && typeof value === 'object' && Array.isArray((value as { items?: unknown }).items)) {
    return { ...value, items: (value as { items: unknown[] }).items.map(seal) };
  }
  return seal(value);
}

/** Reverses {@link sealSecrets} for one document (history entries are stored sealed). */
export function openSecrets(resource: string, schema: CompiledSchema, cipher: FieldCipher | undefined, doc: Record<string, unknown>): Record<string, unknown> {
  if (!cipher || !schema.hasSecrets) return doc;
  for (const field of schema.fields) {
    if (!field.secret) continue;
    let parent: Record<string, unknown> | undefined = doc;
    const last = field.segments.length - 1;
    for (let i = 0; i < last && parent; i++) parent = parent[field.segments[i] as string] as Record<string, unknown> | undefined;
    const name = field.segments[last] as string;
    const sealed = parent?.[name];
    if (parent && typeof sealed === 'string') parent[name] = cipher.decrypt(sealed, `${resource}.${field.path}`);
  }
  return doc;
}
