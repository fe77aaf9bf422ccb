/**
 * `--partition P --values k=v[,k2=v2]`: the partition lookup of `list` and
 * `count`. `--values` may be repeated; within one, a comma followed by text
 * without `=` stays part of the value (`--values tags=a,b` is `{ tags: 'a,b' }`).
 * Values are text: the partition's rules turn them into its key text, so
 * `amount=5` matches a number field and `createdAt=2024-01-01` a date field.
 */
import { UsageError } from './exit-codes.js';

export interface PartitionFlags {
  partition?: string;
  /** Every `--values` given, in order. */
  values?: string[];
}

export interface PartitionLookupOptions {
  partition: string;
  partitionValues: Record<string, string>;
}

/** commander collector for a repeatable `--values`. */
export function collectValues(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The lookup the flags describe, undefined without `--partition`; a UsageError for `--values` alone or a malformed pair. */
export function partitionLookup(flags: PartitionFlags): PartitionLookupOptions | undefined {
  if (flags.partition === undefined) {
    if (flags.values !== undefined) throw new UsageError('--values needs --partition <name>: the values are those of one partition\'s fields');
    return undefined;
  }
  const partitionValues: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const text of flags.values ?? []) {
    let last: string | undefined;
    for (const piece of text.split(',')) {
      const at = piece.indexOf('=');
      if (at === -1 && last !== undefined) {
        partitionValues[last] = `${partitionValues[last] ?? ''},${piece}`;
        continue;
      }
      const key = piece.slice(0, at).trim();
      if (at <= 0 || key === '') throw new UsageError(`--values ${JSON.stringify(text)}: expected field=value pairs separated by commas, e.g. --values status=pending,region=eu`);
      if (Object.hasOwn(partitionValues, key)) throw new UsageError(`--values: ${key} is given twice`);
      partitionValues[key] = piece.slice(at + 1);
      last = key;
    }
  }
  return { partition: flags.partition, partitionValues };
}
