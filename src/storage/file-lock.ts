/**
 * Cross-process exclusion for file:// conditional writes: an OS file lock
 * around the compare-and-rename, so two processes on one directory cannot
 * both pass the same If-Match and overwrite each other.
 *
 * Why an OS lock (fs-native-extensions: OFD `fcntl` locks on Linux, `flock`
 * on macOS, `LockFileEx` on Windows): the kernel releases it when its holder
 * dies, kill -9 included, so there is no stale-holder guessing (pid checks
 * race with pid reuse and with two breakers; mtime leases expire under a
 * paused holder). It works across containers that share the volume, where a
 * lock named in a network namespace (an abstract unix socket) would not.
 *
 * Keys map to a fixed set of lock files (`.locks/NNN.lock`), so the directory
 * never fills with one lock file per document; two keys of one stripe just
 * wait for each other. Within the process, holders of one stripe queue on a
 * promise chain (key-lock.ts) and wake at once; only the queue's head asks
 * the OS, on a descriptor of its own, and polls with a short backoff while
 * another process holds the stripe (a blocking wait would hold a libuv
 * thread, and a few of those could starve the holder's own file I/O).
 *
 * Limits: the directory must be on a filesystem whose locks all writers see
 * (local disks; NFS with working lockd; not SMB or sshfs mounts without lock
 * support), and every writer must be s3lite with this lock.
 */
import { createHash } from 'node:crypto';
import { close, open } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import fsx from 'fs-native-extensions';
import { withKeyLock } from './key-lock.js';
import { throwIfAborted } from './request-signal.js';

const LOCK_DIR = '.locks';
const STRIPES = 256;
const MAX_WAIT_MS = 20;
// Plain descriptors, not FileHandles: a FileHandle that becomes unreachable is closed by the GC, which would drop the lock.
const openFd = promisify(open);
const closeFd = promisify(close);

/** Runs `fn` while holding the lock of `path` (an object file under `root`) in this process and across processes. */
export function withFileLock<T>(root: string, path: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  // Relative to the root: processes reaching the directory by different paths (symlinks, mounts) agree.
  const stripe = createHash('sha1').update(relative(root, path)).digest().readUInt32BE(0) % STRIPES;
  const lockFile = join(root, LOCK_DIR, `${String(stripe).padStart(3, '0')}.lock`);
  return withKeyLock(lockFile, async () => {
    const fd = await acquire(root, lockFile, signal);
    try {
      return await fn();
    } finally {
      try {
        fsx.unlock(fd);
      } finally {
        await closeFd(fd);
      }
    }
  });
}

async function acquire(root: string, lockFile: string, signal: AbortSignal | undefined): Promise<number> {
  let fd: number;
  try {
    fd = await openFd(lockFile, 'a');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(join(root, LOCK_DIR), { recursive: true });
    fd = await openFd(lockFile, 'a');
  }
  try {
    for (let attempt = 0; !fsx.tryLock(fd); attempt++) {
      throwIfAborted(signal);
      const ms = Math.random() * Math.min(MAX_WAIT_MS, 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    return fd;
  } catch (err) {
    await closeFd(fd);
    throw err;
  }
}
