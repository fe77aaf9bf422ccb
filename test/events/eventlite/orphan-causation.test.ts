/** A causationId naming no stored event is stored as given, with a fresh correlation id (eventlite). */
import { describe, expect, it } from 'vitest';
import { initQueue } from '../../../src/events/index.js';
import { useTempDir } from '../helpers.js';

const { file } = useTempDir();

describe('orphan causation', () => {
  it('store keeps the causation id and starts a new correlation', () => {
    const queue = initQueue({ dbName: file() });
    queue.store({ cmd: 'root' });
    queue.store({ cmd: 'child', causationId: 42 });
    queue.store({ cmd: 'other', causationId: 42 });
    const child = queue.retrieveByID(2)!;
    const other = queue.retrieveByID(3)!;
    expect(child.causation_id).toBe(42);
    expect(child.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(child.correlation_id).not.toBe(queue.retrieveByID(1)!.correlation_id);
    expect(other.correlation_id).not.toBe(child.correlation_id);
    expect(queue.getChildEvents(42).map((e) => e.id)).toEqual([2, 3]);
    // The lineage of an orphan has no parent.
    expect(queue.getEventLineage(2)).toMatchObject({ parent: null });
    queue.close();
  });

  it('an explicit correlationId with an orphan causation is kept; storeBulk and storeAsync follow the same rule', async () => {
    const queue = initQueue({ dbName: file() });
    queue.store({ cmd: 'a', causationId: 7, correlationId: 'flow-1' });
    expect(queue.retrieveByID(1)).toMatchObject({ causation_id: 7, correlation_id: 'flow-1' });
    queue.storeBulk([{ cmd: 'b', causationId: 8 }]);
    expect(queue.retrieveByID(2)!.causation_id).toBe(8);
    await queue.storeAsync({ cmd: 'c', causationId: 9 });
    expect(queue.retrieveByID(3)!.causation_id).toBe(9);
    queue.close();
  });
});
