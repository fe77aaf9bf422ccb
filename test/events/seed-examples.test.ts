/** The seed guide's examples (eventlite-performance-summary.md), as written plus a temp dbName. */
import { describe, expect, it } from 'vitest';
import { initQueue } from '../../src/events/index.js';
import { usersModel, useTempDir } from './helpers.js';

const tmp = useTempDir();

describe('seed examples', () => {
  it('Database Indexing, Query Caching, Pagination and Bulk Operations run as written', () => {
    const dbName = tmp.file();
    const eventQueue = initQueue({
      dbName,
      indexes: {
        correlation_id: true, // Core functionality
        causation_id: true, // Core functionality
        cmd: false, // Query optimization
        user: false, // Query optimization
        datetime: false, // Query optimization
        version: false, // Query optimization
        correlation_cmd: false, // Composite queries
        user_datetime: false, // Composite queries
      },
    });
    const model = usersModel(dbName);
    const callbacks = { _default() {}, _error() {} };
    const events = ['a', 'b', 'c'].map((name) => ({ cmd: 'addUser', data: { name }, correlationId: 'signup' }));

    // High-performance bulk inserts
    const results = eventQueue.storeBulk(events, model, callbacks);
    expect(results).toHaveLength(3);

    // Cached versions of expensive operations
    const id = results[0]!.row.id;
    const correlationId = 'signup';
    const event = eventQueue.retrieveByIDCached(id);
    const transaction = eventQueue.getTransactionCached(correlationId);
    expect(event!.data).toEqual({ name: 'a' });
    expect(transaction).toHaveLength(3);

    // Cache management
    const stats = eventQueue.getCacheStats();
    expect(stats).toMatchObject({ enabled: true, misses: 2, hits: 0 });
    eventQueue.clearCache();

    const page = eventQueue.getByCorrelationIdPaginated(correlationId, {
      limit: 100,
      offset: 0,
    });
    // Returns: { events, totalCount, hasMore, nextOffset }
    expect(page).toMatchObject({ totalCount: 3, hasMore: false, nextOffset: null });
    expect(page.events).toHaveLength(3);
    eventQueue.close();
    model._close();
  });
});
