/**
 * Serialises operations on one path within the process, so a file://
 * conditional write's check and rename happen with no other write between.
 * Shared by every FileStore (two stores on one directory share the locks).
 */
const tails = new Map<string, Promise<void>>();

export async function withKeyLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  tails.set(path, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(path) === tail) tails.delete(path);
  }
}
