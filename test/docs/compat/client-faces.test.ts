/**
 * s3db.js's client method shapes (MemoryClient, FileSystemClient, S3Client)
 * over our stores, on memory://, file:// and the test S3 server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError, MetadataLimitError, NotFoundError } from '../../../src/core/errors.js';
import { S3db } from '../../../src/docs/index.js';
import { FileSystemClient, MemoryClient, NoSuchKeyError, S3Client, type S3dbClient } from '../../../src/storage/index.js';
import { s3rverConnectionString } from '../../helpers/s3rver.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const CLIENTS: Record<string, () => Promise<S3dbClient>> = {
  MemoryClient: async () => new MemoryClient({ bucket: `faces-${randomBytes(4).toString('hex')}`, keyPrefix: 'app' }),
  FileSystemClient: async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3lite-faces-'));
    dirs.push(dir);
    return new FileSystemClient({ basePath: dir, keyPrefix: 'app' });
  },
  S3Client: async () => new S3Client({ connectionString: await s3rverConnectionString('app') }),
};

for (const [name, make] of Object.entries(CLIENTS)) {
  describe(`${name}: s3db.js client methods`, () => {
    it('putObject / getObject(key) / headObject(key) with AWS-style fields', async () => {
      const client = await make();
      const put = await client.putObject({ key: 'docs/a.csv', body: 'a;b\n1;2', contentType: 'text/csv', metadata: { Name: 'x', n: '1' } });
      expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
      const got = await client.getObject('docs/a.csv');
      expect(await got.Body.transformToString()).toBe('a;b\n1;2');
      expect(got.Metadata).toEqual({ name: 'x', n: '1' });
      expect(got.ContentType).toBe('text/csv');
      expect(got.ETag).toBe(put.ETag);
      expect(got.ContentLength).toBe(7);
      const head = await client.headObject({ key: 'docs/a.csv' });
      expect(head.Metadata).toEqual({ name: 'x', n: '1' });
      expect(await client.exists('docs/a.csv')).toBe(true);
      expect(await client.exists('docs/none')).toBe(false);
      await client.close();
    });

    it('a missing key is NoSuchKey (and still a NotFoundError)', async () => {
      const client = await make();
      const err = await client.getObject('missing').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NoSuchKeyError);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NoSuchKeyError).name).toBe('NoSuchKey');
      expect((err as NoSuchKeyError).Code).toBe('NoSuchKey');
      expect((err as NoSuchKeyError).$metadata.httpStatusCode).toBe(404);
      expect(((await client.headObject('missing').catch((e: unknown) => e)) as NoSuchKeyError).name).toBe('NotFound');
      await client.close();
    });

    it('listObjects gives Contents/CommonPrefixes/IsTruncated and pages with continuation tokens; count and getAllKeys', async () => {
      const client = await make();
      for (const k of ['p/1', 'p/2', 'p/3', 'p/sub/4', 'q/5']) await client.putObject({ key: k, body: k });
      const first = await client.listObjects({ prefix: 'p/', maxKeys: 2 });
      expect(first.Contents.map((c) => c.Key)).toEqual(['p/1', 'p/2']);
      expect(first.IsTruncated).toBe(true);
      const rest = await client.listObjects({ prefix: 'p/', maxKeys: 10, continuationToken: first.NextContinuationToken as string });
      expect(rest.Contents.map((c) => c.Key)).toEqual(['p/3', 'p/sub/4']);
      const folders = await client.listObjects({ prefix: 'p/', delimiter: '/' });
      expect(folders.CommonPrefixes).toEqual([{ Prefix: 'p/sub/' }]);
      expect(await client.count({ prefix: 'p/' })).toBe(4);
      expect(await client.getAllKeys({ prefix: 'p/' })).toEqual(['p/1', 'p/2', 'p/3', 'p/sub/4']);
      await client.close();
    });

    it('deleteObject(key) and deleteObjects(keys)', async () => {
      const client = await make();
      for (const k of ['d1', 'd2', 'd3']) await client.putObject({ key: k, body: k });
      // Batch first: here s3rver answered a batch DELETE that followed a single DELETE with HTTP 500.
      const out = await client.deleteObjects(['d1', 'd2']);
      expect(out.Deleted.map((d) => d.Key).sort()).toEqual(['d1', 'd2']);
      expect(out.Errors).toEqual([]);
      await client.deleteObject('d3');
      expect(await client.count()).toBe(0);
      await client.close();
    });

    it('copyObject with metadataDirective', async () => {
      const client = await make();
      await client.putObject({ key: 'src', body: 'x', metadata: { a: '1' } });
      await client.copyObject({ from: 'src', to: 'same', metadata: { b: '2' }, metadataDirective: 'COPY' });
      expect((await client.headObject('same')).Metadata).toEqual({ a: '1' });
      await client.copyObject({ from: 'src', to: 'new', metadata: { b: '2' }, metadataDirective: 'REPLACE' });
      expect((await client.headObject('new')).Metadata).toEqual({ b: '2' });
      expect(await (await client.getObject('new')).Body.transformToString()).toBe('x');
      await expect(client.copyObject({ from: 'gone', to: 'x' })).rejects.toBeInstanceOf(NoSuchKeyError);
      await client.close();
    });

    it('is usable as new S3db({ client }) and keeps S3 rules (conditional writes, 2 KB metadata)', async () => {
      const client = await make();
      const db = new S3db({ client, logger: { warn: () => undefined } });
      const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
      const ann = await users.insert({ name: 'Ann' });
      expect((await users.get(ann.id)).name).toBe('Ann');
      expect(await client.exists('s3db.json')).toBe(true);
      await db.disconnect();
      const { ETag } = await client.putObject({ key: 'c', body: '1' });
      await client.putObject({ key: 'c', body: '2', ifMatch: ETag });
      // s3rver does not enforce conditional writes (capabilities say so); the others must.
      if (db.capabilities?.conditionalWrites) await expect(client.putObject({ key: 'c', body: '3', ifMatch: ETag })).rejects.toBeInstanceOf(ConflictError);
      else expect(name).toBe('S3Client');
      if (name === 'MemoryClient') await expect(client.putObject({ key: 'big', metadata: { v: 'x'.repeat(2100) } })).rejects.toBeInstanceOf(MetadataLimitError);
      await client.close();
    });
  });
}

describe('MemoryClient extras', () => {
  it('snapshot() and restore() bring the data back', async () => {
    const client = new MemoryClient({ bucket: `snap-${randomBytes(4).toString('hex')}` });
    const db = new S3db({ client });
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    const ann = await users.insert({ name: 'Ann' });
    const snap = client.snapshot();
    await users.update(ann.id, { name: 'Changed' });
    await users.insert({ name: 'Bob' });
    client.restore(snap);
    expect((await users.get(ann.id)).name).toBe('Ann');
    expect(await users.count()).toBe(1);
    await db.disconnect();
  });

  it('saveToDisk() / loadFromDisk() persist to persistPath; getStats(); clear() empties only its prefix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3lite-memclient-'));
    dirs.push(dir);
    const bucket = `persist-${randomBytes(4).toString('hex')}`;
    const client = new MemoryClient({ bucket, keyPrefix: 'app', persistPath: join(dir, 'snap.json') });
    const neighbour = new MemoryClient({ bucket, keyPrefix: 'other' });
    await neighbour.putObject({ key: 'keep', body: 'k' });
    await client.putObject({ key: 'a', body: 'hello', metadata: { x: '1' } });
    await client.putObject({ key: 'b', body: Buffer.from([0, 255, 1]) });
    expect(client.getStats()).toMatchObject({ objectCount: 2, totalSize: 8, keys: ['a', 'b'], bucket });
    expect(await client.saveToDisk()).toBe(join(dir, 'snap.json'));
    await client.clear();
    expect(client.getStats().objectCount).toBe(0);
    expect(await neighbour.exists('keep')).toBe(true);
    await client.loadFromDisk();
    expect((await client.getObject('a')).Metadata).toEqual({ x: '1' });
    expect([...(await client.getObject('b')).Body]).toEqual([0, 255, 1]);
    await expect(new MemoryClient().loadFromDisk()).rejects.toThrow(/persistPath/);
  });

  it('S3 limits cannot be switched off (tests must not pass here and fail on S3)', () => {
    expect(() => new MemoryClient({ enforceLimits: false })).toThrow(/always enforces/);
    expect(() => new MemoryClient({ metadataLimit: 4096 })).toThrow(/metadataLimit/);
    expect(new MemoryClient({ enforceLimits: true }).bucket).toBe('s3db');
    expect(() => new MemoryClient({ nope: 1 } as never)).toThrow(/nope/);
    expect(() => new S3Client({ connectionString: 'memory://a/b' })).toThrow(/connectionString/);
    expect(() => new FileSystemClient({} as never)).toThrow(/basePath/);
  });
});
