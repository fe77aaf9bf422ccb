/**
 * Password hashes both engines write and check: bcrypt for s3db.js's
 * `password` attribute type, argon2 or bcrypt for eventlite's `hash` option
 * (the strings Bun.password writes). One library each for both engines:
 * bcryptjs (pure JavaScript: installs everywhere, sync and async) and
 * @node-rs/argon2 (native, prebuilt for every platform).
 */
import { verifySync as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/** A bcrypt hash of `password` at `cost` (log2 rounds), computed in slices that let other work run between them. */
export function bcryptHash(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

/**
 * True when `password` matches `hash` (an argon2 PHC string or a bcrypt hash).
 * Synchronous, so both `if (verifyPassword(p, h))` (eventlite apps, as
 * Bun.password.verifySync) and `await verifyPassword(p, h)` (s3db.js apps) work.
 * @example
 * if (!verifyPassword(data.user_password, user.password_hash)) throw new Error('Invalid username or password');
 */
export function verifyPassword(password: string, hash: string): boolean {
  if (typeof password !== 'string' || typeof hash !== 'string') return false;
  try {
    if (hash.startsWith('$argon2')) return argon2Verify(hash, password);
    if (/^\$2[abxy]\$/.test(hash)) return bcrypt.compareSync(password, hash);
  } catch {
    return false;
  }
  return false;
}
