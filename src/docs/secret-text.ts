/**
 * encrypt/decrypt: s3db.js's standalone helpers for one string and a
 * passphrase, on the same cipher as `secret` attributes (AES-256-GCM, scrypt
 * key). The salt is random per process and travels in the output, so a
 * process derives one key however many values it encrypts, and any process
 * with the passphrase can decrypt. A wrong passphrase or damaged text throws
 * EncryptionError; ciphertext is never returned as if it were plaintext.
 *
 * @example
 * const sealed = await encrypt('api-key-123', process.env.PASSPHRASE);
 * await decrypt(sealed, process.env.PASSPHRASE); // 'api-key-123'
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

export async function encrypt(content: string, passphrase: string): Promise<string> {
  if (typeof content !== 'string') throw invalidOption('content', 'a string', content);
  const cipher = await FieldCipher.create(checkPassphrase(passphrase), processSalt);
  return `${FORMAT}:${processSalt.toString('base64url')}:${cipher.encrypt(content, CONTEXT)}`;
}

export async function decrypt(content: string, passphrase: string): Promise<string> {
  if (typeof content !== 'string') throw invalidOption('content', 'a string', content);
  const [format, salt, body, extra] = content.split(':');
  if (format !== FORMAT || !salt || !body || extra !== undefined) throw new EncryptionError('Not text made by encrypt(): refusing to return it');
  const cipher = await FieldCipher.create(checkPassphrase(passphrase), Buffer.from(salt, 'base64url'));
  return cipher.decrypt(body, CONTEXT);
}
