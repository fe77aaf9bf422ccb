// Seed: "Partitions: O(1) Queries": a partition lookup reads one partition's documents, a scan reads them all.
import { S3db } from 's3lite';

const db = new S3db({ connectionString: 'memory://example-bucket/partitions' });
await db.connect();

const orders = await db.createResource({
  name: 'orders',
  attributes: { customer: 'string', status: 'string', total: 'number' },
  timestamps: true,

  partitions: {
    // References under resource=orders/partition=byStatus/status=pending/id=…
    byStatus: { fields: { status: 'string' } },

    // References under resource=orders/partition=byDate/createdAt=2024-01-01/id=…
    byDate: { fields: { createdAt: 'date' } },
  },

  // Partition references are written in the background (queued, retried, never dropped).
  asyncPartitions: true,
});

// 1,000 orders over ten days; one in ten is pending.
const statuses = ['pending', 'paid', 'paid', 'shipped', 'shipped', 'shipped', 'closed', 'closed', 'closed', 'closed'];
await orders.insertMany(
  Array.from({ length: 1000 }, (_, i) => ({
    id: `order-${String(i).padStart(4, '0')}`,
    customer: `customer-${i % 37}`,
    status: statuses[i % statuses.length],
    total: (i % 50) * 1.5,
    createdAt: new Date(Date.UTC(2024, 0, 1 + (i % 10), 12)).toISOString(),
  })),
);
await orders.flushPartitions(); // only so the request counts below leave out the background writes

const requests = async (fn) => {
  const before = db.executorPool.stats().completed;
  const value = await fn();
  return { value, requests: db.executorPool.stats().completed - before };
};
const ids = (docs) => docs.map((d) => d.id).sort();

// The seed's "slow scan": in s3lite, query() uses a complete partition that covers the filter on its own.
const queried = await requests(() => orders.query({ status: 'pending' }));

// The seed's "fast lookup": one LIST of the partition, one read per reference.
const listed = await requests(() =>
  orders.list({
    partition: 'byStatus',
    partitionValues: { status: 'pending' },
  }),
);

// A scan for comparison: the same documents in a resource without partitions.
const flat = await db.createResource({ name: 'orders_flat', attributes: { customer: 'string', status: 'string', total: 'number' }, timestamps: true });
await flat.insertMany(await orders.list());
const scanned = await requests(() => flat.query({ status: 'pending' }));

console.log(`query({ status: 'pending' }): ${queried.value.length} orders, ${queried.requests} requests (uses byStatus by itself)`);
console.log(`list({ partition: 'byStatus', partitionValues: { status: 'pending' } }): ${listed.value.length} orders, ${listed.requests} requests`);
console.log(`scan without partitions: ${scanned.value.length} orders, ${scanned.requests} requests`);
const same = JSON.stringify(ids(queried.value)) === JSON.stringify(ids(listed.value)) && JSON.stringify(ids(scanned.value)) === JSON.stringify(ids(listed.value));
console.log(`same documents: ${same}`);

const newYear = await orders.list({ partition: 'byDate', partitionValues: { createdAt: '2024-01-01' } });
console.log(`byDate 2024-01-01: ${newYear.length} orders`);
console.log('partition stats:', orders.partitionStats());
await db.disconnect();
