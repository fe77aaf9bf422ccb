/**
 * Scratch SQLite files of an atomic JSONL import: `<db>.s3lite_import_<pid>_<hex>`
 * next to the event store (`<tmp>/s3lite_import_<pid>_<hex>.sqlite` for an
 * in-memory one). The import holds an exclusive SQLite lock on its scratch file
 * for as long as it runs; a process killed mid-import leaves the file behind
 * unlocked, since the OS drops a dead process's locks. So "is its owner gone?"
 * is answered by trying the lock, which also holds across pid reuse (containers)
 * and for files written by other hosts on a shared disk that supports locks.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const PREFIX = 's3lite_import_';

/** A fresh schema name for an import's scratch database (also the file name's suffix). */
export function scratchSchema(): string {
  return `${PREFIX}${process.pid}_${randomBytes(6).toString('hex')}`;
}

function isOnDisk(file: string): boolean {
  return file !== '' && file !== ':memory:' && !file.startsWith('file:');
}

/** Next to the event store (same disk), or in the OS temp directory for in-memory stores. */
export function scratchPath(dbFile: string, schema: string): string {
  return isOnDisk(dbFile) ? `${dbFile}.${schema}` : join(tmpdir(), `${schema}.sqlite`);
}

/** True when some live connection (any process) holds a lock on `file`. */
function isLocked(file: string): boolean {
  let probe: Database.Database | undefined;
  try {
    probe = new Database(file, { fileMustExist: true, timeout: 0 });
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('ROLLBACK');
    return false;
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? '');
    // Anything but "busy" (not a database yet, half written, gone) means no one holds it.
    return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
  } finally {
    probe?.close();
  }
}

/**
 * Removes the scratch files of imports into `dbFile` whose process is gone (and,
 * for in-memory stores, those in the temp directory). Returns the removed paths.
 * Cheap when there are none: one directory listing.
 */
export function removeStaleScratch(dbFile: string): string[] {
  const [dir, stem] = isOnDisk(dbFile) ? [dirname(dbFile), `${basename(dbFile)}.${PREFIX}`] : [tmpdir(), PREFIX];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(stem) || name.endsWith('-journal')) continue;
    if (!isOnDisk(dbFile) && !name.endsWith('.sqlite')) continue;
    const file = join(dir, name);
    if (isLocked(file)) continue;
    rmSync(file, { force: true });
    rmSync(`${file}-journal`, { force: true });
    removed.push(file);
  }
  return removed;
}
