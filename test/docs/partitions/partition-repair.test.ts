import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource, ResourceCall } from '../../../src/docs/index.js';
import { openTestDb, type TestDb } from '../helpers.js';
import { referenceKeys } from './fixtures.js';

const ref = (p: string, value: string, id: string) => `resource=items/partition=${p}/${value}/id=${id}`;

describe('verifyPartitions and rebuildPartitions', () => {
  let t: TestDb;
  let items: Resource;
  let healthy: string[];

  beforeAll(async () => {
    t = await openTestDb('memory');
    items = await t.db.createResource({
      name: 'items',
      attributes: { color: 'string', size: 'number' },
      partitions: { byColor: { fields: { color: 'string' } }, bySize: { fields: { size: 'number' } } },
      asyncPartitions: false,
    });
    await items.insertMany(Array.from({ length: 1200 }, (_, i) => ({ id: `i${String(i).padStart(4, '0')}`, color: ['red', 'green', 'blue'][i % 3], size: i % 5 })));
    healthy = await referenceKeys(t.store, 'items');
  });
  afterAll(() => t.cleanup());

  it('verify on healthy references finds nothing and changes nothing', async () => {
    const result = await items.verifyPartitions();
    expect(result).toEqual({ checked: 1200, references: 2400, missing: [], stale: [] });
    expect(await referenceKeys(t.store, 'items')).toEqual(healthy);
  });

  it('after manual damage, verify lists every missing and stale reference; rebuild repairs them all, with progress events', async () => {
    await t.store.inner.deleteObject({ key: ref('byColor', 'color=red', 'i0000') });
    await t.store.inner.deleteObject({ key: ref('bySize', 'size=2', 'i0007') });
    await t.store.inner.putObject({ key: ref('byColor', 'color=red', 'i0001'), body: '' }); // i0001 is green
    await t.store.inner.putObject({ key: ref('bySize', 'size=9', 'gone'), body: '' }); // no such document
    const result = await items.verifyPartitions();
    expect(result.checked).toBe(1200);
    expect(result.missing).toEqual([
      { partition: 'byColor', id: 'i0000', key: ref('byColor', 'color=red', 'i0000') },
      { partition: 'bySize', id: 'i0007', key: ref('bySize', 'size=2', 'i0007') },
    ]);
    expect(result.stale.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { partition: 'bySize', id: 'gone', key: ref('bySize', 'size=9', 'gone') },
      { partition: 'byColor', id: 'i0001', key: ref('byColor', 'color=red', 'i0001') },
    ]);

    const progress: { phase: string }[] = [];
    items.on('partitionRebuildProgress', (p) => progress.push(p));
    const rebuilt = await items.rebuildPartitions();
    // References are walked after the missing ones were restored: 2400 healthy + 2 stale.
    expect(rebuilt).toEqual({ requeued: 0, checked: 1200, references: 2402, restored: 2, removed: 2, failed: 0 });
    expect(progress.map((p) => p.phase)).toContain('documents');
    expect(progress.map((p) => p.phase)).toContain('references');
    expect(progress.at(-1)).toMatchObject({ phase: 'done', restored: 2, removed: 2 });
    expect(await referenceKeys(t.store, 'items')).toEqual(healthy);
    expect(await items.verifyPartitions()).toMatchObject({ missing: [], stale: [] });
  });

  it('one partition at a time', async () => {
    await t.store.inner.deleteObject({ key: ref('byColor', 'color=red', 'i0003') });
    await t.store.inner.deleteObject({ key: ref('bySize', 'size=3', 'i0003') });
    const result = await items.verifyPartitions({ partition: 'bySize' });
    expect(result.missing.map((m) => m.key)).toEqual([ref('bySize', 'size=3', 'i0003')]);
    expect(result.references).toBe(1199);
    await items.rebuildPartitions({ partition: 'byColor' });
    // The repair of i0003 re-reads the document and restores every reference it wants.
    expect(await referenceKeys(t.store, 'items')).toEqual(healthy);
  });

  it('repairs pass through middleware (rebuildPartitions, and syncPartitionRefs for queued work), so a cache can invalidate after them', async () => {
    const seen: string[] = [];
    items.use(async (call: ResourceCall, next) => {
      seen.push(call.method);
      return next();
    });
    await t.store.inner.putObject({ key: ref('byColor', 'color=blue', 'i0000'), body: '' });
    await items.rebuildPartitions();
    expect(seen).toContain('rebuildPartitions');
    expect(seen).toContain('syncPartitionRefs');
    // Read-time repair too.
    seen.length = 0;
    await t.store.inner.putObject({ key: ref('byColor', 'color=blue', 'i0000'), body: '' });
    expect(await items.listIds({ partition: 'byColor', partitionValues: { color: 'blue' } })).not.toContain('i0000');
    await items.flushPartitions();
    expect(seen).toEqual(['listIds', 'syncPartitionRefs']);
    expect(await referenceKeys(t.store, 'items')).toEqual(healthy);
  });
});
