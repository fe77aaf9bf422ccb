/**
 * Shared fixtures of the docs tests: a request-counting store (a real
 * ObjectStore wrapping a real one) and databases on each backend.
 */
import { inject, onTestFinished } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { S3db, type S3dbOptions } from '../../src/docs/index.js';
import { createClient } from '../../src/storage/index.js';
import type {
  CopyObjectInput,
  DeleteObjectsInput,
  KeyInput,
  ListAllInput,
  ListObjectsInput,
  ListedObject,
  ObjectStore,
  PutObjectInput,
  RequestOptions,
} from '../../src/storage/object-store.js';
import { rgwConnectionString } from '../helpers/rgw.js';
import { s3rverConnectionString } from '../helpers/s3rver.js';

/** memory:// and file:// run in-process; s3rver and Ceph RGW ('rgw') are the servers test/global-setup.ts starts. */
export type Backend = 'memory' | 'file' | 's3rver' | 'rgw';

/**
 * Why `backend` cannot run here (print it and skip the row), or undefined.
 * Only RGW can be missing, and never under CI=true: the setup fails there instead.
 */
export function backendSkipReason(backend: Backend): string | undefined {
  if (backend !== 'rgw' || inject('rgwEndpoint') !== '') return undefined;
  return inject('rgwSkipReason');
}

/** Counts every request made through it, by method, then forwards to the wrapped store. */
export class CountingStore implements ObjectStore {
  readonly counts: Record<string, number> = {};
  readonly log: { method: string; key?: string; ifMatch?: string; ifNoneMatch?: string }[] = [];
  constructor(readonly inner: ObjectStore) {}

  get kind() {
    return this.inner.kind;
  }
  get description() {
    return this.inner.description;
  }
  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
  reset(): void {
    for (const k of Object.keys(this.counts)) delete this.counts[k];
    this.log.length = 0;
  }
  #count(method: string, input?: { key?: string; ifMatch?: string; ifNoneMatch?: string }) {
    this.counts[method] = (this.counts[method] ?? 0) + 1;
    const entry: (typeof this.log)[number] = { method };
    if (input?.key !== undefined) entry.key = input.key;
    if (input?.ifMatch !== undefined) entry.ifMatch = input.ifMatch;
    if (input?.ifNoneMatch !== undefined) entry.ifNoneMatch = input.ifNoneMatch;
    this.log.push(entry);
  }
  putObject(input: PutObjectInput) {
    this.#count('putObject', input);
    return this.inner.putObject(input);
  }
  getObject(input: KeyInput) {
    this.#count('getObject', input);
    return this.inner.getObject(input);
  }
  headObject(input: KeyInput) {
    this.#count('headObject', input);
    return this.inner.headObject(input);
  }
  deleteObject(input: KeyInput) {
    this.#count('deleteObject', input);
    return this.inner.deleteObject(input);
  }
  deleteObjects(input: DeleteObjectsInput) {
    this.#count('deleteObjects');
    return this.inner.deleteObjects(input);
  }
  copyObject(input: CopyObjectInput) {
    this.#count('copyObject');
    return this.inner.copyObject(input);
  }
  listObjects(input?: ListObjectsInput) {
    this.#count('listObjects');
    return this.inner.listObjects(input);
  }
  listAll(input?: ListAllInput): AsyncIterable<ListedObject> {
    this.#count('listAll');
    return this.inner.listAll(input);
  }
  probeCapabilities(options?: RequestOptions) {
    this.#count('probeCapabilities');
    return this.inner.probeCapabilities(options);
  }
  clear(options?: RequestOptions) {
    return this.inner.clear(options);
  }
  close() {
    return this.inner.close();
  }
}

export interface TestDb {
  db: S3db;
  store: CountingStore;
  connectionString: string;
  /** Opens a second database (another "process") on the same storage. */
  reopen(options?: Partial<S3dbOptions>): Promise<S3db>;
  cleanup(): Promise<void>;
}

/** A connected database on `backend`, reached through a CountingStore. */
export async function openTestDb(backend: Backend, options: Partial<S3dbOptions> = {}): Promise<TestDb> {
  let connectionString: string;
  let dir: string | undefined;
  if (backend === 'memory') connectionString = `memory://docs-${randomBytes(6).toString('hex')}/db`;
  else if (backend === 'file') {
    dir = mkdtempSync(join(tmpdir(), 's3lite-docs-'));
    connectionString = `file://${dir}`;
  } else if (backend === 'rgw') connectionString = await rgwConnectionString('db');
  else connectionString = await s3rverConnectionString('db');

  const opened: S3db[] = [];
  const stores: CountingStore[] = [];
  const open = async (extra: Partial<S3dbOptions>) => {
    const inner = createClient(connectionString, { logger: { warn: () => undefined } });
    const store = new CountingStore(inner);
    const db = new S3db({ client: store, logLevel: 'silent', executorPool: { concurrency: 20, retryDelay: 5 }, ...options, ...extra });
    await db.connect();
    opened.push(db);
    stores.push(store);
    return { db, store };
  };
  const { db, store } = await open({});
  return {
    db,
    store,
    connectionString,
    reopen: async (extra = {}) => (await open(extra)).db,
    async cleanup() {
      for (const d of opened) await d.disconnect();
      if (backend === 'memory') await stores[0]?.clear();
      for (const s of stores) await s.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The backends every s3db.js compatibility test runs on (in-process: no service to wait for). */
export const COMPAT_BACKENDS: readonly Backend[] = ['memory', 'file'];

export interface CompatDb extends TestDb {
  /**
   * Another database on the same storage, built as s3db.js users build one: `new S3db({ connectionString,
   * ...options })`, default options, not connected. Disconnected when the test finishes.
   */
  create(options?: Omit<S3dbOptions, 'connectionString' | 'client'>): S3db;
}

/**
 * The database of one s3db.js compatibility test on `backend` (openTestDb), disconnected and its storage
 * removed when the test finishes, passed or failed. Call it inside a test.
 */
export async function openCompatDb(backend: Backend, options: Partial<S3dbOptions> = {}): Promise<CompatDb> {
  const t = await openTestDb(backend, options);
  const created: S3db[] = [];
  onTestFinished(async () => {
    for (const db of created) await db.disconnect();
    await t.cleanup();
  });
  return {
    ...t,
    create(extra = {}) {
      const db = new S3db({ connectionString: t.connectionString, ...extra });
      created.push(db);
      return db;
    },
  };
}

export interface DbProcess {
  /** Resolves once the process prints READY. */
  ready: Promise<void>;
  /** Its standard output once it exits with 0; rejects with its standard error otherwise. */
  done: Promise<string>;
  kill(): void;
}

/** Another Node process running the module `code`, with `S3db` imported from the sources. */
export function dbProcess(code: string): DbProcess {
  const source = `import { S3db } from ${JSON.stringify(resolve('src/docs/index.ts'))};\n${code}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('READY')) onReady();
  });
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<string>((ok, fail) => proc.on('exit', (code, signal) => (code === 0 ? ok(out) : fail(new Error(`child exited ${code ?? signal}: ${err}`)))));
  return { ready, done, kill: () => proc.kill('SIGKILL') };
}
