// Seed: "Query Caching": cached reads, invalidated by writes, with hit/miss stats.
import { join } from 'node:path';
import { initQueue } from 's3lite';
import { tempDir } from './_temp-dir.mjs';

const eventQueue = initQueue({ dbName: join(tempDir('caching'), 'events.sqlite'), cache: { enabled: true, maxSize: 1000, ttl: 300000 } });
eventQueue.store({ cmd: 'cartCreated', data: { cart: 1 }, correlationId: 'cart-1' });
const id = eventQueue.getTransaction('cart-1')[0].id;
const event = eventQueue.retrieveByIDCached(id);
eventQueue.retrieveByIDCached(id);
console.log('event:', event.cmd, event.data);
console.log('transaction before:', eventQueue.getTransactionCached('cart-1').length, 'event(s)');
eventQueue.store({ cmd: 'itemAdded', data: { sku: 'a' }, correlationId: 'cart-1' });
console.log('transaction after a write:', eventQueue.getTransactionCached('cart-1').length, 'event(s) (the cache was invalidated)');
console.log('stats:', eventQueue.getCacheStats());
eventQueue.clearCache();
eventQueue.close();
