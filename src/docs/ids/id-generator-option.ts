/**
 * The `idGenerator` forms s3db.js documents, parsed once at createResource:
 * a function, a size (number), `'uuid'`, `'ulid'`, `'nanoid'`,
 * `'incremental'`, `'incremental:1000'` (start), `'incremental:ORD-0001'`
 * (prefix, padding and start), `'incremental:fast'`, or an object
 * `{ type, start, increment, prefix, padding, mode, batchSize, size, alphabet }`.
 */
import { invalidOption } from '../../core/options.js';
import { isPlainObject } from '../codec.js';

export interface IncrementalPlan {
  start: number;
  increment: number;
  prefix: string;
  /** Digits, zero-padded (0: none). */
  padding: number;
  /** `fast` reserves `batchSize` values per conditional write and hands them out locally. */
  mode: 'standard' | 'fast';
  batchSize: number;
}

export type IdPlan =
  | { kind: 'function'; fn: () => unknown }
  | { kind: 'random'; size: number; alphabet: string | undefined }
  | { kind: 'uuid' }
  | { kind: 'ulid' }
  | { kind: 'incremental'; incremental: IncrementalPlan };

const EXPECTED = "a function, a size, 'uuid', 'ulid', 'nanoid', 'incremental', 'incremental:<start>', 'incremental:<PREFIX-0001>', 'incremental:fast' or { type: 'incremental', start, increment, prefix, mode, batchSize }";

export function parseIdGenerator(option: unknown, idSize: number): IdPlan {
  if (option === undefined) return { kind: 'random', size: idSize, alphabet: undefined };
  if (typeof option === 'function') return { kind: 'function', fn: option as () => unknown };
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 8 || option > 128) throw invalidOption('idGenerator', 'a size from 8 to 128 when a number', option);
    return { kind: 'random', size: option, alphabet: undefined };
  }
  if (typeof option === 'string') return parseString(option, idSize);
  if (isPlainObject(option)) return parseObject(option, idSize);
  throw invalidOption('idGenerator', EXPECTED, option);
}

function parseString(option: string, idSize: number): IdPlan {
  if (option === 'uuid') return { kind: 'uuid' };
  if (option === 'ulid') return { kind: 'ulid' };
  if (option === 'nanoid') return { kind: 'random', size: idSize, alphabet: undefined };
  if (option === 'incremental') return incremental({});
  if (!option.startsWith('incremental:')) throw invalidOption('idGenerator', EXPECTED, option);
  const spec = option.slice('incremental:'.length);
  if (spec === 'fast') return incremental({ mode: 'fast' });
  if (/^\d+$/.test(spec)) return incremental({ start: Number(spec) });
  // 'ORD-0001': everything before the trailing digits is the prefix; the digits give start and padding.
  const match = /^(.*?)(\d+)$/.exec(spec);
  if (!match || (match[1] as string).length === 0) throw invalidOption('idGenerator', EXPECTED, option);
  return incremental({ prefix: match[1], start: Number(match[2]), padding: (match[2] as string).length });
}

function parseObject(option: Record<string, unknown>, idSize: number): IdPlan {
  const type = option.type ?? 'incremental';
  if (type === 'uuid') return { kind: 'uuid' };
  if (type === 'ulid') return { kind: 'ulid' };
  if (type === 'nanoid' || type === 'random') {
    const size = option.size ?? idSize;
    if (!Number.isInteger(size) || (size as number) < 8 || (size as number) > 128) throw invalidOption('idGenerator.size', 'an integer from 8 to 128', size);
    if (option.alphabet !== undefined && (typeof option.alphabet !== 'string' || option.alphabet.length < 2 || !/^[\x20-\x2e\x30-\x7e]+$/.test(option.alphabet))) {
      throw invalidOption('idGenerator.alphabet', 'at least 2 printable ASCII characters other than `/`', option.alphabet);
    }
    return { kind: 'random', size: size as number, alphabet: option.alphabet as string | undefined };
  }
  if (type !== 'incremental') throw invalidOption('idGenerator.type', "'incremental', 'uuid', 'ulid' or 'nanoid'", type);
  return incremental(option);
}

function incremental(o: Record<string, unknown>): IdPlan {
  const start = o.start ?? 1;
  const increment = o.increment ?? 1;
  const prefix = o.prefix ?? '';
  const padding = o.padding ?? 0;
  const mode = o.mode ?? 'standard';
  const batchSize = o.batchSize ?? 100;
  if (!Number.isSafeInteger(start)) throw invalidOption('idGenerator.start', 'a safe integer', start);
  if (!Number.isSafeInteger(increment) || (increment as number) < 1) throw invalidOption('idGenerator.increment', 'a positive integer', increment);
  if (typeof prefix !== 'string' || prefix.includes('/')) throw invalidOption('idGenerator.prefix', 'a string without `/`', prefix);
  if (!Number.isInteger(padding) || (padding as number) < 0 || (padding as number) > 30) throw invalidOption('idGenerator.padding', 'an integer from 0 to 30', padding);
  if (mode !== 'standard' && mode !== 'fast') throw invalidOption('idGenerator.mode', "'standard' or 'fast'", mode);
  if (!Number.isInteger(batchSize) || (batchSize as number) < 1) throw invalidOption('idGenerator.batchSize', 'a positive integer', batchSize);
  return {
    kind: 'incremental',
    incremental: { start: start as number, increment: increment as number, prefix, padding: padding as number, mode, batchSize: batchSize as number },
  };
}
