/**
 * encrypt/decrypt: s3db.js's standalone helpers for one string and a
 * passphrase, on the same cipher as `secret` attributes. The salt is random
 * per process and travels in the output, so a process derives one key
 * however many values it encrypts, and any process with the passphrase can
 * decrypt.
 */
import { EncryptionError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import { FieldCipher } from './field-cipher.js';

const FORMAT = 's3l1';
const CONTEXT = 'standalone';
const processSalt = FieldCipher.newSalt();

function checkPassphrase(passphrase: unknown): string {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw invalidOption('passphrase', 'a non-empty string', '(hidden)');
  return passphrase;
}

/**
 * Encrypts one string with a passphrase (AES-256-GCM, key derived with
 * scrypt): s3db.js's `encrypt`. The output (`s3l1:<salt>:<ciphertext>`) is
 * only readable by {@link decrypt}; it is not s3db.js's format. Throws
 * ValidationError when `content` is not a string or `passphrase` is empty.
 *
 * @example
 * const passphrase = 'correct horse battery staple';
 * const sealed = await encrypt('api-key-123', passphrase);
 * await decrypt(sealed, passphrase); // 'api-key-123'
 */
export async function encrypt(content: string, passphrase: string): Promise<string> {
  if (typeof content !== 'string') throw invalidOption('content', 'a string', content);
  const cipher = await FieldCipher.create(checkPassphrase(passphrase), processSalt);
  return `${FORMAT}:${processSalt.toString('base64url')}:${cipher.encrypt(content, CONTEXT)}`;
}

/**
 * Decrypts what {@link encrypt} made: s3db.js's `decrypt`. A wrong
 * passphrase, damaged text or text encrypt() did not make throws
 * EncryptionError (ciphertext is never returned as if it were plaintext);
 * a non-string `content` or an empty passphrase throws ValidationError.
 */
export async function decrypt(content: string, passphrase: string): Promise<string> {
  if (typeof content !== 'string') throw invalidOption('content', 'a string', content);
  const [format, salt, body, extra] = content.split(':');
  if (format !== FORMAT || !salt || !body || extra !== undefined) throw new EncryptionError('Not text made by encrypt(): refusing to return it');
  const cipher = await FieldCipher.create(checkPassphrase(passphrase), Buffer.from(salt, 'base64url'));
  return cipher.decrypt(body, CONTEXT);
}
