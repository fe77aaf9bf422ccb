// Compile-time checks of the events API types (`tsc --noEmit -p .` fails when they regress):
// nothing is `any` unless the caller says so.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { initQueue, type EventRow } from '../../src/events/index.js';
import { useTempDir } from './helpers.js';

const tmp = useTempDir();

describe('event types', () => {
  it('types store results and row data as unknown unless the caller names them', () => {
    const queue = initQueue({ dbName: tmp.file() });
    try {
      const model = { createUser: (data: { name: string }) => ({ created: data.name }) };
      const plain = queue.store({ cmd: 'createUser', data: { name: 'Ann' } }, model);
      expectTypeOf(plain).toEqualTypeOf<unknown>();
      const typed = queue.store<{ created: string }>({ cmd: 'createUser', data: { name: 'Bo' } }, model);
      expectTypeOf(typed).toEqualTypeOf<{ created: string }>();
      expect(typed.created).toBe('Bo');

      const row = queue.retrieveByID(1)!;
      expectTypeOf(row.data).toEqualTypeOf<unknown>();
      expectTypeOf(row.metadata).toEqualTypeOf<Record<string, unknown>>();
      // @ts-expect-error row.data is unknown until the caller names its type
      void row.data.name;
      const named = queue.retrieveByID<{ name: string }>(1)!;
      expectTypeOf(named).toEqualTypeOf<EventRow<{ name: string }>>();
      expect(named.data.name).toBe('Ann');
      expectTypeOf(queue.getTransaction<{ name: string }>('x')).toEqualTypeOf<EventRow<{ name: string }>[]>();
    } finally {
      queue.close();
    }
  });
});
