/**
 * Binary content beside a document (setContent, content, hasContent,
 * deleteContent) with every behavior: the document's fields are untouched.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../../src/core/errors.js';
import { BEHAVIORS } from '../../../src/docs/index.js';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

for (const backend of COMPAT_BACKENDS) {
  describe(`binary content on ${backend}://`, () => {
    for (const behavior of BEHAVIORS) {
      it(`${behavior}: content round-trips byte for byte and the document keeps its data`, async () => {
        const t = await openCompatDb(backend);
        const r = await t.db.createResource({ name: 'files', attributes: { title: 'string', notes: 'string|optional' }, behavior, paranoid: false });
        const notes = behavior === 'enforce-limits' || behavior === 'truncate-data' ? 'short' : 'é'.repeat(1500); // over 2 KB in metadata when encoded
        const doc = await r.insert({ id: 'f1', title: 'report', notes });
        expect(await r.hasContent('f1')).toBe(false);
        expect(await r.content('f1')).toEqual({ buffer: null, contentType: null });
        const bytes = randomBytes(5000);
        await r.setContent({ id: 'f1', buffer: bytes, contentType: 'application/pdf' });
        expect(await r.hasContent('f1')).toBe(true);
        const got = await r.content('f1');
        expect(got.contentType).toBe('application/pdf');
        expect(Buffer.compare(got.buffer as Buffer, bytes)).toBe(0);
        expect(await r.get('f1')).toEqual(doc);
        await r.update('f1', { title: 'report v2' });
        expect(Buffer.compare((await r.content('f1')).buffer as Buffer, bytes)).toBe(0);
        await r.setContent({ id: 'f1', buffer: 'Hello World', contentType: 'text/plain' });
        expect((await r.content('f1')).buffer?.toString()).toBe('Hello World');
        await r.deleteContent('f1');
        expect(await r.hasContent('f1')).toBe(false);
        expect((await r.get('f1')).title).toBe('report v2');
      });
    }

    it('content needs an existing document and goes when the document is deleted', async () => {
      const t = await openCompatDb(backend);
      const r = await t.db.createResource({ name: 'files', attributes: { title: 'string' } });
      await expect(r.setContent({ id: 'nope', buffer: Buffer.from('x') })).rejects.toBeInstanceOf(NotFoundError);
      await r.insert({ id: 'f2', title: 't' });
      await expect(r.setContent({ id: 'f2', buffer: 42 as never })).rejects.toBeInstanceOf(ValidationError);
      await r.setContent({ id: 'f2', buffer: Buffer.from('data') });
      expect((await r.content('f2')).contentType).toBe('application/octet-stream');
      await r.delete('f2');
      expect(await r.hasContent('f2')).toBe(false);
      await r.insert({ id: 'f2', title: 'again' });
      expect(await r.content('f2')).toEqual({ buffer: null, contentType: null });
    });
  });
}
