import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { initQueue } from '../../src/index.js';
import { CLI, runCli, STACK_LINE } from './run-cli.js';

let dir: string;
let file: string;
const events = (...args: string[]) => runCli(['events', file, ...args]);

function addEvents(path: string, from: number, count: number): void {
  const queue = initQueue({ dbName: path });
  for (let i = from; i < from + count; i++) queue.store({ cmd: 'orderPlaced', user: `u${i % 3}`, data: { customer: `c${i % 4}`, n: i } });
  queue.close();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 's3lite-cli-events-'));
  file = join(dir, 'events.sqlite');
  addEvents(file, 1, 40);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('s3lite events <file> …', () => {
  it('stats: events, ids, commands, pragmas and indexes', () => {
    const result = events('stats', '--json');
    expect(result.status, result.stderr).toBe(0);
    const stats = JSON.parse(result.stdout);
    expect(stats).toMatchObject({ events: 40, firstId: 1, lastId: 40, journalMode: 'wal', commands: [{ cmd: 'orderPlaced', n: 40 }] });
    expect(stats.indexes).toEqual(expect.arrayContaining(['correlation_id', 'causation_id']));
    expect(events('stats').stdout).toMatch(/\| events\s+\| 40/);
  });

  it('tail prints the last events in id order', () => {
    const lines = events('tail', '-n', '3', '--json').stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => e.id)).toEqual([38, 39, 40]);
    expect(lines[2].data).toEqual({ customer: 'c0', n: 40 });
  });

  it('tail --follow prints events stored while it runs, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'events', file, 'tail', '-n', '1', '--follow', '--interval', '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const seen = (text: string) =>
      new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`timed out waiting for ${text}; got ${out}`)), 20_000);
        const check = () => {
          if (out.includes(text)) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            done();
          }
        };
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stdout.on('data', check);
        check();
      });
    await seen('#40 ');
    const queue = initQueue({ dbName: file });
    queue.store({ cmd: 'orderPaid', data: { customer: 'c1' } });
    queue.close();
    await seen('#41 ');
    expect(out).toMatch(/#41 \S+ orderPaid \{"customer":"c1"\}/);
    const exit = new Promise<number | null>((done) => child.on('close', done));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  }, 30_000);

  it('export then import into a new file is lossless; importing it again skips every line and succeeds', () => {
    const jsonl = join(dir, 'events.jsonl');
    const exported = events('export', jsonl, '--json');
    expect(exported.status, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout).exported).toBe(41);
    const copy = join(dir, 'copy.sqlite');
    const imported = runCli(['events', copy, 'import', jsonl, '--json']);
    expect(imported.status, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 41, firstId: 1, lastId: 41 });
    const rows = (path: string) => new Database(path, { readonly: true }).prepare('SELECT * FROM queue ORDER BY id').all();
    expect(rows(copy)).toEqual(rows(file));
    const before = rows(copy);
    const again = runCli(['events', copy, 'import', jsonl]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toBe(`imported 0 events into ${copy}, skipped 41 already present\n`);
    const json = runCli(['events', copy, 'import', jsonl, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ imported: 0, skipped: 41, firstId: null, lastId: null });
    expect(rows(copy)).toEqual(before);
  });

  it('import: new lines are added and identical ones skipped; an id stored with different content exits 4 and writes nothing', () => {
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
    const target = join(dir, 'overlap.sqlite');
    const first = join(dir, 'first.jsonl');
    writeFileSync(first, `${lines.slice(0, 30).join('\n')}\n`);
    expect(runCli(['events', target, 'import', first]).status).toBe(0);
    const overlap = runCli(['events', target, 'import', join(dir, 'events.jsonl')]);
    expect(overlap.status, overlap.stderr).toBe(0);
    expect(overlap.stdout).toBe(`imported 11 events (ids 31 - 41) into ${target}, skipped 30 already present\n`);

    const changed = join(dir, 'changed.jsonl');
    const edited = lines.map((line, i) => (i === 4 ? line.replace('"cmd":"orderPlaced"', '"cmd":"orderCancelled"') : line));
    writeFileSync(changed, `${edited.join('\n')}\n{"id":42,"datetime":1,"cmd":"extra"}\n`);
    const count = () => {
      const db = new Database(target, { readonly: true });
      try {
        return db.prepare('SELECT count(*) AS n FROM queue').get();
      } finally {
        db.close();
      }
    };
    const clash = runCli(['events', target, 'import', changed]);
    expect(clash.status).toBe(4);
    expect(clash.stderr).toMatch(/Line 5: event id 5 already exists in the event store with different content \(cmd differ\)/);
    expect(clash.stderr).not.toMatch(STACK_LINE);
    expect(count()).toEqual({ n: 41 });
    const renumbered = runCli(['events', target, 'import', changed, '--renumber', '--json']);
    expect(renumbered.status, renumbered.stderr).toBe(0);
    expect(JSON.parse(renumbered.stdout)).toMatchObject({ imported: 42, skipped: 0, firstId: 42, lastId: 83 });
  });

  it('a bad line in an import names the line and writes nothing (exit 2)', () => {
    const jsonl = join(dir, 'bad.jsonl');
    const good = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n')[0];
    writeFileSync(jsonl, `${good}\n{"id": "not json\n`);
    const target = join(dir, 'bad.sqlite');
    const result = runCli(['events', target, 'import', jsonl]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/line 2/i);
    expect(new Database(target, { readonly: true }).prepare('SELECT count(*) AS n FROM queue').get()).toEqual({ n: 0 });
  });

  it('replay runs the log through a model module', () => {
    const modelDb = join(dir, 'model.sqlite');
    const result = runCli(['events', file, 'replay', '--model', resolve('test/cli/fixtures/replay-model.mjs'), '--json'], { env: { S3LITE_TEST_MODEL_DB: modelDb } });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ count: 41, lastId: 41 });
    const totals = new Database(modelDb, { readonly: true }).prepare('SELECT customer, orders FROM totals ORDER BY customer').all();
    expect(totals).toEqual([
      { customer: 'c0', orders: 10 },
      { customer: 'c1', orders: 10 },
      { customer: 'c2', orders: 10 },
      { customer: 'c3', orders: 10 },
    ]);
  });

  it('usage and missing files: replay without --model exits 2, a missing file exits 3', () => {
    expect(events('replay').status).toBe(2);
    const missing = runCli(['events', join(dir, 'nope.sqlite'), 'stats']);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/\[NOT_FOUND\].*nope\.sqlite/);
  });
});
