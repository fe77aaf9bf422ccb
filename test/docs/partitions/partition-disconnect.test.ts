import { afterEach, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../helpers.js';

describe('disconnect and async partition references', () => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('disconnect() writes the queued references before the pool closes, so no reference is lost on a clean shutdown', async () => {
    t = await openTestDb('file');
    const definition = { name: 'orders', attributes: { status: 'string' }, partitions: { byStatus: { fields: { status: 'string' } } }, asyncPartitions: true, partitionQueue: { concurrency: 1 } };
    const orders = await t.db.createResource(definition);
    await Promise.all(Array.from({ length: 200 }, (_, i) => orders.insert({ id: `o${i}`, status: 'pending' })));
    await t.db.disconnect();
    const again = await t.reopen();
    const reopened = await again.createResource(definition);
    const pending = await reopened.listIds({ partition: 'byStatus', partitionValues: { status: 'pending' } });
    expect(pending).toHaveLength(200);
    expect((await reopened.verifyPartitions()).missing).toEqual([]);
    await again.disconnect();
  });
});
