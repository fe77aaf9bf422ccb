/**
 * Concurrent deletes of the keys of one directory on file://: the delete
 * that empties a directory removes it, and a sibling delete's directory
 * sync then found nothing to open (ENOENT failed a delete that had
 * happened). Seen as a failed `deleteAll` of a partitioned resource.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/storage/index.js';

describe('file store: concurrent deletes in one directory', () => {
  it('every delete succeeds while siblings empty and remove the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3lite-fdel-'));
    const store = createClient(`file://${dir}`);
    try {
      for (let round = 0; round < 300; round++) {
        const keys = Array.from({ length: 3 }, (_, i) => `r${round}/shared/dir/k${i}`);
        await Promise.all(keys.map((key) => store.putObject({ key, body: 'x' })));
        const results = await Promise.allSettled(keys.map((key) => store.deleteObject({ key })));
        expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
        const left: string[] = [];
        for await (const o of store.listAll({ prefix: `r${round}/` })) left.push(o.key);
        expect(left).toEqual([]);
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
