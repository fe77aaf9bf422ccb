/**
 * The byte form of one cached item (an entry or a version token) for drivers
 * without native expiry (filesystem, s3): the expiry time on the first line,
 * then the payload.
 */
import { createHash } from 'node:crypto';
import { StorageError } from '../../../core/errors.js';

/** `ttl` 0 means no expiry. */
export function encodeRecord(payload: string, ttl: number, now = Date.now()): string {
  return `${ttl > 0 ? now + ttl : 0}\n${payload}`;
}

/** The payload, or `expired`; a damaged record throws a StorageError. */
export function decodeRecord(text: string, now = Date.now()): { payload: string } | 'expired' {
  const newline = text.indexOf('\n');
  const expires = newline < 0 ? NaN : Number(text.slice(0, newline));
  if (!Number.isInteger(expires) || expires < 0) {
    throw new StorageError('A cache record is damaged (no expiry line); it is removed and read again from storage', { retryable: false });
  }
  if (expires !== 0 && expires <= now) return 'expired';
  return { payload: text.slice(newline + 1) };
}

/** A short, name-safe form of a key for file names and long object keys. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Like Promise.all, but rejects only after every promise settled. */
export async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Reads version tokens and (optionally) one entry from a record store by key.
 * Every read is settled first, so each can remove its own damaged record; an
 * entry that does not parse is dropped with `dropEntry` and the error rethrown.
 */
export async function readVersionsAndEntry<E>(
  versionKeys: readonly string[],
  entryKey: string | undefined,
  readPayload: (key: string) => Promise<string | undefined>,
  parse: (payload: string) => E,
  dropEntry: (key: string) => Promise<unknown>,
): Promise<{ versions: (string | undefined)[]; entry: E | undefined }> {
  const keys = entryKey === undefined ? versionKeys : [...versionKeys, entryKey];
  const payloads = await settleAll(keys.map(readPayload));
  const versions = payloads.slice(0, versionKeys.length);
  const payload = entryKey === undefined ? undefined : payloads[versionKeys.length];
  if (payload === undefined) return { versions, entry: undefined };
  try {
    return { versions, entry: parse(payload) };
  } catch (err) {
    await dropEntry(entryKey as string);
    throw err;
  }
}
