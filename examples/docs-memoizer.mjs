// Seed: "Application-Level Memoization": one load for many calls, concurrent calls share it.
import { S3db, Memoizer } from 's3lite';

const db = new S3db({ connectionString: 'memory://example-bucket/memoizer' });
await db.connect();
const configs = await db.createResource({ name: 'configs', attributes: { theme: 'string' } });
await configs.insert({ id: 'global-settings', theme: 'dark' });

let loads = 0;
const getConfig = Memoizer(async () => {
  loads++;
  return await configs.get('global-settings');
}, { ttl: 300000 }); // 5 mins

const settings = await Promise.all(Array.from({ length: 100 }, () => getConfig()));
console.log('settings:', settings[0]);
console.log(`100 calls, ${loads} load; stats:`, getConfig.stats());
await db.disconnect();
