import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../../src/core/errors.js';
import { initQueue, type EventQueue } from '../../../src/events/index.js';
import { BulkOperations } from '../../../src/events/operations/index.js';
import { makeTempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
const queues: EventQueue[] = [];

function queue(name: string): EventQueue {
  const q = initQueue({ dbName: join(dir, `${name}.sqlite`) });
  queues.push(q);
  return q;
}

function rows(q: EventQueue): unknown[] {
  return q.db.prepare('SELECT * FROM queue ORDER BY id').raw().all();
}

/** A log with every column in use, plus rows written outside s3lite (NULLs, non-canonical JSON). */
function seed(q: EventQueue): void {
  const first = q.store({ cmd: 'userRegistered', data: { email: 'ann@example.com', name: 'Änn 🚀' }, user: 'ann', ip: '10.0.0.1' });
  void first;
  q.store({
    cmd: 'profileUpdated',
    data: { bio: 'line\nbreak, "quotes"', tiny: 1e-7, big: 2 ** 53 - 1, nested: [null, { a: true }] },
    correlationId: 'corr-1',
    causationId: 1,
    metadata: { source: 'api', trace: 'x' },
    version: 2,
  });
  q.store({ cmd: 'orderPlaced', data: { total: 12.5 }, stream: 'order-1', expectedVersion: 0 });
  q.store({ cmd: 'orderPaid', data: {}, stream: 'order-1', expectedVersion: 1, causationId: 3 });
  q.db
    .prepare(
      `INSERT INTO queue (id, version, datetime, user, ip, cmd, data, correlation_id, causation_id, metadata, stream, stream_version)
       VALUES (10, NULL, 1700000000000, NULL, NULL, 'legacy', NULL, NULL, NULL, NULL, NULL, NULL),
              (11, 1, 1700000000001, 'bob', '', 'spaced', '{ "a" : 1 }', 'c', 10, '{"b": 2}', NULL, NULL)`,
    )
    .run();
  q.clearCache();
}

/** Exports `q` to a new file and returns its path. */
async function exportOf(q: EventQueue): Promise<string> {
  const file = join(dir, `export-${Math.random().toString(36).slice(2)}.jsonl`);
  await new BulkOperations(q).exportToJSONL(file);
  return file;
}

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});

afterEach(() => {
  for (const q of queues.splice(0)) q.close();
  cleanup();
});

describe('BulkOperations JSONL', () => {
  it('round trip is byte-identical and keeps ids, correlation, causation, datetime and metadata (original: lossy round trip renumbered ids and dropped them)', async () => {
    const source = queue('source');
    seed(source);
    const first = join(dir, 'first.jsonl');
    const second = join(dir, 'second.jsonl');
    expect(await new BulkOperations(source).exportToJSONL(first)).toEqual({ exported: 6, path: first });

    const target = queue('target');
    const imported = await new BulkOperations(target).importFromJSONL(first);
    expect(imported).toMatchObject({ imported: 6, skipped: 0, firstId: 1, lastId: 11 });
    await new BulkOperations(target).exportToJSONL(second);

    expect(readFileSync(second)).toEqual(readFileSync(first));
    expect(rows(target)).toEqual(rows(source));
    const [line2] = readFileSync(first, 'utf8').split('\n').slice(1, 2);
    expect(JSON.parse(line2 ?? '')).toMatchObject({ id: 2, correlation_id: 'corr-1', causation_id: 1, metadata: '{"source":"api","trace":"x"}', version: 2 });
    expect(target.retrieveByID(11)).toMatchObject({ causation_id: 10, correlation_id: 'c', data: { a: 1 }, metadata: { b: 2 } });
    // Stored text comes back as is, spacing included; SQL NULL stays NULL.
    expect(readFileSync(first, 'utf8')).toContain('"data":"{ \\"a\\" : 1 }"');
    expect(target.db.prepare('SELECT data, metadata, user FROM queue WHERE id = 10').raw().get()).toEqual([null, null, null]);

    // The JavaScript encoder (used with a function filter) writes the same bytes as SQLite's.
    const viaPredicate = join(dir, 'predicate.jsonl');
    await new BulkOperations(source).exportToJSONL(viaPredicate, { filter: () => true });
    expect(readFileSync(viaPredicate)).toEqual(readFileSync(first));
  });

  it('resolves the export only after the file is flushed and closed (original: resolved before the file was flushed)', async () => {
    const q = queue('events');
    q.storeBulk(Array.from({ length: 3000 }, (_, i) => ({ cmd: 'tick', data: { i, pad: 'x'.repeat(100) } })));
    const file = join(dir, 'out.jsonl');
    const result = await new BulkOperations(q).exportToJSONL(file);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(result.exported).toBe(3000);
    expect(lines).toHaveLength(3001);
    expect(lines[3000]).toBe('');
    expect(JSON.parse(lines[2999] ?? '')).toMatchObject({ id: 3000, data: JSON.stringify({ i: 2999, pad: 'x'.repeat(100) }) });
  });

  it('exports to a writable stream with backpressure, and selects by filter, startId and endId', async () => {
    const q = queue('events');
    q.storeBulk(Array.from({ length: 500 }, (_, i) => ({ cmd: i % 2 ? 'odd' : 'even', data: { i } })));
    const sink = new PassThrough({ highWaterMark: 1024 });
    let text = '';
    const reading = (async () => {
      for await (const chunk of sink) {
        text += String(chunk);
        await new Promise((resolve) => setImmediate(resolve)); // a slow reader
      }
    })();
    const result = await new BulkOperations(q).exportToJSONL(sink, { filter: { cmd: 'odd' }, startId: 101, endId: 200 });
    await reading;
    expect(result).toEqual({ exported: 50, path: '(stream)' });
    const ids = text.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id);
    expect(ids[0]).toBe(102);
    expect(ids.at(-1)).toBe(200);

    const byPredicate = join(dir, 'pred.jsonl');
    const picked = await new BulkOperations(q).exportToJSONL(byPredicate, { filter: (e) => (e.data as { i: number }).i % 100 === 0 });
    expect(picked.exported).toBe(5);
    await expect(new BulkOperations(q).exportToJSONL(byPredicate, { filter: { nope: 'x' } as never })).rejects.toThrow(ValidationError);
  });

  it('rejects an import with a corrupt line in the middle and imports nothing (original: errors thrown in a stream handler, the promise never rejected)', async () => {
    const source = queue('source');
    source.storeBulk(Array.from({ length: 2500 }, (_, i) => ({ cmd: 'tick', data: { i } })));
    const file = join(dir, 'events.jsonl');
    await new BulkOperations(source).exportToJSONL(file);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1499] = '{"id":1500,"cmd":"tick",'; // truncated JSON
    writeFileSync(file, lines.join('\n'));

    const target = queue('target');
    const failure = new BulkOperations(target).importFromJSONL(file, { batchSize: 500 });
    await expect(failure).rejects.toThrow(ValidationError);
    await expect(failure).rejects.toThrow(/^Line 1500: not valid JSON .*Nothing was imported/);
    expect(rows(target)).toEqual([]);
    // The staging scratch file is detached and deleted, on failure as on success.
    const attached = (target.db.pragma('database_list') as { name: string }[]).map((d) => d.name);
    expect(attached.filter((name) => name.startsWith('s3lite_import'))).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.includes('s3lite_import'))).toEqual([]);
  });

  it.each([
    ['{"id":"7","datetime":1,"cmd":"x"}', /Line 2: `id` must be a positive integer, got "7" \(string\)/],
    ['{"id":7,"datetime":"soon","cmd":""}', /Line 2: `cmd` must be a non-empty string/],
    ['{"id":7,"datetime":1,"cmd":"x","colour":"red"}', /Line 2: unknown key `colour`/],
    ['[1,2]', /Line 2: expected one JSON object per line, got an array/],
    ['{"id":1,"datetime":1,"cmd":"x"}', /Line 2: event id 1 appears twice in the file \(also on line 1\)/],
    ['{"id":7,"datetime":1,"cmd":"x","causation_id":1.5}', /Line 2: `causation_id` must be an integer or null/],
    ['{"id":7,"datetime":1,"cmd":"x","data":"not json"}', /Line 2: `data` must hold JSON text \(the column as stored\), got "not json"/],
  ])('names the line and the problem: %s', async (bad, message) => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `{"id":1,"datetime":1,"cmd":"x"}\n${bad}\n`);
    const target = queue('target');
    await expect(new BulkOperations(target).importFromJSONL(file)).rejects.toThrow(message);
    expect(rows(target)).toEqual([]);
  });

  it('finds a line whose data is not JSON text in the middle of a large batch', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: i + 1, datetime: 1, cmd: 'x', data: '{}' }));
    lines[122] = JSON.stringify({ id: 123, datetime: 1, cmd: 'x', data: '{"unclosed": ' });
    const file = join(dir, 'bad-data.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const target = queue('target');
    await expect(new BulkOperations(target).importFromJSONL(file)).rejects.toThrow(/^Line 123: `data` must hold JSON text/);
    expect(rows(target)).toEqual([]);
  });

  it('rejects ids stored with other content in a non-empty queue, or renumbers them with preserveIds: false and rewrites causation links', async () => {
    const source = queue('source');
    const root = source.store({ cmd: 'a', data: {}, correlationId: 'flow' }) as unknown;
    void root;
    source.store({ cmd: 'b', data: {}, correlationId: 'flow', causationId: 1 });
    source.store({ cmd: 'c', data: {}, correlationId: 'flow', causationId: 2 });
    const file = join(dir, 'events.jsonl');
    await new BulkOperations(source).exportToJSONL(file);

    const target = queue('target');
    target.storeBulk([{ cmd: 'x', data: {} }, { cmd: 'y', data: {} }]);
    const clash = new BulkOperations(target).importFromJSONL(file);
    await expect(clash).rejects.toThrow(ConflictError);
    await expect(clash).rejects.toThrow(/Line 1: event id 1 already exists in the event store with different content \((datetime, )?cmd, correlation_id differ\).*preserveIds: false/);
    expect(rows(target)).toHaveLength(2);

    const result = await new BulkOperations(target).importFromJSONL(file, { preserveIds: false });
    expect(result).toMatchObject({ imported: 3, firstId: 3, lastId: 5 });
    const imported = target.db.prepare('SELECT id, cmd, causation_id, correlation_id FROM queue WHERE id > 2 ORDER BY id').all();
    expect(imported).toEqual([
      { id: 3, cmd: 'a', causation_id: null, correlation_id: 'flow' },
      { id: 4, cmd: 'b', causation_id: 3, correlation_id: 'flow' },
      { id: 5, cmd: 'c', causation_id: 4, correlation_id: 'flow' },
    ]);
  });

  it("runs the seed's Bulk Operations example as written: export then import on one queue (the seed example must work as written)", async () => {
    const eventQueue = queue('events');
    seed(eventQueue);
    const before = rows(eventQueue);
    const home = process.cwd();
    process.chdir(dir); // the seed writes 'events.jsonl' relative to the working directory
    try {
      // The seed's three lines, literally:
      const bulkOps = new BulkOperations(eventQueue);
      await bulkOps.exportToJSONL('events.jsonl');
      await bulkOps.importFromJSONL('events.jsonl');

      // Every line was already there, identical: all skipped, nothing written or renumbered.
      expect(await bulkOps.importFromJSONL('events.jsonl')).toEqual({
        imported: 0, skipped: 6, lines: 6, firstId: null, lastId: null, path: 'events.jsonl',
      });
    } finally {
      process.chdir(home);
    }
    expect(rows(eventQueue)).toEqual(before);
  });

  it('imports only the new lines of a partially overlapping file (identical rows, stream positions included, are skipped)', async () => {
    const source = queue('source');
    source.store({ cmd: 'opened', data: { n: 0 }, correlationId: 'flow', stream: 'acct-1', expectedVersion: 0 });
    for (let i = 1; i < 10; i += 1) {
      source.store({ cmd: 'deposited', data: { n: i }, correlationId: 'flow', causationId: i, stream: 'acct-1', expectedVersion: i });
    }
    const full = join(dir, 'full.jsonl');
    await new BulkOperations(source).exportToJSONL(full);
    const partial = join(dir, 'partial.jsonl');
    writeFileSync(partial, readFileSync(full, 'utf8').split('\n').slice(0, 6).join('\n'));

    const target = queue('target');
    const bulk = new BulkOperations(target);
    expect(await bulk.importFromJSONL(partial)).toMatchObject({ imported: 6, skipped: 0, firstId: 1, lastId: 6 });
    expect(target.getTransactionCached('flow')).toHaveLength(6);
    const progress: unknown[] = [];
    const result = await bulk.importFromJSONL(full, { batchSize: 3, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ imported: 4, skipped: 6, lines: 10, firstId: 7, lastId: 10 });
    expect(progress.at(-1)).toEqual({ lines: 10, events: 10 });
    expect(rows(target)).toEqual(rows(source));
    // Rows were written, so cached reads were dropped: the correlation shows the new events.
    expect(target.getTransactionCached('flow')).toHaveLength(10);

    // A re-import that skips everything writes nothing and leaves the cache alone.
    const cached = target.getCacheStats().size;
    expect(cached).toBeGreaterThan(0);
    expect(await bulk.importFromJSONL(full)).toMatchObject({ imported: 0, skipped: 10, firstId: null, lastId: null });
    expect(target.getCacheStats().size).toBe(cached);
    // Non-atomic: the same rule, batch by batch.
    expect(await bulk.importFromJSONL(full, { atomic: false, batchSize: 4 })).toMatchObject({ imported: 0, skipped: 10, firstId: null });
    expect(rows(target)).toEqual(rows(source));
  });

  it('rejects atomically a line whose id is stored with different content, down to JSON spacing; preserveIds: false appends it as a new event', async () => {
    const source = queue('source');
    source.storeBulk(Array.from({ length: 8 }, (_, i) => ({ cmd: 'tick', data: { i } })));
    const file = join(dir, 'events.jsonl');
    await new BulkOperations(source).exportToJSONL(file);
    const target = queue('target');
    const bulk = new BulkOperations(target);
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(join(dir, 'first.jsonl'), lines.slice(0, 5).join('\n'));
    await bulk.importFromJSONL(join(dir, 'first.jsonl'));
    const before = rows(target);
    // Line 4 carries the same id and value as the stored event, spaced differently: not the same bytes.
    lines[3] = (lines[3] ?? '').replace('"{\\"i\\":3}"', '"{ \\"i\\": 3 }"');
    writeFileSync(file, lines.join('\n'));

    const error = (await bulk.importFromJSONL(file).catch((e: unknown) => e)) as ConflictError;
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toMatch(/^Line 4: event id 4 already exists in the event store with different content \(data differ\)\. Nothing was imported.*preserveIds: false/);
    expect(error.details).toEqual({ line: 4, id: 4, columns: ['data'] });
    expect(rows(target)).toEqual(before); // lines 6-8 are new but were not written either

    const batched = (await bulk.importFromJSONL(file, { atomic: false, batchSize: 2 }).catch((e: unknown) => e)) as ConflictError;
    expect(batched).toBeInstanceOf(ConflictError);
    expect(batched.details).toMatchObject({ line: 4, id: 4, columns: ['data'], imported: 0, skipped: 3, resumeFromLine: 4 });
    expect(rows(target)).toEqual(before);

    const renumbered = await bulk.importFromJSONL(file, { preserveIds: false });
    expect(renumbered).toMatchObject({ imported: 8, skipped: 0, firstId: 6, lastId: 13 });
    expect(target.db.prepare('SELECT data FROM queue WHERE id = 9').pluck().get()).toBe('{ "i": 3 }');
  });

  it('a stream position held by another event is a conflict, and a file repeating a stored line is still an error', async () => {
    const target = queue('target');
    target.store({ cmd: 'opened', data: {}, stream: 'acct-1', expectedVersion: 0 });
    const [stored] = readFileSync(await exportOf(target), 'utf8').split('\n');
    const bulk = new BulkOperations(target);
    const before = rows(target);
    const file = join(dir, 'stream.jsonl');
    const other = JSON.stringify({ ...JSON.parse(stored ?? ''), id: 2 });
    writeFileSync(file, `${stored}\n${other}\n`);
    const clash = bulk.importFromJSONL(file);
    await expect(clash).rejects.toThrow(ConflictError);
    await expect(clash).rejects.toThrow(/^Line 2: stream "acct-1" already has version 1 in the event store, held by another event/);
    await expect(bulk.importFromJSONL(file, { atomic: false })).rejects.toThrow(/^Line 2: stream "acct-1" already has version 1/);

    writeFileSync(file, `${stored}\n${stored}\n`);
    await expect(bulk.importFromJSONL(file)).rejects.toThrow(/^Line 2: event id 1 appears twice in the file \(also on line 1\)/);
    expect(rows(target)).toEqual(before);
  });

  it('commits per batch with atomic: false and resumes from the reported line', async () => {
    const source = queue('source');
    source.storeBulk(Array.from({ length: 1000 }, (_, i) => ({ cmd: 'tick', data: { i } })));
    const file = join(dir, 'events.jsonl');
    const original = join(dir, 'original.jsonl');
    await new BulkOperations(source).exportToJSONL(original);
    const lines = readFileSync(original, 'utf8').split('\n');
    const good = lines[649];
    lines[649] = '{"id":650,"datetime":1,"cmd":7}';
    writeFileSync(file, lines.join('\n'));

    const target = queue('target');
    const bulk = new BulkOperations(target);
    const error = (await bulk.importFromJSONL(file, { atomic: false, batchSize: 200 }).catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.details).toMatchObject({ line: 650, imported: 649, resumeFromLine: 650 });
    expect(error.message).toMatch(/Line 650: `cmd` must be a non-empty string.*649 event\(s\) before it were committed.*fromLine: 650/);
    expect(rows(target)).toHaveLength(649);

    lines[649] = good ?? '';
    writeFileSync(file, lines.join('\n'));
    const resumed = await bulk.importFromJSONL(file, { atomic: false, fromLine: 650, batchSize: 200 });
    expect(resumed).toMatchObject({ imported: 351, firstId: 650, lastId: 1000 });
    const again = join(dir, 'again.jsonl');
    await bulk.exportToJSONL(again);
    expect(readFileSync(again)).toEqual(readFileSync(original));
    await expect(bulk.importFromJSONL(file, { atomic: false, preserveIds: false })).rejects.toThrow(ValidationError);
  });

  it("exports to stdout with '-' and imports from stdin with '-'", () => {
    const file = join(dir, 'events.sqlite');
    const copy = join(dir, 'copy.sqlite');
    const src = fileURLToPath(new URL('../../../src/index.js', import.meta.url));
    const run = (code: string, input?: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { initQueue, BulkOperations } from ${JSON.stringify(src)};\n${code}`], {
        input,
        encoding: 'utf8',
      });
    const exported = run(
      `const q = initQueue({ dbName: ${JSON.stringify(file)} }); q.store({ cmd: 'a', data: { x: 1 } }); q.store({ cmd: 'b', data: {} });
       const r = await new BulkOperations(q).exportToJSONL('-'); q.close(); process.stderr.write(JSON.stringify(r));`,
    );
    expect(exported.trim().split('\n').map((l) => (JSON.parse(l) as { cmd: string }).cmd)).toEqual(['a', 'b']);
    const imported = run(
      `const q = initQueue({ dbName: ${JSON.stringify(copy)} }); const r = await new BulkOperations(q).importFromJSONL('-');
       const again = []; await new BulkOperations(q).exportToJSONL(new (await import('node:stream')).Writable({ write(c, _e, cb) { again.push(String(c)); cb(); } }));
       q.close(); process.stdout.write(JSON.stringify({ r, same: again.join('') }));`,
      exported,
    );
    const parsed = JSON.parse(imported) as { r: { imported: number; path: string }; same: string };
    expect(parsed.r).toMatchObject({ imported: 2, path: '-' });
    expect(parsed.same).toBe(exported);
  });

  it('reads from a stream and rejects a missing file', async () => {
    const target = queue('target');
    const input = new PassThrough();
    // Hand-written lines may give data as a plain JSON value.
    input.end('{"id":5,"datetime":1,"cmd":"x"}\n\n{"id":6,"datetime":2,"cmd":"y","data":{"k":1}}\n');
    expect(await new BulkOperations(target).importFromJSONL(input)).toMatchObject({ imported: 2, lines: 3, path: '(stream)' });
    expect(target.retrieveByID(6)).toMatchObject({ cmd: 'y', data: { k: 1 } });
    await expect(new BulkOperations(target).importFromJSONL(join(dir, 'missing.jsonl'))).rejects.toThrow(/No file at .*missing.jsonl/);
  });

  it('exports CSV with a header, quoting and every column', async () => {
    const q = queue('events');
    q.store({ cmd: 'note', data: { text: 'a, "b"\nc' }, user: 'ann' });
    const file = join(dir, 'events.csv');
    expect((await new BulkOperations(q).exportToCSV(file)).exported).toBe(1);
    const [header, row] = readFileSync(file, 'utf8').split(/\n(?=\d)/);
    expect(header).toBe('id,version,datetime,user,ip,cmd,data,correlation_id,causation_id,metadata,stream,stream_version');
    expect(row).toMatch(/^1,1,\d+,ann,,note,"\{""text"":""a, \\""b\\""\\nc""\}",[^,]+,,\{\},,\n$/);
  });
});
