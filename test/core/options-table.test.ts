/**
 * One row per public constructor and options-taking entry point: a misspelt
 * option is a ValidationError from the one option-validation module
 * (src/core/options.ts) that names the entry point, the option and the
 * closest known name, and nothing is written.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
    } finally {
      await store.close();
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
