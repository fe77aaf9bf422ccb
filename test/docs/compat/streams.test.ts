/**
 * readable() / writable(): Node streams over a resource, as s3db.js offers them.
 */
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

for (const backend of COMPAT_BACKENDS) {
  describe(`streams on ${backend}://`, () => {
    it('writable() inserts everything piped into it; readable() yields every document in id order', async () => {
      const t = await openCompatDb(backend);
      const users = await t.db.createResource({ name: 'users', attributes: { name: 'string', n: 'number' } });
      const input = Array.from({ length: 120 }, (_, i) => ({ id: `u${String(i).padStart(3, '0')}`, name: `user ${i}`, n: i }));
      await pipeline(Readable.from(input), users.writable({ concurrency: 5 }));
      expect(await users.count()).toBe(120);
      const seen: number[] = [];
      const upper = new Transform({
        objectMode: true,
        transform(doc: { name: string; n: number }, _e, cb) {
          seen.push(doc.n);
          cb(null, { ...doc, name: doc.name.toUpperCase() });
        },
      });
      const out: { name: string }[] = [];
      const readable = await users.readable({ batchSize: 10 });
      await pipeline(readable, upper, async (source: AsyncIterable<unknown>) => {
        for await (const doc of source) out.push(doc as { name: string });
      });
      expect(seen).toEqual(input.map((d) => d.n));
      expect(out[0]?.name).toBe('USER 0');
    });

    it('writable() fails the stream on the first invalid document', async () => {
      const t = await openCompatDb(backend);
      const users = await t.db.createResource({ name: 'users', attributes: { name: 'string' } });
      await expect(pipeline(Readable.from([{ name: 'ok' }, { name: 5 }, { name: 'later' }]), users.writable({ concurrency: 1 }))).rejects.toBeInstanceOf(ValidationError);
      expect(await users.count()).toBe(1);
    });
  });
}
