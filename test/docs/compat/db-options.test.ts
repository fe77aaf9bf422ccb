/**
 * s3db.js's Database options and methods, as its documentation describes
 * them, on memory:// and file://.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { S3db } from '../../../src/docs/index.js';
import { COMPAT_BACKENDS, openCompatDb } from '../helpers.js';

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

for (const backend of COMPAT_BACKENDS) {
  describe(`s3db.js database options (${backend}://)`, () => {
    it('parallelism sets the pool concurrency, and can be changed later', async () => {
      const t = await openCompatDb(backend);
      const db = t.create({ parallelism: 7 });
      expect(db.executorPool.concurrency).toBe(7);
      expect(db.parallelism).toBe(7);
      db.parallelism = 3;
      expect(db.executorPool.stats().concurrency).toBe(3);
      expect(() => t.create({ parallelism: 0 })).toThrow(/parallelism/);
      expect(() => t.create({ parallelism: 5, executorPool: { concurrency: 6 } })).toThrow(ValidationError);
      expect(t.create({ parallelism: 5, executorPool: { concurrency: 5, retries: 0 } }).executorPool.retries).toBe(0);
    });

    it('security.passphrase encrypts secret attributes like passphrase does', async () => {
      const t = await openCompatDb(backend);
      const db = t.create({ security: { passphrase: 'correct horse battery staple', bcrypt: { rounds: 12 } } });
      expect(db.bcryptRounds).toBe(12);
      const users = await db.createResource({ name: 'users', attributes: { name: 'string', token: 'secret' } });
      const alice = await users.insert({ name: 'Alice', token: 'tok-1' });
      // Stored encrypted: the plaintext appears in no object's metadata or body.
      for await (const listed of db.client.listAll()) {
        const object = await db.client.getObject({ key: listed.key });
        expect(JSON.stringify(object.metadata) + object.body.toString('utf8')).not.toContain('tok-1');
      }
      await db.disconnect();
      const again = t.create({ passphrase: 'correct horse battery staple' });
      await again.connect();
      expect((await again.resources.users!.get(alice.id)).token).toBe('tok-1');
      expect(() => t.create({ passphrase: 'a', security: { passphrase: 'b' } })).toThrow(/security\.passphrase/);
      expect(() => t.create({ security: { bcrypt: { rounds: 2 } } })).toThrow(/rounds/);
    });

    it('verbose logs at debug; pino level names are accepted', async () => {
      const t = await openCompatDb(backend);
      const lines: string[] = [];
      const sink = { ...silent, debug: (m: string) => lines.push(m) };
      const db = t.create({ verbose: true, logger: sink });
      db.logger.debug('hello');
      expect(lines).toEqual(['[s3lite] hello']);
      const quiet = t.create({ verbose: true, logLevel: 'warn', logger: sink });
      quiet.logger.debug('dropped');
      expect(lines).toHaveLength(1);
      const trace = t.create({ logLevel: 'trace', logger: sink });
      trace.logger.debug('trace is debug');
      expect(lines).toHaveLength(2);
      expect(() => t.create({ verbose: 'yes' as never })).toThrow(/verbose/);
    });

    it("versioningEnabled on the database is the default of resources that do not set it; bcryptRounds sets the password hash cost", async () => {
      const t = await openCompatDb(backend);
      const db = t.create({ versioningEnabled: true, bcryptRounds: 5 });
      const kept = await db.createResource({ name: 'kept', attributes: { n: 'number', pw: 'password' } });
      const off = await db.createResource({ name: 'off', attributes: { n: 'number' }, versioningEnabled: false });
      const doc = await kept.insert({ id: 'k', n: 1, pw: 'secret-1' });
      expect(String(doc.pw)).toMatch(/^\$2[aby]\$05\$/);
      await kept.update('k', { n: 2 });
      await off.insert({ id: 'o', n: 1 });
      await off.update('o', { n: 2 });
      expect((await kept.getHistory('k')).map((v) => v.data.n)).toEqual([1]);
      expect(await off.getHistory('o')).toEqual([]);
    });

    it('accepts deferMetadataWrites and taskExecutorMonitoring and keeps them readable', async () => {
      const t = await openCompatDb(backend);
      const db = t.create({
        versioningEnabled: true,
        deferMetadataWrites: true,
        metadataWriteDelay: 50,
        taskExecutorMonitoring: { enabled: true, collectMetrics: true },
      });
      expect(db.versioningEnabled).toBe(true);
      expect(db.deferMetadataWrites).toBe(true);
      expect(db.taskExecutorMonitoring).toEqual({ enabled: true, collectMetrics: true });
      // Deferred or not, the catalogue is durable when createResource resolves: a second database sees it.
      await db.createResource({ name: 'things', attributes: { n: 'number' } });
      const other = t.create();
      await other.connect();
      expect(other.resourceExists('things')).toBe(true);
      expect(() => t.create({ taskExecutorMonitoring: 5 as never })).toThrow(/taskExecutorMonitoring/);
    });

    it('createResource and db.client work before connect(); connected flips', async () => {
      const t = await openCompatDb(backend);
      const db = t.create();
      expect(db.connected).toBe(false);
      expect(db.client.kind).toBe(backend);
      const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
      expect(db.connected).toBe(true);
      expect((await users.insert({ name: 'Ann' })).name).toBe('Ann');
    });

    it('resourceExists, resourceExistsWithSameHash and uploadMetadataFile', async () => {
      const t = await openCompatDb(backend);
      const db = t.create();
      await db.connect();
      expect(db.resourceExists('users')).toBe(false);
      expect(db.resourceExistsWithSameHash({ name: 'users', attributes: { name: 'string' } })).toEqual({ exists: false, sameHash: false, hash: null });
      await db.createResource({ name: 'users', attributes: { name: 'string' } });
      expect(db.resourceExists('users')).toBe(true);
      const same = db.resourceExistsWithSameHash({ name: 'users', attributes: { name: 'string' } });
      expect(same.exists && same.sameHash).toBe(true);
      expect(same.hash).toBe(same.existingHash);
      const changed = db.resourceExistsWithSameHash({ name: 'users', attributes: { name: 'string', age: 'number' } });
      expect(changed).toMatchObject({ exists: true, sameHash: false });
      expect(changed.hash).not.toBe(changed.existingHash);
      await db.client.deleteObject({ key: 's3db.json' });
      await db.uploadMetadataFile();
      const body = JSON.parse((await db.client.getObject({ key: 's3db.json' })).body.toString('utf8')) as { resources: Record<string, unknown> };
      expect(Object.keys(body.resources)).toEqual(['users']);
    });
  });
}

describe('s3db.js connection parts', () => {
  const dbs: S3db[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.disconnect();
  });
  const open = (options: ConstructorParameters<typeof S3db>[0]): S3db => {
    const db = new S3db(options);
    dbs.push(db);
    return db;
  };

  it('bucket, region and credentials build an s3:// connection; endpoint builds a path-style one', () => {
    const aws = open({ bucket: 'my-bucket', region: 'eu-west-1', accessKeyId: 'AK', secretAccessKey: 'S/K' });
    expect(aws.bucket).toBe('my-bucket');
    expect(aws.client.kind).toBe('s3');
    const minio = open({ bucket: 'data', endpoint: 'http://127.0.0.1:9000', accessKeyId: 'a', secretAccessKey: 'b' });
    expect(minio.client.description).toContain('127.0.0.1:9000');
    expect(() => open({ connectionString: 'memory://x/y', bucket: 'b' })).toThrow(/bucket/);
    expect(() => open({ bucket: 'b', accessKeyId: 'only-one' })).toThrow(/secretAccessKey/);
    expect(() => open({ bucket: 'b', endpoint: 'ftp://host' })).toThrow(/endpoint/);
  });
});
