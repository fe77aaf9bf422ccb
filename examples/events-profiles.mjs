// Seed: "Configurable Performance Profiles" and "Database Indexing".
import { join } from 'node:path';
import { initQueue } from 's3lite';
import { tempDir } from './_temp-dir.mjs';

const dir = tempDir('profiles');
for (const profile of ['high-volume', 'balanced', 'query-optimized']) {
  const queue = initQueue({ dbName: join(dir, `${profile}.sqlite`), profile });
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 300) queue.store({ cmd: 'orderPlaced', data: { n: n++ } });
  const s = queue.settings();
  console.log(`${profile}: ${Math.round((n * 1000) / (performance.now() - start))} events/s, journal ${s.journalMode}, indexes ${s.presentIndexes.join(', ')}, cache ${s.cache.enabled ? 'on' : 'off'}`);
  queue.close();
}
// Options merge over the defaults: adding cmd keeps the two core indexes.
const custom = initQueue({ dbName: join(dir, 'custom.sqlite'), indexes: { cmd: true } });
console.log('indexes: { cmd: true } ->', custom.settings().presentIndexes.join(', '));
custom.close();
