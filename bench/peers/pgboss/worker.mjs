/**
 * pg-boss's side of the jobs rows of `npm run bench -- work`, run as its own
 * process from this folder (pg-boss and its pg stay in this node_modules).
 *   node worker.mjs preload <url> <jobs>            creates the schema and queue `noop`, inserts the jobs, exits
 *   node worker.mjs work <url> <workers> <pool>     prints "ready", starts on the first stdin line, runs until killed
 * pg-boss 10 workers fetch a batch, run it, then wait out the rest of the
 * polling interval (at least 0.5 s) even when jobs remain, so each of the
 * <workers> `work()` loops fetches BATCH jobs per fetch: pg-boss's own way to
 * throughput. Jobs are empty; completions are not awaited by pg-boss.
 */
import PgBoss from 'pg-boss';

const BATCH = 100;
const [mode, url, count, poolSize] = process.argv.slice(2);

const boss = new PgBoss({ connectionString: url, max: Number(poolSize ?? 4), supervise: mode === 'preload', schedule: false });
boss.on('error', (err) => process.stderr.write(`pg-boss: ${err.message}\n`));
await boss.start();
if (mode === 'preload') {
  await boss.createQueue('noop');
  for (let i = 0; i < Number(count); i += 1000) {
    await boss.insert(Array.from({ length: Math.min(1000, Number(count) - i) }, (_, j) => ({ name: 'noop', data: { n: i + j } })));
  }
  await boss.stop({ graceful: false, wait: true });
} else if (mode === 'work') {
  process.stdout.write('ready\n');
  process.stdin.once('data', async () => {
    for (let w = 0; w < Number(count); w++) await boss.work('noop', { batchSize: BATCH, pollingIntervalSeconds: 0.5 }, async () => undefined);
  });
} else {
  throw new Error(`unknown mode ${mode}: expected preload or work`);
}
