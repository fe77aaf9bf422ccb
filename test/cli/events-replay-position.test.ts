import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { initQueue } from '../../src/index.js';
import { runCli } from './run-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 's3lite-cli-replay-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BALANCE_MODEL = resolve('test/cli/fixtures/balance-model.mjs');
const ORDERS_MODEL = resolve('test/cli/fixtures/replay-model.mjs');
const balance = (file: string) => new Database(file, { readonly: true }).prepare("SELECT balance FROM accounts WHERE id = 'acc-1'").pluck().get();

describe('s3lite events <file> replay never applies an event twice', () => {
  it('a model on the queue file that already reflects every event: nothing replayed, the balance stays', () => {
    const file = join(dir, 'bank.sqlite');
    // Seeded as an app does it: each event and its model change in one transaction (the package build, like the CLI).
    const seed = `
      import { initQueue } from 's3lite';
      const { model } = await import(${JSON.stringify(BALANCE_MODEL)});
      const queue = initQueue({ dbName: process.env.S3LITE_TEST_EVENTS_DB });
      queue.store({ cmd: 'openAccount', data: { id: 'acc-1' } }, model);
      for (let i = 0; i < 3; i++) queue.store({ cmd: 'deposit', data: { id: 'acc-1', amount: 10 } }, model);
      queue.close();`;
    execFileSync(process.execPath, ['--input-type=module', '-e', seed], { env: { ...process.env, S3LITE_TEST_EVENTS_DB: file } });
    expect(balance(file)).toBe(30);

    const env = { S3LITE_TEST_EVENTS_DB: file };
    const again = runCli(['events', file, 'replay', '--model', BALANCE_MODEL, '--json'], { env });
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ from: 5, count: 0 });
    expect(balance(file)).toBe(30);

    const forced = runCli(['events', file, 'replay', '--model', BALANCE_MODEL, '--from', '2'], { env });
    expect(forced.status).toBe(2);
    expect(forced.stderr).toMatch(/already reflects events up to #4.*--reapply/);
    expect(balance(file)).toBe(30);
  });

  it('a model in its own file: the second replay applies only the events stored since the first', () => {
    const file = join(dir, 'orders.sqlite');
    const modelDb = join(dir, 'orders-model.sqlite');
    const add = (from: number, count: number) => {
      const queue = initQueue({ dbName: file });
      for (let i = from; i < from + count; i++) queue.store({ cmd: 'orderPlaced', data: { customer: `c${i % 2}` } });
      queue.close();
    };
    const replay = () => runCli(['events', file, 'replay', '--model', ORDERS_MODEL, '--json'], { env: { S3LITE_TEST_MODEL_DB: modelDb } });
    const orders = () => new Database(modelDb, { readonly: true }).prepare('SELECT sum(orders) FROM totals').pluck().get();
    add(1, 10);
    expect(JSON.parse(replay().stdout)).toMatchObject({ from: 1, count: 10, lastId: 10 });
    expect(orders()).toBe(10);
    expect(JSON.parse(replay().stdout)).toMatchObject({ from: 11, count: 0 });
    expect(orders()).toBe(10);
    add(11, 5);
    expect(JSON.parse(replay().stdout)).toMatchObject({ from: 11, count: 5, lastId: 15 });
    expect(orders()).toBe(15);

    // Rebuilding on purpose: empty the model's tables, then --from 1 --reapply.
    const db = new Database(modelDb);
    db.exec('DELETE FROM totals');
    db.close();
    const rebuilt = runCli(['events', file, 'replay', '--model', ORDERS_MODEL, '--from', '1', '--reapply', '--json'], { env: { S3LITE_TEST_MODEL_DB: modelDb } });
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ from: 1, count: 15 });
    expect(orders()).toBe(15);
  });
});
