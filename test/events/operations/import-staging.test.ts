/**
 * Issue 12, item 10: an atomic JSONL import killed mid-way leaves its scratch
 * file; reopening the queue or the next import removes it, and only it (a
 * running import's file stays).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initQueue } from '../../../src/events/index.js';
import { BulkOperations } from '../../../src/events/operations/index.js';
import { makeTempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/import-child.ts', import.meta.url));

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

function stagingFiles(db: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${basename(db)}.s3lite_import_`))
    .sort();
}

/** A child importing `lines` events into `db`, resolved once its first batch is staged. */
async function importingChild(db: string, lines: number): Promise<{ child: ChildProcess; finished: Promise<unknown> }> {
  const child = fork(CHILD, [db, String(lines)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let finish: (value: unknown) => void = () => undefined;
  const finished = new Promise((resolve) => (finish = resolve));
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: { staged?: boolean; result?: unknown }) => {
      if (message.staged) resolve();
      if (message.result) finish(message.result);
    });
    child.on('exit', (code) => reject(new Error(`import child exited early (${code})`)));
  });
  return { child, finished };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('staging files of killed atomic imports', () => {
  it('reopening the queue removes the file of an import killed with kill -9, and keeps a running import’s', async () => {
    const db = join(dir, 'events.sqlite');
    initQueue({ dbName: db }).close();

    await kill((await importingChild(db, 5000)).child);
    expect(stagingFiles(db)).toHaveLength(1);
    initQueue({ dbName: db }).close();
    expect(stagingFiles(db)).toEqual([]);

    const running = await importingChild(db, 5000);
    const live = stagingFiles(db);
    expect(live).toHaveLength(1);
    const reopened = initQueue({ dbName: db });
    expect(stagingFiles(db)).toEqual(live);

    running.child.send('go');
    expect(await running.finished).toMatchObject({ imported: 5000 });
    expect(stagingFiles(db)).toEqual([]);
    expect((reopened.db.prepare('SELECT count(*) AS n FROM queue').get() as { n: number }).n).toBe(5000);
    reopened.close();
  }, 120_000);

  it('the next import removes the file of an import killed mid-way, on a queue that stayed open', async () => {
    const db = join(dir, 'events.sqlite');
    const queue = initQueue({ dbName: db });
    await kill((await importingChild(db, 5000)).child);
    expect(stagingFiles(db)).toHaveLength(1);

    const file = join(dir, 'one.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 1, datetime: 1, cmd: 'one', data: {} })}\n`);
    expect(await new BulkOperations(queue).importFromJSONL(file)).toMatchObject({ imported: 1 });
    expect(stagingFiles(db)).toEqual([]);
    queue.close();
  }, 120_000);
});
