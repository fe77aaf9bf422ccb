import { join } from 'node:path';
import { writeFileSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, ValidationError } from '../../../src/core/errors.js';
import { initQueue, modelSetup, type EventQueue } from '../../../src/events/index.js';
import { BackgroundJobQueue, BulkOperations, EventJobProcessor } from '../../../src/events/operations/index.js';
import { makeTempDir, waitFor } from './helpers.js';

let dir: string;
let cleanup: () => void;
const queues: EventQueue[] = [];
const jobQueues: BackgroundJobQueue[] = [];

function eventQueue(name = 'events'): EventQueue {
  const q = initQueue({ dbName: join(dir, `${name}.sqlite`) });
  queues.push(q);
  return q;
}

function linkedJobs(q: EventQueue): { jobs: BackgroundJobQueue; processor: EventJobProcessor } {
  const jobs = new BackgroundJobQueue({ pollInterval: 20 });
  jobQueues.push(jobs);
  return { jobs, processor: new EventJobProcessor(q, jobs) };
}

function jobRows(q: EventQueue): { name: string; data: string; idempotency_key: string }[] {
  return q.db.prepare('SELECT name, data, idempotency_key FROM s3lite_jobs ORDER BY id').all() as never;
}

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});

afterEach(async () => {
  await Promise.all(jobQueues.splice(0).map((jobs) => jobs.close({ drain: false })));
  for (const q of queues.splice(0)) q.close();
  cleanup();
});

describe('EventJobProcessor', () => {
  it("runs the seed's example as written (original: createEventCallback read the wrong field and never enqueued)", async () => {
    const q = eventQueue();
    const sent: { recipient: string; message: string }[] = [];
    const sendEmail = async (recipient: string, message: string) => {
      sent.push({ recipient, message });
    };

    const jobQueue = new BackgroundJobQueue();
    jobQueues.push(jobQueue);
    const eventJobProcessor = new EventJobProcessor(q, jobQueue);
    jobQueue.registerWorker('sendEmail', async (data) => {
      await sendEmail(data.recipient, data.message);
    });
    eventJobProcessor.onEvent<{ email: string }>('userRegistered', 'sendEmail', (eventRow) => ({
      recipient: eventRow.data.email,
      message: 'Welcome!',
    }));

    jobQueue.start();
    q.store({ cmd: 'userRegistered', data: { email: 'ann@example.com' } });
    q.store({ cmd: 'somethingElse', data: {} });
    await waitFor(() => sent.length === 1, 'the welcome email');
    expect(sent).toEqual([{ recipient: 'ann@example.com', message: 'Welcome!' }]);
    // The jobs live in the event store's own file: one transaction covers both.
    expect(jobRows(q)).toEqual([{ name: 'sendEmail', data: '{"recipient":"ann@example.com","message":"Welcome!"}', idempotency_key: 'event:1:sendEmail' }]);
  });

  it('enqueues in the event transaction: store, storeAsync and storeBulk add jobs; rolled-back events add none', async () => {
    const q = eventQueue();
    const { processor } = linkedJobs(q);
    processor.onEvent<{ order: number }>('paid', 'receipt', (row) => ({ order: row.data.order }));
    processor.onEvent('boom', 'never', () => {
      throw new Error('mapper failed');
    });

    q.store({ cmd: 'paid', data: { order: 1 } });
    await Promise.all([q.storeAsync({ cmd: 'paid', data: { order: 2 } }), q.storeAsync({ cmd: 'paid', data: { order: 3 } })]);
    q.storeBulk([{ cmd: 'paid', data: { order: 4 } }, { cmd: 'paid', data: { order: 5 } }]);
    expect(jobRows(q).map((j) => JSON.parse(j.data) as unknown)).toEqual([1, 2, 3, 4, 5].map((order) => ({ order })));

    // A bulk that fails on its third event rolls back the first two events and their jobs.
    expect(() => q.storeBulk([{ cmd: 'paid', data: { order: 6 } }, { cmd: 'paid', data: { order: 7 } }, { cmd: 'boom', data: {} }])).toThrow();
    // A model that rejects the event rolls back its job too.
    const model = modelSetup({
      dbName: join(dir, 'events.sqlite'),
      methods: () => ({
        paid() {
          throw new Error('model rejects');
        },
      }),
      error: () => undefined,
    });
    expect(() => q.store({ cmd: 'paid', data: { order: 8 } }, model)).toThrow();
    expect(jobRows(q)).toHaveLength(5);
    expect(q.db.prepare('SELECT count(*) FROM queue').pluck().get()).toBe(5);
  });

  it('enqueues once per event across replay and re-import', async () => {
    const source = eventQueue('source');
    const { processor } = linkedJobs(source);
    processor.onEvent('paid', 'receipt');
    source.storeBulk(Array.from({ length: 30 }, (_, i) => ({ cmd: i % 3 ? 'paid' : 'viewed', data: { i } })));
    expect(jobRows(source)).toHaveLength(20);

    // Replay re-applies events to a model; it stores nothing and enqueues nothing.
    const model = modelSetup({ stub: true, default: () => undefined });
    source.cycleThrough(model);
    expect(jobRows(source)).toHaveLength(20);

    // Importing the export: each imported event enqueues its job once, in the import transaction.
    const file = join(dir, 'events.jsonl');
    await new BulkOperations(source).exportToJSONL(file);
    const target = eventQueue('target');
    const { processor: targetProcessor } = linkedJobs(target);
    let mapped = 0;
    targetProcessor.onEvent('paid', 'receipt', (row) => {
      mapped += 1;
      return row.data;
    });
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [...lines.slice(0, 15), '{"id":"bad"}', ...lines.slice(15)].join('\n'));
    // A non-atomic import stops at the bad line; resuming after it must not enqueue the first part again.
    await expect(new BulkOperations(target).importFromJSONL(file, { atomic: false, batchSize: 4 })).rejects.toThrow(/Line 16/);
    const firstPart = jobRows(target).length;
    expect(firstPart).toBe(10);
    await new BulkOperations(target).importFromJSONL(file, { atomic: false, fromLine: 17 });
    expect(mapped).toBe(20);
    // Importing the same lines again skips them (identical rows) and does not even run the rule:
    // atomically, and non-atomically (which stops again at the bad line 16, having skipped 1-15).
    expect(await new BulkOperations(target).importFromJSONL(file, { fromLine: 17 })).toMatchObject({ imported: 0, skipped: 15 });
    await expect(new BulkOperations(target).importFromJSONL(file, { atomic: false, batchSize: 4 })).rejects.toMatchObject({
      details: { line: 16, imported: 0, skipped: 15 },
    });
    expect(mapped).toBe(20);
    expect(jobRows(target).map((j) => j.idempotency_key)).toEqual(jobRows(source).map((j) => j.idempotency_key));
  });

  it('an import overlapping the store enqueues jobs for the new events only (skipped lines run no rule)', async () => {
    const source = eventQueue('source');
    source.storeBulk(Array.from({ length: 12 }, (_, i) => ({ cmd: 'paid', data: { i } })));
    const file = join(dir, 'events.jsonl');
    await new BulkOperations(source).exportToJSONL(file);
    const target = eventQueue('target');
    const { processor } = linkedJobs(target);
    const seen: number[] = [];
    processor.onEvent('paid', 'receipt', (row) => {
      seen.push(row.id);
      return row.data;
    });
    writeFileSync(join(dir, 'first.jsonl'), readFileSync(file, 'utf8').split('\n').slice(0, 5).join('\n'));
    await new BulkOperations(target).importFromJSONL(join(dir, 'first.jsonl'));
    expect(await new BulkOperations(target).importFromJSONL(file, { batchSize: 4 })).toMatchObject({ imported: 7, skipped: 5 });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(jobRows(target).map((j) => j.idempotency_key)).toEqual(Array.from({ length: 12 }, (_, i) => `event:${i + 1}:receipt`));
  });

  it('a failed atomic import enqueues nothing', async () => {
    const q = eventQueue();
    const { processor } = linkedJobs(q);
    processor.onEvent('paid', 'receipt');
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, '{"id":1,"datetime":1,"cmd":"paid","data":{}}\n{"id":2,"datetime":1,"cmd":"paid","data":{}}\nnot json\n');
    await expect(new BulkOperations(q).importFromJSONL(file)).rejects.toThrow(/Line 3/);
    expect(jobRows(q)).toEqual([]);
    writeFileSync(file, '{"id":1,"datetime":1,"cmd":"paid","data":{}}\n{"id":2,"datetime":1,"cmd":"paid","data":{}}\n');
    await new BulkOperations(q).importFromJSONL(file);
    expect(jobRows(q).map((j) => j.idempotency_key)).toEqual(['event:1:receipt', 'event:2:receipt']);
  });

  it('refuses a job queue that keeps its jobs in another file (no single transaction possible)', () => {
    const q = eventQueue();
    const separate = new BackgroundJobQueue({ dbName: join(dir, 'jobs.sqlite') });
    jobQueues.push(separate);
    expect(() => new EventJobProcessor(q, separate)).toThrow(ConfigurationError);
    const used = new BackgroundJobQueue();
    jobQueues.push(used);
    const other = eventQueue('other');
    new EventJobProcessor(other, used);
    expect(() => new EventJobProcessor(q, used)).toThrow(ConfigurationError);
    const explicit = new BackgroundJobQueue({ queue: q });
    jobQueues.push(explicit);
    expect(() => new EventJobProcessor(q, explicit)).not.toThrow();
  });

  it("links a job queue opened with { dbName } naming the event queue's own file: one database, one transaction", () => {
    const q = eventQueue();
    const sameFile = new BackgroundJobQueue({ dbName: join(dir, 'events.sqlite') });
    jobQueues.push(sameFile);
    const processor = new EventJobProcessor(q, sameFile);
    processor.onEvent<{ n: number }>('paid', 'receipt', (row) => {
      if (row.data.n === 2) throw new Error('no receipt for 2');
      return row.data;
    }, { maxAttempts: 3, timeout: 2000 });
    q.store({ cmd: 'paid', data: { n: 1 } });
    expect(() => q.store({ cmd: 'paid', data: { n: 2 } })).toThrow(/no receipt for 2/);
    expect(jobRows(q)).toEqual([{ name: 'receipt', data: '{"n":1}', idempotency_key: 'event:1:receipt' }]);
    expect(sameFile.getJobStatus(1)).toMatchObject({ maxAttempts: 3, timeout: 2000 });
    expect(q.retrieveByID(2)).toBeUndefined();
  });

  it('checks onEvent options when the rule is added, not when an event is stored (which they would roll back)', () => {
    const q = eventQueue();
    const { processor } = linkedJobs(q);
    expect(() => processor.onEvent('paid', 'receipt', undefined, { dealy: 100 } as never)).toThrow(/Unknown onEvent option `dealy`; did you mean `delay`/);
    expect(() => processor.onEvent('paid', 'receipt', undefined, { priority: 1.5 })).toThrow(ValidationError);
    expect(() => processor.onEvent('paid', 'receipt', undefined, { maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => processor.onEvent('paid', 'receipt', undefined, { timeout: 1.5 })).toThrow(/timeout/);
    q.store({ cmd: 'paid', data: {} });
    expect(q.retrieveByID(1)?.cmd).toBe('paid');
    expect(jobRows(q)).toEqual([]);
  });
});
