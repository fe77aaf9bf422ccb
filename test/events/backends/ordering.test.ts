/**
 * Readers never skip: position reads return every committed event exactly
 * once, in id order, while writers commit out of id order (the classic
 * skipped-event bug of PostgreSQL event stores: ids come from a sequence before
 * commit, so "events after N" misses an event whose transaction commits late).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openQueue, type EventRow, type EventStore } from '../../../src/events/index.js';
import { BACKENDS, freshQueue, PG_ADMIN_URL } from './backends.js';

/** Every event after `last` that a position reader sees now. */
async function readAfter(queue: EventStore, last: number): Promise<EventRow[]> {
  const out: EventRow[] = [];
  for await (const batch of queue.streamEvents({ startId: last + 1, batchSize: 50 })) out.push(...batch);
  return out;
}

const postgres = BACKENDS.find((b) => b.name === 'postgres')!;
const pgAvailable = await postgres.available();

describe.skipIf(!pgAvailable)('position reads on postgres', () => {
  it('hold back an event committed by a later transaction until the earlier one commits', async () => {
    const { queue: reader, connectionString, done } = await freshQueue(postgres);
    const slow = await openQueue({ connectionString });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    try {
      const model = await slow.modelSetup({
        methods: () => ({
          async held() {
            entered();
            await gate;
          },
        }),
      });
      // Id 1 is reserved and inserted, but its transaction waits inside the model.
      const first = slow.store({ cmd: 'held' }, model);
      await inside;
      // Id 2 commits first.
      await reader.store({ cmd: 'quick' });
      expect((await reader.retrieveByID(2))?.cmd).toBe('quick');
      // A reader following positions must not move past 1 yet: it would never come back for it.
      expect(await readAfter(reader, 0)).toEqual([]);
      release();
      await first;
      expect((await readAfter(reader, 0)).map((e) => [e.id, e.cmd])).toEqual([
        [1, 'held'],
        [2, 'quick'],
      ]);
      const exported: string[] = [];
      const { Writable } = await import('node:stream');
      await reader.exportToJSONL(
        new Writable({
          write(chunk, _enc, cb) {
            exported.push(String(chunk));
            cb();
          },
        }),
      );
      expect(exported.join('').trim().split('\n')).toHaveLength(2);
    } finally {
      release();
      await slow.close();
      await done();
    }
  });
});

describe.skipIf(!pgAvailable)('the high-water mark on postgres', () => {
  it('is not held back by a long transaction in another database of the server', async () => {
    const { queue, done } = await freshQueue(postgres);
    const elsewhere = new pg.Client({ connectionString: PG_ADMIN_URL });
    await elsewhere.connect();
    try {
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT pg_current_xact_id()');
      await queue.store({ cmd: 'visible' });
      expect((await readAfter(queue, 0)).map((e) => e.cmd)).toEqual(['visible']);
    } finally {
      await elsewhere.query('ROLLBACK');
      await elsewhere.end();
      await done();
    }
  });
});

for (const backend of BACKENDS) {
  const available = backend.name === 'postgres' ? pgAvailable : await backend.available();

  describe.skipIf(!available)(`a following reader on ${backend.name}`, () => {
    it('sees every event exactly once, in order, while 8 writers commit out of order (many rounds)', { timeout: 240_000 }, async () => {
      const rounds = 6;
      const perWriter = 25;
      const { queue: reader, connectionString, done } = await freshQueue(backend);
      const writers = await Promise.all(Array.from({ length: 8 }, () => openQueue({ connectionString, poolSize: 3 })));
      try {
        const models = await Promise.all(
          writers.map((w) =>
            w.modelSetup({
              methods: () => ({
                // Random delay between the insert and the commit.
                async tick() {
                  await sleep(Math.floor(Math.random() * 15));
                },
              }),
            }),
          ),
        );
        let last = 0;
        const seen: number[] = [];
        let expected = 0;
        for (let round = 0; round < rounds; round++) {
          let writing = true;
          const writes = Promise.all(
            writers.map(async (w, k) => {
              const mine: Array<Promise<unknown>> = [];
              for (let i = 0; i < perWriter; i++) {
                mine.push(w.store({ cmd: 'tick', data: { round, writer: k, i } }, models[k]));
                if (i % 5 === 0) await sleep(Math.floor(Math.random() * 5));
              }
              await Promise.all(mine);
            }),
          ).finally(() => {
            writing = false;
          });
          expected += writers.length * perWriter;
          // Follow while the writers run, then until the reader has caught up (or gives up: it skipped).
          let idle = 0;
          while (writing || seen.length < expected) {
            const batch = await readAfter(reader, last);
            if (!writing && batch.length === 0 && ++idle > 500) break;
            for (const row of batch) {
              expect(row.id).toBeGreaterThan(last);
              last = row.id;
              seen.push(row.id);
            }
            if (batch.length === 0) await sleep(2);
          }
          await writes;
        }
        // Exactly once: as many as stored, no duplicate, and every stored id.
        expect(seen).toHaveLength(expected);
        expect(new Set(seen).size).toBe(expected);
        const stored: number[] = [];
        for await (const batch of reader.streamEvents({ batchSize: 500 })) stored.push(...batch.map((e) => e.id));
        expect(seen).toEqual(stored);
      } finally {
        await Promise.all(writers.map((w) => w.close()));
        await done();
      }
    });
  });
}
