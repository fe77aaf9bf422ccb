/**
 * Fixtures of the partition tests: the stored reference keys of a resource,
 * and a store that fails chosen requests (a real ObjectStore around a real
 * one) to inject faults.
 */
import { randomBytes } from 'node:crypto';
import { StorageError } from '../../../src/core/errors.js';
import { S3db, type S3dbOptions } from '../../../src/docs/index.js';
import { createClient } from '../../../src/storage/index.js';
import type { DeleteObjectsInput, KeyInput, ObjectStore, PutObjectInput } from '../../../src/storage/object-store.js';
import { CountingStore } from '../helpers.js';

/** Every reference key of `resource`, read straight from storage (not counted). */
export async function referenceKeys(store: CountingStore | ObjectStore, resource: string, partition?: string): Promise<string[]> {
  const inner = store instanceof CountingStore ? store.inner : store;
  const keys: string[] = [];
  const prefix = `resource=${resource}/partition=${partition === undefined ? '' : `${partition}/`}`;
  for await (const object of inner.listAll({ prefix })) keys.push(object.key);
  return keys;
}

/** Every partition intent key of `resource`, read straight from `store`. */
export async function intentKeys(store: ObjectStore, resource = 'orders'): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.listAll({ prefix: `resource=${resource}/partition-intent/` })) keys.push(object.key);
  return keys;
}

export type Fault = (method: 'putObject' | 'deleteObject' | 'getObject', key: string) => boolean;

/** Fails (non-retryable StorageError, as a 403 would) every request for which `fault` returns true. */
export class FaultyStore extends CountingStore {
  fault: Fault = () => false;
  failures = 0;

  #check(method: 'putObject' | 'deleteObject' | 'getObject', key: string): void {
    if (this.fault(method, key)) {
      this.failures++;
      throw new StorageError(`injected fault: ${method} ${key}`, { retryable: false, statusCode: 403 });
    }
  }
  override async putObject(input: PutObjectInput) {
    this.#check('putObject', input.key);
    return super.putObject(input);
  }
  override async deleteObject(input: KeyInput) {
    this.#check('deleteObject', input.key);
    return super.deleteObject(input);
  }
  override async getObject(input: KeyInput) {
    this.#check('getObject', input.key);
    return super.getObject(input);
  }
  override deleteObjects(input: DeleteObjectsInput) {
    return super.deleteObjects(input);
  }
}

/** Holds every request on a partition reference until `release()` (to observe work that is still queued). */
export class GatedStore extends CountingStore {
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }
  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }
  override async putObject(input: PutObjectInput) {
    if (this.#gate && input.key.includes('/partition=')) await this.#gate;
    return super.putObject(input);
  }
  override async deleteObject(input: KeyInput) {
    if (this.#gate && input.key.includes('/partition=')) await this.#gate;
    return super.deleteObject(input);
  }
}

/** A connected database over `store` (memory:// inside), closed by the returned cleanup. */
export async function openOn<S extends CountingStore>(make: (inner: ObjectStore) => S, options: Partial<S3dbOptions> = {}): Promise<{ db: S3db; store: S; cleanup: () => Promise<void> }> {
  const inner = createClient(`memory://parts-${randomBytes(6).toString('hex')}/db`);
  const store = make(inner);
  const db = new S3db({ client: store, logLevel: 'silent', executorPool: { concurrency: 20, retryDelay: 5 }, ...options });
  await db.connect();
  return {
    db,
    store,
    async cleanup() {
      await db.disconnect();
      await inner.clear();
      await inner.close();
    },
  };
}
