/**
 * Serialises operations on one path within the process: file-lock.ts queues
 * the holders of one lock file here, so they wake at once when it is released
 * and only the head of the queue asks the OS (which excludes other processes).
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
