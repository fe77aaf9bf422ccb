/**
 * The storage conformance suite: every case runs on every backend in
 * BACKENDS (memory://, file://, a real s3rver, a real Ceph radosgw). Where a backend cannot do
 * something, the case is skipped with a printed reason taken from the
 * capability probe or the backend table, never silently.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { AbortError, ConflictError, MetadataLimitError, NotFoundError, S3liteError, ValidationError } from '../../src/core/errors.js';
import { compareKeys, createClient, type ObjectStore, type StoreCapabilities } from '../../src/storage/index.js';
import { openStore, putMany, type Backend } from './backends.js';

const md5 = (text: string | Buffer) => `"${createHash('md5').update(text).digest('hex')}"`;
const EMPTY_ETAG = md5('');

function skipUnless(ctx: TestContext, condition: boolean, reason: string): void {
  if (condition) return;
  console.info(`[conformance] skipped "${ctx.task.name}": ${reason}`);
  ctx.skip();
}

export function defineConformanceSuite(backend: Backend): void {
  let capabilities: StoreCapabilities;
  const stores: ObjectStore[] = [];
  const fresh = async () => {
    const store = await openStore(backend);
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    capabilities = await (await fresh()).probeCapabilities();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    backend.cleanup();
  });

  it('reports its capabilities from the probe', () => {
    expect(capabilities).toEqual(backend.capabilities);
  });

  it('round-trips body, metadata and content type; metadata keys come back lowercased', async () => {
    const store = await fresh();
    const body = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
    const before = Date.now() - 2000;
    const { etag } = await store.putObject({
      key: 'docs/one',
      body,
      metadata: { Name: 'Alice', 'X-Count': '3', empty: '' },
      contentType: 'application/x-test',
    });
    expect(etag).toBe(md5(body));
    const got = await store.getObject({ key: 'docs/one' });
    expect(got.body.equals(body)).toBe(true);
    expect(got.metadata).toEqual({ name: 'Alice', 'x-count': '3', empty: '' });
    expect(got.contentType).toBe('application/x-test');
    expect(got.etag).toBe(etag);
    expect(got.size).toBe(body.length);
    expect(got.lastModified.getTime()).toBeGreaterThan(before);
    const { body: _ignored, ...head } = got;
    expect(await store.headObject({ key: 'docs/one' })).toEqual(head);
  });

  it('stores strings as UTF-8 and defaults the content type to application/octet-stream', async () => {
    const store = await fresh();
    await store.putObject({ key: 's', body: 'héllo ✓' });
    const got = await store.getObject({ key: 's' });
    expect(got.body.toString('utf8')).toBe('héllo ✓');
    expect(got.size).toBe(Buffer.byteLength('héllo ✓'));
    expect(got.contentType).toBe('application/octet-stream');
  });

  it('handles empty bodies (metadata-only objects)', async () => {
    const store = await fresh();
    const { etag } = await store.putObject({ key: 'empty', metadata: { a: '1' } });
    expect(etag).toBe(EMPTY_ETAG);
    const got = await store.getObject({ key: 'empty' });
    expect(got.body.length).toBe(0);
    expect(got.size).toBe(0);
    expect(got.metadata).toEqual({ a: '1' });
    expect((await store.headObject({ key: 'empty' })).size).toBe(0);
  });

  it('overwrites: the last write wins and the ETag follows the body', async () => {
    const store = await fresh();
    await store.putObject({ key: 'k', body: 'one', metadata: { v: '1' } });
    const { etag } = await store.putObject({ key: 'k', body: 'two' });
    const got = await store.getObject({ key: 'k' });
    expect(got.body.toString()).toBe('two');
    expect(got.metadata).toEqual({});
    expect(got.etag).toBe(etag);
    expect(etag).toBe(md5('two'));
  });

  it('throws NotFoundError for missing keys; deleting a missing key succeeds', async () => {
    const store = await fresh();
    await expect(store.getObject({ key: 'missing' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.headObject({ key: 'missing' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.copyObject({ from: 'missing', to: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.deleteObject({ key: 'missing' })).resolves.toBeUndefined();
    await store.putObject({ key: 'gone', body: 'x' });
    await store.deleteObject({ key: 'gone' });
    await expect(store.headObject({ key: 'gone' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps unicode, spaces, "=" and "+" in keys, listed in UTF-8 byte order', async () => {
    const store = await fresh();
    const keys = ['u/ünïcødé', 'u/ключ', 'u/🙂 smile', 'u/\uFB01 ligature', 'u/a=b/c=d', 'u/with space', 'u/plus+sign', 'u/Mixed.Case', 'u/%41'];
    for (const key of keys) await store.putObject({ key, body: key, metadata: { k: 'v' } });
    for (const key of keys) expect((await store.getObject({ key })).body.toString()).toBe(key);
    const listed = (await store.listObjects({ prefix: 'u/' })).objects.map((o) => o.key);
    expect(listed).toEqual([...keys].sort(compareKeys));
    // U+1F642 (4 UTF-8 bytes) sorts after U+FB01 (3 bytes) although its UTF-16 form sorts before.
    expect(listed.indexOf('u/🙂 smile')).toBeGreaterThan(listed.indexOf('u/\uFB01 ligature'));
    await store.copyObject({ from: 'u/a=b/c=d', to: 'u/copy ünï=1' });
    expect((await store.getObject({ key: 'u/copy ünï=1' })).body.toString()).toBe('u/a=b/c=d');
  });

  it('rejects empty keys and keys over 1024 UTF-8 bytes before any request', async () => {
    const store = await fresh();
    await expect(store.putObject({ key: '', body: 'x' })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.putObject({ key: 'é'.repeat(513), body: 'x' })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.getObject({ key: '\uD800' })).rejects.toBeInstanceOf(ValidationError);
  });

  describe('3,000 keys', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
    let store: ObjectStore;
    beforeAll(async () => {
      store = await fresh();
      await putMany(store, keys);
      await store.putObject({ key: 'other/1', body: 'x' });
    });

    it('pages with the default maxKeys (1000) and continuation tokens', async () => {
      const pages = [];
      let token: string | undefined;
      do {
        const page = await store.listObjects({ prefix: 'k/', continuationToken: token });
        pages.push(page);
        token = page.nextContinuationToken;
      } while (token !== undefined);
      expect(pages.map((p) => p.objects.length)).toEqual([1000, 1000, 1000]);
      expect(pages.map((p) => p.isTruncated)).toEqual([true, true, false]);
      expect(pages.flatMap((p) => p.objects.map((o) => o.key))).toEqual(keys);
      expect(pages[0]!.objects[0]).toMatchObject({ key: 'k/0000', size: 6, etag: md5('k/0000') });
      expect(pages[0]!.objects[0]!.lastModified).toBeInstanceOf(Date);
    });

    it('pages with a small maxKeys and caps maxKeys at 1000', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await store.listObjects({ prefix: 'k/', maxKeys: 250, continuationToken: token });
        expect(page.objects.length).toBeLessThanOrEqual(250);
        seen.push(...page.objects.map((o) => o.key));
        token = page.nextContinuationToken;
        pages++;
      } while (token !== undefined);
      expect(pages).toBe(12);
      expect(seen).toEqual(keys);
      expect((await store.listObjects({ prefix: 'k/', maxKeys: 5000 })).objects).toHaveLength(1000);
    });

    it('starts after startAfter, alone and with maxKeys', async () => {
      const page = await store.listObjects({ prefix: 'k/', startAfter: 'k/1499' });
      expect(page.objects[0]!.key).toBe('k/1500');
      expect(page.objects).toHaveLength(1000);
      expect(page.isTruncated).toBe(true);
      const small = await store.listObjects({ prefix: 'k/', startAfter: 'k/2990', maxKeys: 5 });
      expect(small.objects.map((o) => o.key)).toEqual(['k/2991', 'k/2992', 'k/2993', 'k/2994', 'k/2995']);
      const rest = await store.listObjects({ prefix: 'k/', continuationToken: small.nextContinuationToken });
      expect(rest.objects.map((o) => o.key)).toEqual(['k/2996', 'k/2997', 'k/2998', 'k/2999']);
      expect(rest.isTruncated).toBe(false);
      expect(rest.nextContinuationToken).toBeUndefined();
    });

    it('filters by prefix', async () => {
      expect((await store.listObjects({ prefix: 'k/29' })).objects.map((o) => o.key)).toEqual(keys.slice(2900));
      expect((await store.listObjects({ prefix: 'other/' })).objects.map((o) => o.key)).toEqual(['other/1']);
      expect((await store.listObjects({ prefix: 'nothing/' })).objects).toEqual([]);
    });

    it('iterates everything with listAll, page by page', async () => {
      const all: string[] = [];
      for await (const object of store.listAll({ prefix: 'k/', pageSize: 700 })) all.push(object.key);
      expect(all).toEqual(keys);
      const everything: string[] = [];
      for await (const object of store.listAll()) everything.push(object.key);
      expect(everything).toEqual([...keys, 'other/1']);
    });

    it('deletes 2,500 keys in one deleteObjects call', async () => {
      const result = await store.deleteObjects({ keys: keys.slice(0, 2500) });
      expect(result.errors).toEqual([]);
      expect(result.deleted).toHaveLength(2500);
      expect(new Set(result.deleted)).toEqual(new Set(keys.slice(0, 2500)));
      const left: string[] = [];
      for await (const object of store.listAll({ prefix: 'k/' })) left.push(object.key);
      expect(left).toEqual(keys.slice(2500));
      expect(await store.deleteObjects({ keys: [] })).toEqual({ deleted: [], errors: [] });
    });
  });

  it('groups keys into commonPrefixes with a delimiter', async () => {
    const store = await fresh();
    await putMany(store, ['d/a/1', 'd/a/2', 'd/b/1', 'd/c', 'd/e/f', 'top']);
    const page = await store.listObjects({ prefix: 'd/', delimiter: '/' });
    expect(page.objects.map((o) => o.key)).toEqual(['d/c']);
    expect(page.commonPrefixes).toEqual(['d/a/', 'd/b/', 'd/e/']);
    const root = await store.listObjects({ delimiter: '/' });
    expect(root.objects.map((o) => o.key)).toEqual(['top']);
    expect(root.commonPrefixes).toEqual(['d/']);
  });

  it('pages through commonPrefixes, counting them toward maxKeys', async (ctx) => {
    skipUnless(
      ctx,
      backend.listsInS3Order,
      `${backend.name} does not count common prefixes toward max-keys as S3 does, and misses prefixes holding only deeper keys (d/e/ of d/e/f/g)`,
    );
    const store = await fresh();
    await putMany(store, ['d/a/1', 'd/a/2', 'd/b/1', 'd/c', 'd/e/f/g']);
    const first = await store.listObjects({ prefix: 'd/', delimiter: '/', maxKeys: 2 });
    expect(first.commonPrefixes).toEqual(['d/a/', 'd/b/']);
    expect(first.objects).toEqual([]);
    expect(first.isTruncated).toBe(true);
    const second = await store.listObjects({ prefix: 'd/', delimiter: '/', maxKeys: 2, continuationToken: first.nextContinuationToken });
    expect(second.objects.map((o) => o.key)).toEqual(['d/c']);
    expect(second.commonPrefixes).toEqual(['d/e/']);
    expect(second.isTruncated).toBe(false);
  });

  it('lists keys that are prefixes of each other in S3 order, across pages', async (ctx) => {
    skipUnless(ctx, backend.listsInS3Order, `${backend.name} lists in directory-walk order (a/b before a-c before a) and can skip keys across pages`);
    const store = await fresh();
    const keys = ['a', 'a-c', 'a/b', 'a/b/c', 'a0', 'b', 'b/', 'b//x'];
    await putMany(store, [...keys].reverse());
    for (let maxKeys = 1; maxKeys <= 3; maxKeys++) {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await store.listObjects({ maxKeys, continuationToken: token });
        seen.push(...page.objects.map((o) => o.key));
        token = page.nextContinuationToken;
      } while (token !== undefined);
      expect(seen).toEqual(keys);
    }
    expect((await store.listObjects({ startAfter: 'a-c' })).objects.map((o) => o.key)).toEqual(keys.slice(2));
    expect((await store.getObject({ key: 'b//x' })).body.toString()).toBe('b//x');
  });

  it('copies with metadata (COPY) and replaces it when metadata is given (REPLACE)', async () => {
    const store = await fresh();
    const { etag } = await store.putObject({ key: 'src', body: 'payload', metadata: { Keep: 'me' }, contentType: 'text/plain' });
    const copied = await store.copyObject({ from: 'src', to: 'dst/copy' });
    expect(copied.etag).toBe(etag);
    const copy = await store.getObject({ key: 'dst/copy' });
    expect(copy.body.toString()).toBe('payload');
    expect(copy.metadata).toEqual({ keep: 'me' });
    expect(copy.contentType).toBe('text/plain');

    await store.copyObject({ from: 'src', to: 'dst/replaced', metadata: { New: 'value' }, contentType: 'application/json' });
    const replaced = await store.getObject({ key: 'dst/replaced' });
    expect(replaced.body.toString()).toBe('payload');
    expect(replaced.metadata).toEqual({ new: 'value' });
    expect(replaced.contentType).toBe('application/json');

    // In place with REPLACE: how a metadata-only update is done.
    await store.copyObject({ from: 'src', to: 'src', metadata: { v: '2' }, ifMatch: etag });
    expect((await store.headObject({ key: 'src' })).metadata).toEqual({ v: '2' });
  });

  it('accepts user metadata of exactly 2048 bytes (keys + values, as AWS counts)', async () => {
    const store = await fresh();
    const metadata = { a: 'x'.repeat(1000), bb: 'y'.repeat(1045) }; // 1 + 1000 + 2 + 1045 = 2048
    await store.putObject({ key: 'limit', metadata });
    expect((await store.headObject({ key: 'limit' })).metadata).toEqual(metadata);
  });

  it('rejects user metadata of 2049 bytes with MetadataLimitError', async (ctx) => {
    skipUnless(ctx, capabilities.metadataLimit, `the probe found that ${backend.name} accepts user metadata over 2 KB`);
    const store = await fresh();
    await expect(store.putObject({ key: 'limit', metadata: { a: 'x'.repeat(1000), bb: 'y'.repeat(1046) } })).rejects.toBeInstanceOf(MetadataLimitError);
    await expect(store.headObject({ key: 'limit' })).rejects.toBeInstanceOf(NotFoundError);
    await store.putObject({ key: 'src', body: 'x' });
    await expect(store.copyObject({ from: 'src', to: 'dst', metadata: { a: 'z'.repeat(2048) } })).rejects.toBeInstanceOf(MetadataLimitError);
  });

  it('rejects metadata S3 would mangle (non-ASCII, control characters, edge blanks, case duplicates)', async () => {
    const store = await fresh();
    const mangled: Record<string, string>[] = [{ name: 'Zoë' }, { 'kéy': 'v' }, { a: 'line\nbreak' }, { a: ' padded' }, { Dup: '1', dup: '2' }, { 'bad key': 'v' }];
    for (const metadata of mangled) {
      await expect(store.putObject({ key: 'm', metadata })).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(store.headObject({ key: 'm' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('enforces ifNoneMatch: "*" and ifMatch with ConflictError', async (ctx) => {
    skipUnless(ctx, capabilities.conditionalWrites, `the probe found that ${backend.name} does not enforce If-Match/If-None-Match`);
    const store = await fresh();
    const { etag } = await store.putObject({ key: 'c', body: 'v1', ifNoneMatch: '*' });
    await expect(store.putObject({ key: 'c', body: 'v2', ifNoneMatch: '*' })).rejects.toBeInstanceOf(ConflictError);
    const second = await store.putObject({ key: 'c', body: 'v2', ifMatch: etag });
    await expect(store.putObject({ key: 'c', body: 'v3', ifMatch: etag })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.putObject({ key: 'never-written', body: 'v', ifMatch: etag })).rejects.toBeInstanceOf(ConflictError);
    expect((await store.getObject({ key: 'c' })).etag).toBe(second.etag);
    await expect(store.copyObject({ from: 'c', to: 'c2', ifMatch: etag })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.headObject({ key: 'c2' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes conditionally: a stale or missing ifMatch fails with ConflictError and deletes nothing', async (ctx) => {
    skipUnless(ctx, capabilities.conditionalWrites, `the probe found that ${backend.name} does not enforce If-Match/If-None-Match`);
    const store = await fresh();
    const first = await store.putObject({ key: 'd', body: 'v1' });
    const second = await store.putObject({ key: 'd', body: 'v2' });
    await expect(store.deleteObject({ key: 'd', ifMatch: first.etag })).rejects.toBeInstanceOf(ConflictError);
    expect((await store.headObject({ key: 'd' })).etag).toBe(second.etag);
    await store.deleteObject({ key: 'd', ifMatch: second.etag });
    await expect(store.headObject({ key: 'd' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.deleteObject({ key: 'd', ifMatch: second.etag })).rejects.toBeInstanceOf(ConflictError);
  });

  it('rejects a request whose signal is already aborted, writing nothing', async () => {
    const store = await fresh();
    const signal = AbortSignal.abort();
    await expect(store.putObject({ key: 'a', body: 'x', signal })).rejects.toBeInstanceOf(AbortError);
    await expect(store.getObject({ key: 'a', signal })).rejects.toBeInstanceOf(AbortError);
    await expect(store.listObjects({ signal })).rejects.toBeInstanceOf(AbortError);
    await expect(store.headObject({ key: 'a' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('cancels a request aborted while in flight', async (ctx) => {
    skipUnless(ctx, backend.abortsInFlight, `${backend.name} completes each request synchronously, before an abort can land`);
    const store = await fresh();
    const controller = new AbortController();
    const pending = store.putObject({ key: 'big', body: Buffer.alloc(16 * 1024 * 1024, 7), signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });

  it('keeps stores with different prefixes in one bucket independent; clear() empties only its prefix', async () => {
    const [first, second] = await backend.connectionStrings();
    const a = createClient(first);
    const b = createClient(second);
    const aAgain = createClient(first);
    stores.push(a, b, aAgain);
    await a.putObject({ key: 'shared-name', body: 'a' });
    await b.putObject({ key: 'shared-name', body: 'b' });
    await b.putObject({ key: 'only-b', body: 'b' });
    expect((await aAgain.getObject({ key: 'shared-name' })).body.toString()).toBe('a');
    expect((await a.listObjects()).objects.map((o) => o.key)).toEqual(['shared-name']);
    await a.clear();
    await expect(a.headObject({ key: 'shared-name' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await b.listObjects()).objects.map((o) => o.key)).toEqual(['only-b', 'shared-name']);
  });

  it('types every failure as an S3liteError', async () => {
    const store = await fresh();
    const failures = await Promise.allSettled([
      store.getObject({ key: 'nope' }),
      store.listObjects({ maxKeys: 0 }),
      store.putObject({ key: 'x', metadata: { a: 'é' } }),
    ]);
    for (const failure of failures) {
      expect(failure.status).toBe('rejected');
      expect((failure as PromiseRejectedResult).reason).toBeInstanceOf(S3liteError);
    }
  });
}
