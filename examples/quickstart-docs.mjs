// README quick start: the docs engine on memory:// (swap the connection string for s3:// or http(s)://).
import { S3db } from 's3lite';

const db = new S3db({
  connectionString: 'memory://my-bucket/my-app',
  executorPool: { concurrency: 50 },
  passphrase: 'use-a-long-random-passphrase',
});
await db.connect();

const users = await db.createResource({
  name: 'users',
  attributes: {
    name: 'string|min:2|max:100',
    email: 'email',
    role: 'string',
    address: { city: 'string', zip: 'string|optional' },
    apiKey: 'secret', // encrypted with AES-256-GCM before it reaches storage
  },
  timestamps: true,
});

const ann = await users.insert({ name: 'Ann', email: 'ann@example.com', role: 'admin', address: { city: 'Lisbon' }, apiKey: 'k-123' });
await users.update(ann.id, { address: { zip: '1000-001' } }); // deep merge, conditional on the ETag read
console.log('get:', await users.get(ann.id, { priority: 100 }));
console.log('admins:', (await users.query({ role: 'admin' })).map((u) => u.name));
console.log('count:', await users.count());
await db.disconnect();
