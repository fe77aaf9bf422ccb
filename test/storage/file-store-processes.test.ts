/**
 * file:// shared by several real processes: conditional writes must be
 * atomic across them (a per-key OS lock around the compare-and-rename), and
 * a process killed -9 while holding a lock must not block the others.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3db } from '../../src/docs/index.js';
import { FileStore } from '../../src/storage/index.js';

const UPDATER = fileURLToPath(new URL('./fixtures/file-updater.ts', import.meta.url));
const INSERTER = fileURLToPath(new URL('./fixtures/file-inserter.ts', import.meta.url));
const HOLDER = fileURLToPath(new URL('./fixtures/file-lock-holder.ts', import.meta.url));
const PROCESSES = 4;
const UPDATES = 200;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 's3lite-file-processes-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function child(script: string, args: string[]): ChildProcess {
  return fork(script, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function firstMessage<T>(proc: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    proc.once('message', (message) => resolve(message as T));
    proc.once('exit', (code) => reject(new Error(`child exited with ${code} before reporting`)));
  });
}

describe('file:// with several processes', () => {
  it(`${PROCESSES} processes x ${UPDATES} update()s of different fields of one document lose no acknowledged update`, async () => {
    const db = new S3db({ connectionString: `file://${root}`, logLevel: 'silent' });
    await db.connect();
    const shared = await db.createResource({ name: 'shared', attributes: { f0: 'number|optional', f1: 'number|optional', f2: 'number|optional', f3: 'number|optional' } });
    await shared.insert({ id: 'doc' });

    const children = Array.from({ length: PROCESSES }, (_, n) => child(UPDATER, [root, `f${n}`, String(UPDATES)]));
    const reports = await Promise.all(children.map((proc) => firstMessage<{ lost: number }>(proc)));
    const lost = reports.reduce((sum, report) => sum + report.lost, 0);
    const doc = await shared.get('doc');
    await db.disconnect();
    // Each process saw its previous update still in place before every next one, and all last updates survived.
    expect({ lost, final: [doc.f0, doc.f1, doc.f2, doc.f3] }).toEqual({ lost: 0, final: Array(PROCESSES).fill(UPDATES) });
  }, 240_000);

  it(`${PROCESSES} processes creating the same ${UPDATES} keys with If-None-Match: * have exactly one winner per key`, async () => {
    const children = Array.from({ length: PROCESSES }, (_, n) => child(INSERTER, [root, `p${n}`, String(UPDATES)]));
    const reports = await Promise.all(children.map((proc) => firstMessage<{ won: number }>(proc)));
    expect(reports.reduce((sum, report) => sum + report.won, 0)).toBe(UPDATES);
  }, 240_000);

  it('a process killed -9 while holding a key lock does not block the other processes', async () => {
    const store = new FileStore({ root });
    const first = await store.putObject({ key: 'k', body: 'v1' });
    const holder = child(HOLDER, [root, 'k!o']);
    expect(await firstMessage<string>(holder)).toBe('holding');
    // While the holder lives, a conditional write on its key waits.
    let written = false;
    const write = store.putObject({ key: 'k', body: 'v2', ifMatch: first.etag }).then((out) => {
      written = true;
      return out;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(written).toBe(false);
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    await write;
    expect((await store.getObject({ key: 'k' })).body.toString()).toBe('v2');
  }, 60_000);
});
