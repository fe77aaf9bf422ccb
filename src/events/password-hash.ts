/**
 * eventlite's `hash` option: with it, a `user_password` string in an event's
 * data is replaced by its hash before the event is stored (eventlite uses
 * Bun.password; here @node-rs/argon2 and bcryptjs, which write the same
 * PHC / `$2b$` strings, so hashes verify with either). The plain password never
 * reaches the log, and replay sees the stored hash. `verifyPassword` (core)
 * checks a password against such a hash.
 */
import { hashSync as argon2Hash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { assertKnownOptions, invalidOption } from '../core/options.js';
import type { EventInput } from './event-input.js';

/** Password hash algorithms of the `hash` option, as Bun.password names them. */
export type HashAlgorithm = 'argon2id' | 'argon2i' | 'argon2d' | 'bcrypt';

/**
 * The `hash` option of `initQueue`: with it, a `user_password` string in an event's
 * `data` is replaced by its hash (argon2 PHC or bcrypt `$2b$` string, as Bun.password
 * writes) before the event is stored, so the plain password never reaches the log.
 * A value that already is such a hash is kept. Defaults are Bun's: argon2id, 64 MiB,
 * 2 passes; bcrypt cost 10. Check a password with `verifyPassword(plain, hash)`.
 */
export interface HashOptions {
  /** Which algorithm hashes the password. @default 'argon2id' */
  algorithm?: HashAlgorithm;
  /** argon2 memory in KiB. @default 65536 */
  memoryCost?: number;
  /** argon2 passes. @default 2 */
  timeCost?: number;
  /** bcrypt cost (log2 rounds). @default 10 */
  cost?: number;
}

export type ResolvedHashOptions = Required<HashOptions>;

// @node-rs/argon2's `Algorithm` is a const enum (not importable under verbatimModuleSyntax): its values.
const ALGORITHMS: Record<Exclude<HashAlgorithm, 'bcrypt'>, 0 | 1 | 2> = {
  argon2d: 0,
  argon2i: 1,
  argon2id: 2,
};

function intIn(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalidOption(name, `an integer from ${min} to ${max}`, value);
  return value;
}

/** Validates the `hash` option; `undefined` means no hashing. */
export function resolveHashOptions(hash: unknown): ResolvedHashOptions | null {
  if (hash === undefined || hash === null || hash === false) return null;
  if (typeof hash !== 'object' || Array.isArray(hash)) throw invalidOption('hash', 'an object { algorithm, memoryCost, timeCost, cost }', hash);
  const options = hash as HashOptions;
  assertKnownOptions('initQueue', options, ['algorithm', 'memoryCost', 'timeCost', 'cost'], 'hash.');
  const algorithm = options.algorithm ?? 'argon2id';
  if (algorithm !== 'bcrypt' && !Object.hasOwn(ALGORITHMS, algorithm)) {
    throw invalidOption('hash.algorithm', "'argon2id', 'argon2i', 'argon2d' or 'bcrypt'", algorithm);
  }
  return {
    algorithm,
    memoryCost: intIn('hash.memoryCost', options.memoryCost, 8, 4_194_304, 65_536),
    timeCost: intIn('hash.timeCost', options.timeCost, 1, 1000, 2),
    cost: intIn('hash.cost', options.cost, 4, 31, 10),
  };
}

/**
 * The hash of `password` under `options` (synchronous, as eventlite's store is):
 * an argon2 PHC string or a bcrypt `$2b$` string. Every field of `options` is needed.
 * @example
 * const hash = hashPassword('s3cret', { algorithm: 'argon2id', memoryCost: 65536, timeCost: 2, cost: 10 });
 * verifyPassword('s3cret', hash); // true
 */
export function hashPassword(password: string, options: ResolvedHashOptions): string {
  if (options.algorithm === 'bcrypt') return bcrypt.hashSync(password, options.cost);
  return argon2Hash(password, { algorithm: ALGORITHMS[options.algorithm] as never, memoryCost: options.memoryCost, timeCost: options.timeCost });
}

/** `input` with `data.user_password` hashed when it is a string (else `input` itself). */
export function withHashedPassword<T extends EventInput>(input: T, options: ResolvedHashOptions | null): T {
  if (options === null || typeof input !== 'object' || input === null) return input;
  const data = input.data as Record<string, unknown> | undefined;
  if (typeof data !== 'object' || data === null || typeof data.user_password !== 'string') return input;
  // Already a hash (an event stored again, e.g. by migrateEvents): hashing it twice would lose the password.
  if (/^\$(argon2(id|i|d)\$|2[abxy]\$\d\d\$)/.test(data.user_password)) return input;
  return { ...input, data: { ...data, user_password: hashPassword(data.user_password, options) } };
}
