// Seed: "CachePlugin": caches every read of every resource; every write invalidates what it affects.
import { S3db, CachePlugin } from 's3lite';

const db = new S3db({ connectionString: 'memory://example-bucket/cache-plugin' });
await db.connect();
const cache = await db.usePlugin(new CachePlugin({ driver: 'memory', ttl: 60000, max: 1000 }));
const configs = await db.createResource({ name: 'configs', attributes: { value: 'string' } });
await configs.insert({ id: 'global-settings', value: 'v1' });
for (let i = 0; i < 5; i++) await configs.get('global-settings');
await configs.update('global-settings', { value: 'v2' });
console.log('after update:', await configs.get('global-settings'));
const { hits, misses } = cache.stats();
console.log(`5 gets, then a get after the update: ${hits} hits, ${misses} misses`);
await db.disconnect();
