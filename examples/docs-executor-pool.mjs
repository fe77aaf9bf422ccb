// Seed: "Executor Pool": concurrency, retries, timeouts, autotune and per-call priorities.
import { S3db } from 's3lite';

const db = new S3db({
  connectionString: 'memory://example-bucket/executor-pool',
  executorPool: {
    concurrency: 100, // 🚀 primary tuning knob
    retries: 3,
    retryDelay: 1000, // exponential backoff (1s, 2s, 4s...) with jitter
    timeout: 30000,
    autotune: { enabled: true, targetLatency: 100, minConcurrency: 50, maxConcurrency: 500 },
  },
});
await db.connect();
const users = await db.createResource({ name: 'users', attributes: { name: 'string', plan: 'string' } });
const analytics = await db.createResource({ name: 'analytics', attributes: { event: 'string' } });
await users.insert({ id: 'user-123', name: 'Ann', plan: 'pro' });

// 🔴 High priority (user request) and 🟢 low priority (background analytics) share one pool.
const [user] = await Promise.all([
  users.get('user-123', { priority: 100 }),
  ...Array.from({ length: 500 }, (_, i) => analytics.insert({ event: `page-view-${i}` }, { priority: 0 })),
]);
console.log('user:', user);
console.log('analytics events stored:', await analytics.count());
const stats = db.executorPool.stats();
console.log('pool:', { concurrency: stats.concurrency, completed: stats.completed, retried: stats.retried, latency: stats.latency });
await db.disconnect();
