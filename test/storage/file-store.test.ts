import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareKeys, FileStore } from '../../src/storage/index.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 's3lite-file-store-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function allPaths(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

async function listKeys(store: FileStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.listAll()) keys.push(object.key);
  return keys;
}

describe('FileStore', () => {
  it('persists across store instances on the same directory', async () => {
    await new FileStore({ root }).putObject({ key: 'a/b', body: 'v', metadata: { m: '1' } });
    const reopened = await new FileStore({ root }).getObject({ key: 'a/b' });
    expect(reopened.body.toString()).toBe('v');
    expect(reopened.metadata).toEqual({ m: '1' });
  });

  it('maps awkward keys to distinct, safe paths (dots, empty segments, case, escapes, very long segments)', async () => {
    const store = new FileStore({ root });
    const keys = ['.', '..', './x', '../x', 'a//b', 'b/', 'A', 'a', '^a', '%41', 'x!o', 'x!d', '~hash', 'é'.repeat(200), `long/${'Ж'.repeat(150)}/leaf`, `${'z'.repeat(300)}/v`];
    for (const key of keys) await store.putObject({ key, body: key });
    for (const key of keys) expect((await store.getObject({ key })).body.toString()).toBe(key);
    expect(await listKeys(store)).toEqual([...keys].sort(compareKeys));
    // Safe on case-insensitive filesystems: no two names differ only in case.
    const names = allPaths(root);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    expect(names.every((name) => !name.split('/').some((part) => part === '.' || part === '..'))).toBe(true);
    for (const key of keys) await store.deleteObject({ key });
    expect(await listKeys(store)).toEqual([]);
  });

  it('leaves no temp file behind and ignores the leftovers of a crash', async () => {
    const store = new FileStore({ root });
    await store.putObject({ key: 'k', body: 'v' });
    expect(readdirSync(join(root, '.tmp'))).toEqual([]);
    // A crash between write and rename leaves a temp file; a foreign file may sit anywhere.
    writeFileSync(join(root, '.tmp', 'dead.tmp'), 'partial');
    writeFileSync(join(root, 'README'), 'not an object');
    expect(await listKeys(store)).toEqual(['k']);
    expect((await store.listObjects({ delimiter: '/' })).commonPrefixes).toEqual([]);
  });

  it('removes directories emptied by deletes, so delimiters show no stale prefixes', async () => {
    const store = new FileStore({ root });
    await store.putObject({ key: 'a/b/c', body: 'v' });
    await store.putObject({ key: 'keep', body: 'v' });
    await store.deleteObject({ key: 'a/b/c' });
    expect(readdirSync(root).sort()).toEqual(['.locks', '.tmp', 'keep!o']);
    await store.putObject({ key: 'x/1', body: 'v' });
    await store.deleteObjects({ keys: ['x/1'] });
    expect((await store.listObjects({ delimiter: '/' })).commonPrefixes).toEqual([]);
  });

  it('serialises conditional writes on one key within the process', async () => {
    const store = new FileStore({ root });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.putObject({ key: 'once', body: String(i), ifNoneMatch: '*' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const { etag } = await store.headObject({ key: 'once' });
    const updates = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.putObject({ key: 'once', body: `u${i}`, ifMatch: etag })));
    expect(updates.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('clear() removes objects but not foreign files', async () => {
    const store = new FileStore({ root });
    await store.putObject({ key: 'a/b', body: 'v' });
    mkdirSync(join(root, 'foreign'));
    await store.clear();
    expect(await listKeys(store)).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(['.locks', '.tmp', 'foreign']);
  });
});
