import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { compareKeys, createClient, MemoryStore } from '../../src/storage/index.js';

let counter = 0;
const bucket = () => `mem-test-${process.pid}-${counter++}`;

describe('MemoryStore', () => {
  it('shares a bucket between stores in the process and keeps buckets apart', async () => {
    const name = bucket();
    await createClient(`memory://${name}/p`).putObject({ key: 'k', body: 'v' });
    expect((await createClient(`memory://${name}/p`).getObject({ key: 'k' })).body.toString()).toBe('v');
    expect((await createClient(`memory://${name}`).listObjects()).objects.map((o) => o.key)).toEqual(['p/k']);
    expect((await createClient(`memory://${bucket()}/p`).listObjects()).objects).toEqual([]);
  });

  it('hands out copies: neither the caller nor a reader can change stored data', async () => {
    const store = new MemoryStore({ bucket: bucket() });
    const body = Buffer.from('original');
    const metadata = { a: '1' };
    await store.putObject({ key: 'k', body, metadata });
    body.write('XXXXXXXX');
    metadata.a = '2';
    const first = await store.getObject({ key: 'k' });
    first.body.write('YYYYYYYY');
    first.metadata.a = '3';
    const second = await store.getObject({ key: 'k' });
    expect(second.body.toString()).toBe('original');
    expect(second.metadata).toEqual({ a: '1' });
  });

  it('keeps listings sorted and exact through random puts, deletes and re-puts', async () => {
    const store = new MemoryStore({ bucket: bucket(), prefix: 'db/' });
    const model = new Set<string>();
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ['a', 'b', '/', '-', 'é', '🙂', '\uFB01', '0'];
    for (let i = 0; i < 3000; i++) {
      const key = Array.from({ length: 1 + Math.floor(random() * 4) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      if (random() < 0.3) {
        await store.deleteObject({ key });
        model.delete(key);
      } else {
        await store.putObject({ key, body: key });
        model.add(key);
      }
      if (i % 250 === 0 || i === 2999) {
        const listed: string[] = [];
        for await (const object of store.listAll({ pageSize: 37 })) listed.push(object.key);
        expect(listed).toEqual([...model].sort(compareKeys));
      }
    }
  });

  it('rejects tokens it did not issue and a maxKeys below 1', async () => {
    const store = new MemoryStore({ bucket: bucket() });
    await expect(store.listObjects({ continuationToken: 'garbage' })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.listObjects({ maxKeys: 0 })).rejects.toThrow('Expected `maxKeys` to be an integer from 1 and up, got `0` (number)');
    await expect(store.listObjects({ maxKeys: 1.5 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('counts metadata size in UTF-8 bytes of keys and values, after lowercasing keys', async () => {
    const store = new MemoryStore({ bucket: bucket() });
    // 2044 + 'Name'(4) = 2048 exactly: passes. Case does not change the size.
    await store.putObject({ key: 'a', metadata: { Name: 'v'.repeat(2044) } });
    await expect(store.putObject({ key: 'b', metadata: { Name: 'v'.repeat(2045) } })).rejects.toMatchObject({ code: 'METADATA_LIMIT', size: 2049, limit: 2048 });
  });
});
