// Seed: "MemoryClient: Fast Testing": memory:// behaves like S3 (2 KB metadata limit, conditional writes), with no server.
import { S3db, MetadataLimitError } from 's3lite';

const db = new S3db({ connectionString: 'memory://test-bucket/integration-tests' });
await db.connect();
// enforce-limits rejects what S3 would reject, before any request.
const notes = await db.createResource({ name: 'notes', attributes: { text: 'string' }, behavior: 'enforce-limits' });
await notes.insert({ id: 'n1', text: 'fits in metadata' });
console.log('stored:', await notes.get('n1'));
try {
  await notes.insert({ id: 'n2', text: 'é'.repeat(1500) }); // 3,000 UTF-8 bytes: over 2 KB, as real S3 would reject
} catch (error) {
  console.log('rejected like S3 would:', error instanceof MetadataLimitError, error.message);
}
// Reset between tests:
await db.client.clear();
console.log('after clear():', await notes.count(), 'documents');
await db.disconnect();
