/**
 * The options object of every resource method, checked by name and value
 * before the call does anything, with the one option-validation module
 * (core/options.ts): a misspelt name reads ``Unknown list option `limt`; did
 * you mean `limit`?`` as a misspelt constructor option does, and a bad value
 * ``Expected `limit` to be an integer from 0 and up, got `-1` (number)``.
 *
 * Each method accepts `priority` and `signal`, its own options and the names
 * s3db.js documents for it, so code written for s3db.js keeps running.
 */
import { checkOptions, invalidOption } from '../core/options.js';
import { isPlainObject } from './codec.js';

const CALL = ['priority', 'signal'] as const;
const PARTITION = ['partition', 'partitionValues'] as const;
const LIST = [...CALL, ...PARTITION, 'limit', 'offset'] as const;

/** Where a method takes its options (index in its arguments) and the names it knows. */
interface MethodOptions {
  readonly at: number;
  readonly known: readonly string[];
}

const call = (at: number, ...extra: string[]): MethodOptions => ({ at, known: [...CALL, ...extra] });

/** Every resource method that takes an options object. */
export const METHOD_OPTIONS: Readonly<Record<string, MethodOptions>> = {
  // reads
  get: call(1),
  getMany: call(1),
  getAll: call(0),
  exists: call(1),
  getEtag: call(1),
  list: { at: 0, known: LIST },
  listIds: { at: 0, known: LIST },
  listPartition: { at: 0, known: LIST },
  query: { at: 1, known: LIST },
  count: call(0, ...PARTITION),
  page: call(0, ...PARTITION, 'size', 'cursor', 'page', 'offset', 'skipCount'),
  stream: call(0, 'readAhead'),
  readable: call(0, 'batchSize', 'concurrency'),
  getFromPartition: call(1),
  // writes (s3db.js's patch and replace take the partition as a hint; references are found from the document)
  insert: call(1),
  insertMany: call(1),
  update: call(2),
  patch: call(2, ...PARTITION),
  replace: call(2, ...PARTITION),
  upsert: call(1),
  updateConditional: call(2, 'ifMatch'),
  delete: call(1),
  deleteMany: call(1),
  deleteAll: call(0),
  deleteAllData: call(0),
  writable: call(0, 'batchSize', 'concurrency'),
  // content, history, sequences, partition tools
  setContent: call(1),
  content: call(1),
  hasContent: call(1),
  deleteContent: call(1),
  getHistory: call(1),
  getSequenceValue: call(1),
  resetSequence: call(2),
  listSequences: call(0),
  reserveIdBatch: call(1),
  verifyPartitions: call(0, 'partition'),
  rebuildPartitions: call(0, 'partition'),
};

/** Value checks of the options several methods share; method-specific values are checked where they are used. */
const VALUES: Readonly<Record<string, (value: unknown) => void>> = {
  priority: (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidOption('priority', 'a finite number', v);
  },
  signal: (v) => {
    if (!(v instanceof AbortSignal)) throw invalidOption('signal', 'an AbortSignal', v);
  },
  limit: (v) => checkCount('limit', v),
  offset: (v) => checkCount('offset', v),
  readAhead: (v) => checkReadAhead(v),
  partition: (v) => {
    if (typeof v !== 'string' || v === '') throw invalidOption('partition', 'the name of a partition', v);
  },
  partitionValues: (v) => {
    if (!isPlainObject(v)) throw invalidOption('partitionValues', 'an object of partition field values', v);
  },
};

/**
 * Checks the options of `method` in its arguments `args` (absent options are
 * fine); throws the ValidationError of core/options.ts. `allowUnknown`: the
 * method has a user's middleware, which may read options of its own. Methods missing from
 * {@link METHOD_OPTIONS} (internal ones) are not checked.
 */
export function checkMethodOptions(method: string, args: readonly unknown[], allowUnknown = false): void {
  const entry = METHOD_OPTIONS[method];
  if (!entry) return;
  const options = args[entry.at];
  if (options === undefined) return;
  // With a user's middleware on the method, names we do not know are the middleware's (values of ours are still checked).
  const checked = allowUnknown && isPlainObject(options) ? options : checkOptions(method, options, entry.known);
  for (const key of Object.keys(checked)) {
    const value = checked[key];
    if (value !== undefined && Object.hasOwn(VALUES, key)) VALUES[key]?.(value);
  }
}

function checkCount(name: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 0) throw invalidOption(name, 'an integer from 0 and up', value);
}

/** `limit` and `offset` of a listing, when given. */
export function checkLimitOffset(options: { limit?: unknown; offset?: unknown }): void {
  if (options.limit !== undefined) checkCount('limit', options.limit);
  if (options.offset !== undefined) checkCount('offset', options.offset);
}

/** Documents fetched ahead of a consumer. */
export function checkReadAhead(value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 1) throw invalidOption('readAhead', 'an integer from 1 and up', value);
}
