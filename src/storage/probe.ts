/**
 * The capability probe of the local stores (memory://, file://): it tries the
 * rules on a throw-away key under the store's prefix instead of trusting the
 * backend's name. S3 servers differ in more ways and have their own probe
 * (s3-probe.ts).
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, MetadataLimitError } from '../core/errors.js';
import { METADATA_LIMIT_BYTES, type ObjectStore, type RequestOptions, type StoreCapabilities } from './object-store.js';

export async function probeCapabilities(store: ObjectStore, options: RequestOptions = {}): Promise<StoreCapabilities> {
  const key = `.s3lite-probe-${randomBytes(8).toString('hex')}`;
  const signal = options.signal;
  try {
    await store.putObject({ key, body: 'probe', ifNoneMatch: '*', signal });
    let conditionalWrites = false;
    try {
      await store.putObject({ key, body: 'probe again', ifNoneMatch: '*', signal });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      conditionalWrites = true;
    }
    let metadataLimit = false;
    try {
      // One byte over: key "x" (1) + value (2048) = 2049.
      await store.putObject({ key, body: '', metadata: { x: 'a'.repeat(METADATA_LIMIT_BYTES) }, signal });
    } catch (err) {
      if (!(err instanceof MetadataLimitError)) throw err;
      metadataLimit = true;
    }
    let conditionalDeletes = false;
    try {
      await store.deleteObject({ key, ifMatch: '"00000000000000000000000000000000"', signal });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      conditionalDeletes = true;
    }
    return { conditionalWrites, conditionalDeletes, metadataLimit };
  } finally {
    await store.deleteObject({ key }).catch(() => undefined);
  }
}
