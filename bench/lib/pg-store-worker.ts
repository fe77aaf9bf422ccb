/**
 * One process of the "4 processes x N callers" PostgreSQL bench: N callers
 * store for the given milliseconds; prints events per second.
 * Usage: node --import tsx pg-store-worker.ts <url> <callers> <ms>
 */
import { openQueue } from '../../src/events/index.js';

const [url, callersArg, msArg] = process.argv.slice(2) as [string, string, string];
const queue = await openQueue({ connectionString: url, poolSize: 10 });
let n = 0;
const start = performance.now();
const deadline = start + Number(msArg);
await Promise.all(
  Array.from({ length: Number(callersArg) }, async () => {
    while (performance.now() < deadline) {
      await queue.store({ cmd: 'orderPlaced', data: { orderId: n, customer: `c${n % 1000}`, amount: 1.25, items: ['a', 'b'] }, user: 'u', ip: '127.0.0.1' });
      n++;
    }
  }),
);
const rate = (n * 1000) / (performance.now() - start);
await queue.close();
process.stdout.write(`${rate}\n`);
