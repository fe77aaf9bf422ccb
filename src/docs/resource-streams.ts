/**
 * Node streams over a resource, as s3db.js offers them: `readable()` yields
 * every document in id order (object mode, backpressure from the consumer,
 * bounded read-ahead); `writable()` inserts every object written to it,
 * `concurrency` at a time, and fails the stream on the first failed insert.
 */
import { Readable, Writable } from 'node:stream';
import { invalidOption } from '../core/options.js';
import type { Document } from './document-codec.js';

export interface ReadableOptions {
  /** Documents fetched ahead of the consumer. @default 64 */
  batchSize?: number;
  /** Alias of batchSize (s3db.js tunes both). */
  concurrency?: number;
}

export interface WritableOptions {
  /** Inserts in flight at once. @default 10 */
  concurrency?: number;
  /** Accepted for s3db.js code: inserts are not batched further. */
  batchSize?: number;
}

export function documentReadable(source: (readAhead: number) => AsyncIterable<Document>, options: ReadableOptions = {}): Readable {
  const readAhead = options.batchSize ?? options.concurrency ?? 64;
  if (!Number.isInteger(readAhead) || readAhead < 1) throw invalidOption('batchSize', 'a positive integer', readAhead);
  return Readable.from(source(readAhead), { objectMode: true, highWaterMark: readAhead });
}

export function documentWritable(insert: (doc: Record<string, unknown>) => Promise<unknown>, options: WritableOptions = {}): Writable {
  const concurrency = options.concurrency ?? 10;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw invalidOption('concurrency', 'a positive integer', concurrency);
  const inFlight = new Set<Promise<unknown>>();
  let failure: Error | undefined;
  const track = (doc: Record<string, unknown>) => {
    const p: Promise<unknown> = insert(doc)
      .catch((err: unknown) => {
        failure ??= err as Error;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  return new Writable({
    objectMode: true,
    highWaterMark: concurrency,
    write(doc: Record<string, unknown>, _encoding, callback) {
      if (failure) return callback(failure);
      track(doc);
      if (inFlight.size < concurrency) return callback();
      // Full: accept the next object once one insert settles (backpressure for the writer).
      void Promise.race(inFlight).then(() => callback(failure));
    },
    final(callback) {
      void Promise.all(inFlight).then(() => callback(failure));
    },
  });
}
