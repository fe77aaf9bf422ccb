/**
 * `query(filter, options)`: documents whose fields equal the filter's values.
 *
 * Candidates come from a partition lookup when the caller names one, else
 * from the first {@link DocumentIndex} that can narrow the filter (the
 * partitions index picks the partition the filter covers best), else from a
 * scan of every id. Every candidate is read and re-checked against the
 * filter, so a stale index entry never changes the result.
 */
import type { Document } from './document-codec.js';
import { compileFilter, type QueryFilter } from './query-filter.js';
import { checkLimitOffset } from './resource-call-options.js';
import type { ResourceScanner } from './resource-scan.js';
import type { DocumentIndex, ListOptions } from './resource-types.js';

export interface QuerySources {
  indexes: readonly DocumentIndex[];
  /** A partition lookup named by the caller. */
  lookup: { ids: AsyncIterable<string>; contains: (doc: Record<string, unknown>) => boolean } | undefined;
  scanner: ResourceScanner;
  readAhead: number;
}

export async function runQuery(filter: QueryFilter, options: ListOptions, sources: QuerySources): Promise<Document[]> {
  const filterMatches = compileFilter(filter);
  const { limit = Number.POSITIVE_INFINITY, offset = 0 } = options;
  checkLimitOffset(options);
  let candidates: AsyncIterable<string> | undefined;
  let matches = filterMatches;
  const { lookup } = sources;
  if (lookup) {
    candidates = lookup.ids;
    matches = (doc) => lookup.contains(doc) && filterMatches(doc);
  } else {
    for (const index of sources.indexes) {
      candidates = index.candidates?.(filter, options);
      if (candidates) break;
    }
  }
  const out: Document[] = [];
  if (limit === 0) return out;
  let skipped = 0;
  for await (const doc of sources.scanner.documents({ ...options, readAhead: sources.readAhead }, candidates)) {
    if (!matches(doc)) continue;
    if (skipped < offset) {
      skipped++;
      continue;
    }
    out.push(doc);
    if (out.length >= limit) break;
  }
  return out;
}
