/**
 * One row per public constructor and options-taking entry point: a misspelt
 * option is a ValidationError from the one option-validation module
 * (src/core/options.ts) that names the entry point, the option and the
 * closest known name, and nothing is written.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BackgroundJobQueue,
  BulkOperations,
  Cache,
  CachePlugin,
  EventJobProcessor,
  ExecutorPool,
  FileSystemClient,
  FilesystemCache,
  FilesystemDriver,
  initQueue,
  initSnapshots,
  KeyValueCache,
  Memoizer,
  MemoryCache,
  MemoryClient,
  MemoryDriver,
  modelSetup,
  MultiTierCache,
  openQueue,
  RedisDriver,
  S3Cache,
  S3Client,
  S3db,
  S3Driver,
  TasksPool,
  TasksRunner,
  ValidationError,
  createClient,
  type Resource,
} from '../../src/index.js';

const root = mkdtempSync(join(tmpdir(), 's3lite-opts19-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A path in the temp dir that nothing has created yet. */
const fresh = (name: string): string => join(root, `${name}-${++n}`);

/** Every file under `dir` (empty when it does not exist). */
function filesUnder(dir: string): string[] {
  return existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).sort() : [];
}

async function caught(run: () => unknown): Promise<unknown> {
  try {
    const result = run();
    if (result && typeof (result as AsyncIterator<unknown>).next === 'function') await (result as AsyncIterator<unknown>).next();
    else await result;
  } catch (error) {
    return error;
  }
  return undefined;
}

interface Row {
  /** The entry point as the message names it. */
  where: string;
  /** The misspelt option, with its path for a nested one. */
  option: string;
  closest: string;
  run: () => unknown;
  /** Nothing written: checked after the call fails. */
  untouched?: () => void;
}

function noFile(path: string): () => void {
  return () => expect(existsSync(path), `${path} was created`).toBe(false);
}

function rows(): Row[] {
  const dbFile = fresh('queue.sqlite');
  const modelFile = fresh('model.sqlite');
  const snapFile = fresh('snap.sqlite');
  const jobsFile = fresh('jobs.sqlite');
  const openFile = fresh('open.sqlite');
  const docsDir = fresh('docs');
  const clientDir = fresh('client');
  return [
    // core
    { where: 'ExecutorPool', option: 'concurency', closest: 'concurrency', run: () => new ExecutorPool({ concurency: 4 } as never) },
    { where: 'ExecutorPool', option: 'autotune.maxConcurency', closest: 'autotune.maxConcurrency', run: () => new ExecutorPool({ autotune: { enabled: true, maxConcurency: 4 } } as never) },
    { where: 'TasksPool', option: 'retrys', closest: 'retries', run: () => new TasksPool({ retrys: 1 } as never) },
    { where: 'TasksRunner', option: 'concurency', closest: 'concurrency', run: () => new TasksRunner({ concurency: 2 } as never) },
    { where: 'Cache', option: 'maxByte', closest: 'maxBytes', run: () => new Cache({ maxByte: 10 } as never) },
    { where: 'Memoizer', option: 'tll', closest: 'ttl', run: () => Memoizer(async () => 1, { tll: 5 } as never) },
    // storage
    { where: 'createClient', option: 'concurency', closest: 'concurrency', run: () => createClient('memory://opts19-table/a', { concurency: 2 } as never) },
    { where: 'httpClientOptions', option: 'httpClientOptions.maxSocket', closest: 'httpClientOptions.maxSockets', run: () => createClient('memory://opts19-table/b', { httpClientOptions: { maxSocket: 5 } } as never) },
    { where: 'MemoryClient', option: 'bukcet', closest: 'bucket', run: () => new MemoryClient({ bukcet: 'x' } as never) },
    {
      where: 'FileSystemClient',
      option: 'basePth',
      closest: 'basePath',
      run: () => new FileSystemClient({ basePth: clientDir } as never),
      untouched: noFile(clientDir),
    },
    { where: 'S3Client', option: 'connectionStrng', closest: 'connectionString', run: () => new S3Client({ connectionStrng: 's3://a:b@bucket' } as never) },
    // docs
    {
      where: 'S3db',
      option: 'pasphrase',
      closest: 'passphrase',
      run: () => new S3db({ connectionString: `file://${docsDir}`, pasphrase: 'x' } as never),
      untouched: noFile(docsDir),
    },
    {
      where: 'ExecutorPool',
      option: 'concurency',
      closest: 'concurrency',
      run: () => new S3db({ connectionString: `file://${docsDir}`, executorPool: { concurency: 3 } } as never),
      untouched: noFile(docsDir),
    },
    { where: 'CachePlugin', option: 'tll', closest: 'ttl', run: () => new CachePlugin({ tll: 1000 } as never) },
    { where: 'CachePlugin memory driver', option: 'drivers[0].maxx', closest: 'drivers[0].max', run: () => new CachePlugin({ drivers: [{ driver: 'memory', maxx: 3 }] } as never) },
    { where: 'CachePlugin memory driver config', option: 'config.maxSiz', closest: 'config.maxSize', run: () => new CachePlugin({ driver: 'memory', config: { maxSiz: 10 } } as never) },
    { where: 'MemoryCache', option: 'maxSiz', closest: 'maxSize', run: () => new MemoryCache({ maxSiz: 10 } as never) },
    { where: 'FilesystemCache', option: 'directry', closest: 'directory', run: () => new FilesystemCache({ directry: fresh('fscache') } as never) },
    { where: 'S3Cache', option: 'kyPrefix', closest: 'keyPrefix', run: () => new S3Cache({ kyPrefix: 'c/' } as never) },
    { where: 'MultiTierCache', option: 'driver', closest: 'drivers', run: () => new MultiTierCache({ driver: [] } as never) },
    { where: 'KeyValueCache', option: 'tll', closest: 'ttl', run: () => new KeyValueCache([], { tll: 5 } as never) },
    { where: 'MemoryDriver', option: 'maxx', closest: 'max', run: () => new MemoryDriver({ maxx: 3 } as never) },
    { where: 'RedisDriver', option: 'keyPrefx', closest: 'keyPrefix', run: () => new RedisDriver({ keyPrefx: 'k:' } as never) },
    { where: 'FilesystemDriver', option: 'directry', closest: 'directory', run: () => new FilesystemDriver({ directry: fresh('fsdriver') } as never) },
    { where: 'S3Driver', option: 'prefx', closest: 'prefix', run: () => new S3Driver({ prefx: 'p/' } as never) },
    // events
    { where: 'initQueue', option: 'durabilty', closest: 'durability', run: () => initQueue({ dbName: dbFile, durabilty: 'full' } as never), untouched: noFile(dbFile) },
    { where: 'initQueue', option: 'cache.maxsize', closest: 'cache.maxSize', run: () => initQueue({ dbName: dbFile, cache: { maxsize: 3 } } as never), untouched: noFile(dbFile) },
    { where: 'initQueue', option: 'indexes.corelation_id', closest: 'indexes.correlation_id', run: () => initQueue({ dbName: dbFile, indexes: { corelation_id: true } } as never), untouched: noFile(dbFile) },
    { where: 'initQueue', option: 'hash.algoritm', closest: 'hash.algorithm', run: () => initQueue({ dbName: dbFile, hash: { algoritm: 'bcrypt' } } as never), untouched: noFile(dbFile) },
    { where: 'modelSetup', option: 'tabels', closest: 'tables', run: () => modelSetup({ dbName: modelFile, tabels: () => {} } as never), untouched: noFile(modelFile) },
    { where: 'initSnapshots', option: 'noWal', closest: 'noWAL', run: () => initSnapshots({ dbName: snapFile, noWal: true } as never), untouched: noFile(snapFile) },
    { where: 'initSnapshots', option: 'init.readOnly', closest: 'init.readonly', run: () => initSnapshots({ dbName: snapFile, init: { readOnly: true } } as never), untouched: noFile(snapFile) },
    { where: 'BackgroundJobQueue', option: 'concurency', closest: 'concurrency', run: () => new BackgroundJobQueue({ dbName: jobsFile, concurency: 2 } as never), untouched: noFile(jobsFile) },
    { where: 'openQueue', option: 'poolSise', closest: 'poolSize', run: () => openQueue({ connectionString: `sqlite://${openFile}`, poolSise: 2 } as never), untouched: noFile(openFile) },
  ];
}

function expectUnknownOption(error: unknown, row: Pick<Row, 'where' | 'option' | 'closest'>): void {
  expect(error, `no error for ${row.where} ${row.option}`).toBeInstanceOf(ValidationError);
  const { message, errors } = error as ValidationError;
  expect(message).toContain(`Unknown ${row.where} option \`${row.option}\`; did you mean \`${row.closest}\`? Known options: `);
  expect(message).toMatch(/Check the spelling or remove it\.$/);
  expect(errors).toEqual([expect.objectContaining({ field: row.option, message: 'unknown option' })]);
}

describe('a misspelt option fails the same way at every public entry point', () => {
  it.each(rows().map((row) => [`${row.where}: ${row.option}`, row] as const))('%s', async (_name, row) => {
    expectUnknownOption(await caught(row.run), row);
    row.untouched?.();
  });
});

describe('names the originals document stay accepted', () => {
  it("S3db takes s3db.js's executorPool names that only its own pool reads (retryableErrors, monitoring, autotune.targetMemoryPercent, ...)", () => {
    const db = new S3db({
      connectionString: 'memory://opts19-table/pool',
      executorPool: { concurrency: 7, retryableErrors: ['SlowDown'], retryStrategy: { jitter: true }, queue: { agingMs: 250 }, monitoring: { enabled: true }, autotune: { enabled: true, maxConcurrency: 20, targetMemoryPercent: 0.7, adjustmentInterval: 5000 } },
    } as never);
    expect(db.executorPool.concurrency).toBe(7);
  });

  it("TasksPool and TasksRunner take the same s3db.js pool names; a misspelt name still fails", async () => {
    const s3dbOnly = { retryableErrors: ['SlowDown'], monitoring: { enabled: true }, autoTuning: { enabled: false } };
    const pool = new TasksPool({ concurrency: 3, ...s3dbOnly } as never);
    expect(pool.concurrency).toBe(3);
    await pool.stop?.();
    const runner = new TasksRunner({ concurrency: 2, ...s3dbOnly } as never);
    expect(runner.concurrency).toBe(2);
    expectUnknownOption(await caught(() => new TasksPool({ monitoring: {}, concurency: 2 } as never)), { where: 'TasksPool', option: 'concurency', closest: 'concurrency' });
  });
});

describe('options of calls on an open queue, database or resource', () => {
  it('event-queue calls: streamEvents, paginated reads, bulk operations, job calls; nothing written', async () => {
    const dir = fresh('calls');
    const queue = initQueue({ dbName: join(dir, 'q.sqlite') });
    try {
      queue.store({ cmd: 'noted', data: { n: 1 } });
      const before = queue.getByCmdPaginated('noted');
      expectUnknownOption(await caught(() => queue.streamEvents({ batchSze: 2 } as never)), { where: 'streamEvents', option: 'batchSze', closest: 'batchSize' });
      expectUnknownOption(await caught(() => queue.getByCmdPaginated('noted', { limt: 1 } as never)), { where: 'paginated read', option: 'limt', closest: 'limit' });
      const bulk = new BulkOperations(queue);
      const out = join(dir, 'out.jsonl');
      expectUnknownOption(await caught(() => bulk.exportToJSONL(out, { batchSze: 1 } as never)), { where: 'exportToJSONL', option: 'batchSze', closest: 'batchSize' });
      expectUnknownOption(await caught(() => bulk.exportToCSV(out, { startID: 1 } as never)), { where: 'exportToCSV', option: 'startID', closest: 'startId' });
      expect(existsSync(out)).toBe(false);
      expectUnknownOption(await caught(() => bulk.importFromJSONL(out, { preserveId: true } as never)), { where: 'importFromJSONL', option: 'preserveId', closest: 'preserveIds' });
      expectUnknownOption(await caught(() => bulk.getProcessingStats({ startid: 1 } as never)), { where: 'getProcessingStats', option: 'startid', closest: 'startId' });
      expectUnknownOption(await caught(() => bulk.batchProcess(() => {}, { paralel: true } as never)), { where: 'batchProcess', option: 'paralel', closest: 'parallel' });
      expectUnknownOption(await caught(() => bulk.migrateEvents((e) => e, { dryrun: true } as never)), { where: 'migrateEvents', option: 'dryrun', closest: 'dryRun' });
      expect(queue.getByCmdPaginated('noted')).toEqual(before);

      const jobs = new BackgroundJobQueue({ queue });
      const stats = jobs.getQueueStats();
      expectUnknownOption(await caught(() => jobs.add('mail', {}, { prority: 1 } as never)), { where: 'add', option: 'prority', closest: 'priority' });
      expectUnknownOption(await caught(() => jobs.addJob('mail', {}, { maxAttempt: 1 } as never)), { where: 'addJob', option: 'maxAttempt', closest: 'maxAttempts' });
      expectUnknownOption(await caught(() => jobs.registerWorker('mail', () => {}, { retryAttempt: 1 } as never)), { where: 'registerWorker', option: 'retryAttempt', closest: 'retryAttempts' });
      expectUnknownOption(await caught(() => jobs.scheduleRecurringJob('tick', {}, { evry: 1000 } as never)), { where: 'scheduleRecurringJob', option: 'evry', closest: 'every' });
      const processor = new EventJobProcessor(queue, jobs);
      expectUnknownOption(await caught(() => processor.onEvent('noted', 'mail', undefined, { dealy: 5 } as never)), { where: 'onEvent', option: 'dealy', closest: 'delay' });
      expect(jobs.getQueueStats()).toEqual(stats);
      await jobs.close();
    } finally {
      queue.close();
    }
  });

  it('openQueue store calls (modelSetup, streamEvents) on SQLite; nothing written', async () => {
    const file = join(fresh('open-calls'), 'q.sqlite');
    mkdirSync(dirname(file), { recursive: true });
    const store = await openQueue({ connectionString: `sqlite://${file}` });
    try {
      expectUnknownOption(await caught(() => store.modelSetup({ tabels: () => {} } as never)), { where: 'modelSetup', option: 'tabels', closest: 'tables' });
      expectUnknownOption(await caught(() => store.streamEvents({ batchSze: 2 } as never)), { where: 'streamEvents', option: 'batchSze', closest: 'batchSize' });
      // Checked before the consumer table is created: nothing written.
      expectUnknownOption(await caught(() => store.subscribe('mailer', { batchSise: 2 } as never, () => {})), { where: 'subscribe', option: 'batchSise', closest: 'batchSize' });
      expectUnknownOption(await caught(() => store.subscribe('mailer', { pollIntervalMS: 50 } as never, () => {})), { where: 'subscribe', option: 'pollIntervalMS', closest: 'pollIntervalMs' });
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 's3lite_consumers'").all()).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('createResource and resource.page on a file:// database; nothing written', async () => {
    const dir = fresh('db');
    const db = new S3db({ connectionString: `file://${dir}`, logLevel: 'silent' });
    await db.connect();
    try {
      const files = filesUnder(dir);
      expectUnknownOption(await caught(() => db.createResource({ name: 'users', attributes: { name: 'string' }, timestamp: true } as never)), {
        where: 'createResource',
        option: 'timestamp',
        closest: 'timestamps',
      });
      expect(filesUnder(dir)).toEqual(files);
      const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
      const written = filesUnder(dir);
      expectUnknownOption(await caught(() => users.page({ sise: 1 } as never)), { where: 'page', option: 'sise', closest: 'size' });
      expect(filesUnder(dir)).toEqual(written);
    } finally {
      await db.disconnect();
    }
  });
});

/** One row per Resource method taking an options object (and setContent's input). */
function resourceRows(r: Resource): Row[] {
  const row = (where: string, option: string, closest: string, run: () => unknown): Row => ({ where, option, closest, run });
  const any = r as unknown as Record<string, (...args: unknown[]) => unknown>;
  const call = (method: string, ...args: unknown[]) => () => (any[method] as (...a: unknown[]) => unknown).apply(r, args);
  return [
    // reads
    row('get', 'priorty', 'priority', call('get', 'a', { priorty: 1 })),
    row('getMany', 'signl', 'signal', call('getMany', ['a'], { signl: undefined })),
    row('getAll', 'priorty', 'priority', call('getAll', { priorty: 1 })),
    row('exists', 'priorty', 'priority', call('exists', 'a', { priorty: 1 })),
    row('getEtag', 'priorty', 'priority', call('getEtag', 'a', { priorty: 1 })),
    row('list', 'limt', 'limit', call('list', { limt: 2 })),
    row('listIds', 'ofset', 'offset', call('listIds', { ofset: 1 })),
    row('listPartition', 'partitionValue', 'partitionValues', call('listPartition', { partition: 'byName', partitionValue: { name: 'x' } })),
    row('query', 'limti', 'limit', call('query', { name: 'x' }, { limti: 1 })),
    row('count', 'partitionValue', 'partitionValues', call('count', { partition: 'byName', partitionValue: { name: 'x' } })),
    row('page', 'sise', 'size', call('page', { sise: 1 })),
    row('stream', 'readAhed', 'readAhead', call('stream', { readAhed: 2 })),
    row('readable', 'batchSise', 'batchSize', call('readable', { batchSise: 2 })),
    row('getFromPartition', 'priorty', 'priority', call('getFromPartition', { id: 'a', partitionName: 'byName', partitionValues: { name: 'first' } }, { priorty: 1 })),
    // writes
    row('insert', 'priorty', 'priority', call('insert', { name: 'new' }, { priorty: 1 })),
    row('insertMany', 'priorty', 'priority', call('insertMany', [{ name: 'new' }], { priorty: 1 })),
    row('update', 'signl', 'signal', call('update', 'a', { name: 'changed' }, { signl: undefined })),
    row('patch', 'partitionValue', 'partitionValues', call('patch', 'a', { name: 'changed' }, { partitionValue: {} })),
    row('replace', 'priorty', 'priority', call('replace', 'a', { name: 'changed' }, { priorty: 1 })),
    row('upsert', 'priorty', 'priority', call('upsert', { id: 'a', name: 'changed' }, { priorty: 1 })),
    row('upsert', 'priorty', 'priority', call('upsert', 'a', { name: 'changed' }, { priorty: 1 })),
    row('updateConditional', 'ifMath', 'ifMatch', call('updateConditional', 'a', { name: 'changed' }, { ifMath: '"x"' })),
    row('delete', 'priorty', 'priority', call('delete', 'a', { priorty: 1 })),
    row('deleteMany', 'priorty', 'priority', call('deleteMany', ['a'], { priorty: 1 })),
    row('deleteAll', 'priorty', 'priority', call('deleteAll', { priorty: 1 })),
    row('deleteAllData', 'priorty', 'priority', call('deleteAllData', { priorty: 1 })),
    row('writable', 'concurency', 'concurrency', () => {
      const sink = (r.writable as (o: unknown) => Writable)({ concurency: 2 });
      sink.write({ name: 'streamed' });
    }),
    // content, history, sequences, partition tools
    row('setContent', 'priorty', 'priority', call('setContent', { id: 'a', buffer: 'x' }, { priorty: 1 })),
    row('setContent input', 'bufer', 'buffer', call('setContent', { id: 'a', bufer: 'x' })),
    row('content', 'priorty', 'priority', call('content', 'a', { priorty: 1 })),
    row('hasContent', 'priorty', 'priority', call('hasContent', 'a', { priorty: 1 })),
    row('deleteContent', 'priorty', 'priority', call('deleteContent', 'a', { priorty: 1 })),
    row('getHistory', 'priorty', 'priority', call('getHistory', 'a', { priorty: 1 })),
    row('getSequenceValue', 'priorty', 'priority', call('getSequenceValue', 'id', { priorty: 1 })),
    row('resetSequence', 'priorty', 'priority', call('resetSequence', 'id', 5, { priorty: 1 })),
    row('listSequences', 'priorty', 'priority', call('listSequences', { priorty: 1 })),
    row('reserveIdBatch', 'priorty', 'priority', call('reserveIdBatch', 10, { priorty: 1 })),
    row('verifyPartitions', 'partiton', 'partition', call('verifyPartitions', { partiton: 'byName' })),
    row('rebuildPartitions', 'partiton', 'partition', call('rebuildPartitions', { partiton: 'byName' })),
  ];
}

describe('resource methods: a misspelt option or a bad value fails before any request; s3db.js names still run', () => {
  async function openUsers(dir: string): Promise<{ db: S3db; users: Resource }> {
    const db = new S3db({ connectionString: `file://${dir}`, logLevel: 'silent' });
    await db.connect();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' }, partitions: { byName: { fields: { name: 'string' } } }, versioningEnabled: true, asyncPartitions: false });
    await users.insert({ id: 'a', name: 'first' });
    return { db, users: users as unknown as Resource };
  }

  it('every method taking options: the typed error naming the method and the closest name; nothing written', async () => {
    const dir = fresh('resource-calls');
    const { db, users } = await openUsers(dir);
    try {
      const files = filesUnder(dir);
      const before = await users.get('a');
      for (const row of resourceRows(users)) {
        expectUnknownOption(await caught(row.run), row);
        expect(filesUnder(dir), `${row.where} wrote`).toEqual(files);
      }
      expect(await users.get('a')).toEqual(before);
      expect(await users.count()).toBe(1);
    } finally {
      await db.disconnect();
    }
  });

  it('bad values: negative or fractional limit/offset, a non-finite priority, a signal that is not an AbortSignal, null options', async () => {
    const dir = fresh('resource-values');
    const { db, users } = await openUsers(dir);
    try {
      const files = filesUnder(dir);
      const cases: [string, () => unknown][] = [
        ['limit', () => users.list({ limit: -1 })],
        ['limit', () => users.listIds({ limit: 1.5 })],
        ['offset', () => users.query({ name: 'first' }, { offset: -2 })],
        ['limit', () => users.list({ partition: 'byName', partitionValues: { name: 'first' }, limit: -3 })],
        ['priority', () => users.get('a', { priority: Number.NaN })],
        ['priority', () => users.insert({ name: 'x' }, { priority: '1' as never })],
        ['signal', () => users.update('a', { name: 'y' }, { signal: {} as never })],
        ['readAhead', () => users.stream({ readAhead: 0 })],
        ['partition', () => users.count({ partition: 5 as never })],
        ['partitionValues', () => users.list({ partition: 'byName', partitionValues: 'first' as never })],
        ['options', () => users.list(null as never)],
        ['options', () => users.delete('a', 'fast' as never)],
      ];
      for (const [field, run] of cases) {
        const error = await caught(run);
        expect(error, field).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).message).toMatch(new RegExp(`^Expected \`${field}\` to be `));
        expect((error as ValidationError).errors).toEqual([expect.objectContaining({ field })]);
      }
      expect(filesUnder(dir)).toEqual(files);
    } finally {
      await db.disconnect();
    }
  });

  it("a method with a user's useMiddleware takes options the middleware reads (s3db.js's insert(data, { user })); values of ours are still checked, other methods still strict", async () => {
    const db = new S3db({ connectionString: `memory://opts-middleware-${Date.now()}/db`, logLevel: 'silent' });
    await db.connect();
    try {
      const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
      const seenBy: unknown[] = [];
      users.useMiddleware('insert', async (ctx, next) => {
        const options = ctx.args[1] as { user?: string } | undefined;
        if (options?.user !== 'admin') throw new Error('only admin inserts');
        seenBy.push(options.user);
        return next();
      });
      expect((await users.insert({ id: 'a', name: 'x' }, { user: 'admin' } as never)).id).toBe('a');
      expect(seenBy).toEqual(['admin']);
      await expect(users.insert({ id: 'b', name: 'y' }, { user: 'guest' } as never)).rejects.toThrow(/only admin/);
      await expect(users.insert({ id: 'c', name: 'y' }, { user: 'admin', priority: 'high' } as never)).rejects.toThrow(/Expected `priority` to be/);
      await expect(users.get('a', { user: 'admin' } as never)).rejects.toThrow(/Unknown get option `user`/);
      expect(await users.listIds()).toEqual(['a']);
    } finally {
      await db.disconnect();
    }
  });

  it("s3db.js's documented option names run", async () => {
    const db = new S3db({ connectionString: `memory://opts-s3db-names-${Date.now()}/db`, logLevel: 'silent' });
    await db.connect();
    try {
      const users = await db.createResource({ name: 'users', attributes: { name: 'string' }, partitions: { byName: { fields: { name: 'string' } } }, asyncPartitions: false });
      await users.insertMany([{ id: 'a', name: 'x' }, { id: 'b', name: 'x' }, { id: 'c', name: 'y' }]);
      const byX = { partition: 'byName', partitionValues: { name: 'x' } };
      expect((await users.list({ ...byX, limit: 1, offset: 1 })).map((d) => d.id)).toEqual(['b']);
      expect(await users.listIds({ ...byX, limit: 10, offset: 0 })).toEqual(['a', 'b']);
      expect(await users.count(byX)).toBe(2);
      expect((await users.page({ ...byX, offset: 0, size: 1, skipCount: false })).totalItems).toBe(2);
      expect((await users.query({ name: 'x' }, { ...byX, limit: 1, offset: 0 })).map((d) => d.id)).toEqual(['a']);
      expect((await users.patch('c', { name: 'z' }, { partition: 'byName', partitionValues: { name: 'y' } })).name).toBe('z');
      expect((await users.replace('c', { name: 'w' }, { partition: 'byName', partitionValues: { name: 'z' } })).name).toBe('w');
      const etag = (await users.getEtag('a')) as string;
      expect((await users.updateConditional('a', { name: 'v' }, { ifMatch: etag })).success).toBe(true);
      const seen: string[] = [];
      for await (const doc of users.readable({ batchSize: 2, concurrency: 2 })) seen.push((doc as { id: string }).id);
      expect(seen).toEqual(['a', 'b', 'c']);
      const sink = users.writable({ batchSize: 5, concurrency: 2 });
      await new Promise<void>((resolve, reject) => {
        sink.on('error', reject).on('finish', resolve);
        sink.end({ id: 'd', name: 'streamed' });
      });
      expect(await users.exists('d')).toBe(true);
    } finally {
      await db.disconnect();
    }
  });
});
