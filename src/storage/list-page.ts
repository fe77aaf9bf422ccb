/**
 * One page of a LIST over keys that a backend can walk in S3 order
 * (memory:// and file://): prefix, startAfter, delimiter/commonPrefixes,
 * maxKeys and opaque continuation tokens behave as ListObjectsV2 does.
 */
import { ValidationError } from '../core/errors.js';
import { invalidOption } from '../core/options.js';
import type { ListObjectsInput, ListObjectsOutput, ListedObject } from './object-store.js';

/** Where a page starts: after `key`, or after every key starting with `key` when `pastPrefix`. */
export interface ListPosition {
  key: string;
  pastPrefix: boolean;
}

/** Keys in S3 order, relative to the store's prefix. */
export interface SortedKeySource {
  /** Positions the source at the first key >= `from` and after `position` (if any). */
  seek(from: string, position: ListPosition | undefined): void | Promise<void>;
  /** Skips every remaining key that starts with `prefix`. */
  skipPrefix(prefix: string): void;
  next(): ListedObject | undefined | Promise<ListedObject | undefined>;
}

export const MAX_LIST_KEYS = 1000;

export function encodeToken(position: ListPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, k: position.key, p: position.pastPrefix ? 1 : 0 })).toString('base64url');
}

export function decodeToken(token: string): ListPosition {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; k?: unknown; p?: unknown };
    if (parsed.v === 1 && typeof parsed.k === 'string') return { key: parsed.k, pastPrefix: parsed.p === 1 };
  } catch {
    // fall through to the typed error
  }
  throw new ValidationError('`continuationToken` is not a token returned by listObjects on this backend', [
    { field: 'continuationToken', message: 'unknown token' },
  ]);
}

/** Validates `maxKeys`: an integer from 1 up; values over 1000 are capped at 1000, as S3 does. */
export function checkMaxKeys(maxKeys: number | undefined): number {
  if (maxKeys === undefined) return MAX_LIST_KEYS;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw invalidOption('maxKeys', 'an integer from 1 and up', maxKeys);
  return Math.min(maxKeys, MAX_LIST_KEYS);
}

export function checkDelimiter(delimiter: string | undefined): string | undefined {
  if (delimiter === undefined || delimiter === '') return undefined;
  if (typeof delimiter !== 'string') throw invalidOption('delimiter', 'a string', delimiter);
  return delimiter;
}

export async function listPage(source: SortedKeySource, input: ListObjectsInput): Promise<ListObjectsOutput> {
  const prefix = input.prefix ?? '';
  const maxKeys = checkMaxKeys(input.maxKeys);
  const delimiter = checkDelimiter(input.delimiter);
  let position: ListPosition | undefined;
  if (input.continuationToken !== undefined) position = decodeToken(input.continuationToken);
  else if (input.startAfter !== undefined && input.startAfter !== '') position = { key: input.startAfter, pastPrefix: false };

  await source.seek(prefix, position);
  const objects: ListedObject[] = [];
  const commonPrefixes: string[] = [];
  let last: ListPosition | undefined;
  let isTruncated = false;
  for (;;) {
    const item = await source.next();
    if (item === undefined) break;
    if (!item.key.startsWith(prefix)) break; // sorted: past the prefix range
    if (objects.length + commonPrefixes.length === maxKeys) {
      isTruncated = true;
      break;
    }
    const cut = delimiter === undefined ? -1 : item.key.indexOf(delimiter, prefix.length);
    if (cut >= 0) {
      const common = item.key.slice(0, cut + delimiter!.length);
      commonPrefixes.push(common);
      last = { key: common, pastPrefix: true };
      source.skipPrefix(common);
    } else {
      objects.push(item);
      last = { key: item.key, pastPrefix: false };
    }
  }
  return {
    objects,
    commonPrefixes,
    isTruncated,
    nextContinuationToken: isTruncated && last !== undefined ? encodeToken(last) : undefined,
  };
}
