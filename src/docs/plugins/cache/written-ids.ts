/**
 * Which documents a write call touched, from its arguments and (when it
 * resolved) its result. Undefined means "cannot tell": the plugin then
 * invalidates the whole resource, which is always correct.
 */
export function writtenIds(method: string, args: readonly unknown[], result: unknown): string[] | undefined {
  switch (method) {
    case 'insert':
    case 'upsert':
      // A new document with a generated id has no entries yet (a missing document's get is never cached).
      return idsOf([idOf(args[0]), idOf(result)]);
    case 'update':
    case 'patch':
    case 'replace':
    case 'delete':
      return typeof args[0] === 'string' ? [args[0]] : undefined;
    case 'insertMany': {
      if (!Array.isArray(args[0])) return undefined;
      const ids: unknown[] = args[0].map(idOf);
      if (Array.isArray(result)) for (const item of result) ids.push((item as { id?: unknown } | null)?.id);
      return idsOf(ids);
    }
    case 'syncPartitionRefs':
      // Reference work changes what partition reads return, never a document: lists only.
      return [];
    case 'deleteMany':
      return Array.isArray(args[0]) && args[0].every((id) => typeof id === 'string') ? [...(args[0] as string[])] : undefined;
    default:
      return undefined;
  }
}

function idOf(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
}

function idsOf(values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string');
}
