/**
 * Emmett's side of `npm run bench -- pg` and `-- work`, run as its own process from this
 * folder so Emmett's modules (commander 12, its own pg) never mix with s3lite's.
 * Usage (prints one number, events per second, except `migrate`):
 *   node worker.mjs migrate <url>
 *   node worker.mjs timed <url> <callers> <ms> <process tag>
 *   node worker.mjs bulk <url> <events>
 *   node worker.mjs consume <url> <preload> <producers> <ms> [rate]   (prints a JSON result)
 * Same event shape as the s3lite rows: type orderPlaced, the same JSON payload,
 * user and ip in the metadata; one stream per caller, no expected version.
 */
import { getPostgreSQLEventStore, postgreSQLEventStoreConsumer } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { measureConsumer } from '../../lib/consumer-load.mjs';

const POOL = 10;
/** Emmett's default pulling frequency. */
const PULL_MS = 50;
const [mode, url, ...rest] = process.argv.slice(2);

const pool = new pg.Pool({ connectionString: url, max: POOL });
pool.on('error', () => {});
const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });

function event(i, k) {
  return {
    type: 'orderPlaced',
    data: { orderId: i, customer: `c${i % 1000}`, amount: (i % 97) * 1.25, items: ['a', 'b'], ...(k === undefined ? {} : { k }) },
    metadata: { user: 'u', ip: '127.0.0.1' },
  };
}

try {
  // Schema set up before the clock starts, as s3lite's openQueue does; memoised, so appends do not repeat it.
  await store.schema.migrate();
  if (mode === 'migrate') {
    // done
  } else if (mode === 'timed') {
    const [callers, ms, tag] = rest;
    let n = 0;
    const start = performance.now();
    const deadline = start + Number(ms);
    await Promise.all(
      Array.from({ length: Number(callers) }, async (_, c) => {
        while (performance.now() < deadline) await store.appendToStream(`order-${tag}-${c}`, [event(n++)]);
      }),
    );
    process.stdout.write(`${(n * 1000) / (performance.now() - start)}\n`);
  } else if (mode === 'bulk') {
    const events = Array.from({ length: Number(rest[0]) }, (_, i) => event(i));
    const start = performance.now();
    await store.appendToStream('order-bulk', events);
    process.stdout.write(`${(events.length * 1000) / (performance.now() - start)}\n`);
  } else if (mode === 'consume') {
    const [preload, producers, ms, rate] = rest.map(Number);
    // The s3lite harness (bench/lib/consumer-load.mjs); Emmett's consumer polls (it has no LISTEN/NOTIFY wakeup).
    const result = await measureConsumer(
      {
        preload: async (n) => {
          for (let i = 0; i < n; i += 1000) await store.appendToStream('order-preload', Array.from({ length: Math.min(1000, n - i) }, (_, j) => event(i + j, -1)));
        },
        start: async (onEvent) => {
          const consumer = postgreSQLEventStoreConsumer({ connectionString: url, pulling: { batchSize: 100, pullingFrequencyInMs: PULL_MS } });
          consumer.reactor({ processorId: 'bench', startFrom: 'BEGINNING', eachMessage: async (message) => onEvent(message.data.k) });
          const running = consumer.start();
          return async () => {
            await consumer.close();
            await running;
          };
        },
        produce: (k, p) => store.appendToStream(`order-${p}`, [event(k, k)]),
      },
      { preload, producers, ms, rate: rate || undefined },
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    throw new Error(`unknown mode ${mode}: expected migrate, timed, bulk or consume`);
  }
} finally {
  await store.close();
  await pool.end();
}
