/**
 * Encryption of `secret` attributes: AES-256-GCM, a random 96-bit IV per
 * value, and a key derived once per (passphrase, salt) with scrypt and cached.
 *
 * The salt is random per database and lives in the catalogue. The field's
 * resource and path are bound as additional authenticated data, so a
 * ciphertext moved to another field fails to decrypt instead of leaking.
 * Decryption failures throw {@link EncryptionError}: ciphertext is never
 * returned in place of plaintext.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt } from 'node:crypto';
import { EncryptionError } from '../core/errors.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** scrypt cost: ~50 ms once per passphrase, not per write. */
const SCRYPT_OPTIONS = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

const keyCache = new Map<string, Promise<Buffer>>();
let derivations = 0;

function deriveKey(passphrase: string, salt: Buffer): Promise<Buffer> {
  // The cache is keyed by a hash so the passphrase itself is not kept as a map key.
  const id = createHash('sha256').update(passphrase).update('\0').update(salt).digest('base64');
  let key = keyCache.get(id);
  if (!key) {
    derivations++;
    key = new Promise<Buffer>((resolve, reject) => {
      scrypt(passphrase, salt, 32, SCRYPT_OPTIONS, (err, derived) => (err ? reject(err) : resolve(derived)));
    });
    keyCache.set(id, key);
    key.catch(() => keyCache.delete(id));
  }
  return key;
}

/** Encrypts and decrypts secret values with one derived key. */
export class FieldCipher {
  readonly #key: Buffer;
  /** Its own key for digests (derived from the encryption key, never used to encrypt). */
  readonly #digestKey: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
    this.#digestKey = createHmac('sha256', key).update('s3lite field digest v1').digest();
  }

  /** Derives (or reuses) the key for this passphrase and salt. */
  static async create(passphrase: string, salt: Buffer): Promise<FieldCipher> {
    return new FieldCipher(await deriveKey(passphrase, salt));
  }

  /** How many scrypt derivations this process ran (observability: one per passphrase and salt, never per write). */
  static get derivations(): number {
    return derivations;
  }

  /** A fresh random salt for a new database. */
  static newSalt(): Buffer {
    return randomBytes(16);
  }

  /** `e` + base64url(iv | tag | ciphertext): header-safe ASCII. */
  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `e${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /**
   * A keyed digest (HMAC-SHA256, base64url) of text that may hold secret
   * values, for names that must be stable but must not reveal or let anyone
   * confirm a guess of those values without the passphrase (cache keys).
   */
  digest(text: string, context: string): string {
    return createHmac('sha256', this.#digestKey).update(context).update('\0').update(text).digest('base64url');
  }

  decrypt(encoded: string, context: string): string {
    if (encoded.charCodeAt(0) !== 101 /* e */) {
      throw new EncryptionError(`Secret field ${context} is not encrypted data: refusing to return it`);
    }
    const raw = Buffer.from(encoded.slice(1), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new EncryptionError(`Secret field ${context} is truncated or damaged`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new EncryptionError(
        `Cannot decrypt secret field ${context}: wrong passphrase or tampered value. Open the database with the passphrase it was written with.`,
        { cause: err },
      );
    }
  }
}
