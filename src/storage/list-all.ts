/** listAll on top of listObjects: every key under a prefix, one LIST page at a time. */
import type { ListAllInput, ListedObject, ObjectStore } from './object-store.js';

export async function* listAllPages(store: ObjectStore, input: ListAllInput): AsyncGenerator<ListedObject> {
  let continuationToken: string | undefined;
  let startAfter = input.startAfter;
  do {
    const page = await store.listObjects({
      prefix: input.prefix,
      maxKeys: input.pageSize,
      continuationToken,
      startAfter: continuationToken === undefined ? startAfter : undefined,
      signal: input.signal,
    });
    yield* page.objects;
    continuationToken = page.nextContinuationToken;
    startAfter = undefined;
  } while (continuationToken !== undefined);
}
