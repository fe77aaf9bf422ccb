import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3rverConnectionString } from '../helpers/s3rver.js';
import { runCli, STACK_LINE } from './run-cli.js';

// file:// keeps the database between CLI invocations, like a bucket would.
let dir: string;
let cs: string;
const docs = (...args: string[]) => runCli(['docs', cs, ...args]);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 's3lite-cli-docs-'));
  cs = `file://${join(dir, 'db')}`;
  const definition = { $resource: { attributes: { customer: 'string|min:2', status: 'string', amount: 'number' }, behavior: 'body-overflow', timestamps: false, partitions: {}, asyncPartitions: true } };
  const lines = [definition, { id: 'o1', customer: 'ann', status: 'paid', amount: 10 }, { id: 'o2', customer: 'bob', status: 'open', amount: 20.5 }, { id: 'o3', customer: 'cat', status: 'paid', amount: 1e-7 }];
  writeFileSync(join(dir, 'orders.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('s3lite docs <connection> …', () => {
  it('import creates the resource from an export and inserts every document', () => {
    const result = docs('import', 'orders', join(dir, 'orders.jsonl'), '--json');
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ resource: 'orders', imported: 3 });
    const resources = JSON.parse(docs('resources', '--json').stdout);
    expect(resources).toEqual([expect.objectContaining({ name: 'orders', behavior: 'body-overflow', attributes: ['customer', 'status', 'amount'] })]);
  });

  it('get, count, list, query print tables or --json', () => {
    expect(JSON.parse(docs('get', 'orders', 'o3', '--json').stdout)).toEqual({ id: 'o3', customer: 'cat', status: 'paid', amount: 1e-7 });
    expect(docs('count', 'orders').stdout.trim()).toBe('3');
    // commander's order (action first) works too.
    expect(runCli(['docs', 'count', cs, 'orders']).stdout.trim()).toBe('3');
    expect(JSON.parse(docs('list', 'orders', '--limit', '2', '--json').stdout).map((d: { id: string }) => d.id)).toEqual(['o1', 'o2']);
    const paid = JSON.parse(docs('query', 'orders', '{"status":"paid"}', '--json').stdout);
    expect(paid.map((d: { id: string }) => d.id).sort()).toEqual(['o1', 'o3']);
    const table = docs('list', 'orders').stdout;
    expect(table).toMatch(/\| id\s+\| customer \| status \| amount \|/);
    expect(table).toMatch(/\| o2\s+\| bob/);
  });

  it('insert: exit 0; invalid document exit 2; existing id exit 4; missing document exit 3', () => {
    const ok = docs('insert', 'orders', '{"id":"o4","customer":"dan","status":"open","amount":3}', '--json');
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ id: 'o4', customer: 'dan' });
    const invalid = docs('insert', 'orders', '{"customer":"x","status":"open","amount":3}');
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toMatch(/^s3lite \[VALIDATION\]: .*customer/);
    const exists = docs('insert', 'orders', '{"id":"o1","customer":"eve","status":"open","amount":3}');
    expect(exists.status).toBe(4);
    expect(exists.stderr).toMatch(/\[CONFLICT\]/);
    const missing = docs('get', 'orders', 'nope');
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/\[NOT_FOUND\]/);
    const badJson = docs('insert', 'orders', '{nope');
    expect(badJson.status).toBe(2);
    expect(badJson.stderr).toMatch(/not valid JSON/);
    for (const r of [invalid, exists, missing, badJson]) expect(r.stderr).not.toMatch(STACK_LINE);
    expect(docs('get', 'orders', 'nope', '--verbose').stderr).toMatch(STACK_LINE);
  });

  it('export then import into another database gives the same documents', () => {
    const file = join(dir, 'export.jsonl');
    const exported = docs('export', 'orders', file, '--json');
    expect(exported.status, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout).exported).toBe(4);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toMatch(/^\{"\$resource":/);
    const other = `file://${join(dir, 'copy')}`;
    expect(runCli(['docs', other, 'import', 'orders', file]).status).toBe(0);
    const sortById = (list: { id: string }[]) => list.sort((a, b) => a.id.localeCompare(b.id));
    expect(sortById(JSON.parse(runCli(['docs', other, 'list', 'orders', '--json']).stdout))).toEqual(sortById(JSON.parse(docs('list', 'orders', '--json').stdout)));
    // Importing again: the ids exist, so it stops with a conflict naming the document; --upsert replaces them.
    const again = runCli(['docs', other, 'import', 'orders', file]);
    expect(again.status).toBe(4);
    expect(again.stderr).toMatch(/document #1 of the file \(id o1\)/);
    expect(runCli(['docs', other, 'import', 'orders', file, '--upsert']).status).toBe(0);
  });

  it('a bad line in an import file writes nothing and names the line', () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"id":"n1","customer":"fay","status":"open","amount":1}\n{oops\n');
    const result = docs('import', 'orders', file);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('bad.jsonl:2: not valid JSON');
    expect(docs('get', 'orders', 'n1').status).toBe(3);
  });

  it('works against a real S3 server (s3rver over http://)', async () => {
    const s3 = await s3rverConnectionString('cli');
    const file = join(dir, 'orders.jsonl');
    expect(runCli(['docs', s3, 'import', 'orders', file]).status).toBe(0);
    expect(JSON.parse(runCli(['docs', s3, 'get', 'orders', 'o2', '--json']).stdout)).toMatchObject({ customer: 'bob', amount: 20.5 });
  });
});

describe('secrets and usage errors', () => {
  const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRET';

  it('never prints the secret of a connection string, with or without --verbose', () => {
    // Port 9 (discard) on localhost refuses connections: the command fails after its retries.
    const target = `http://AKIAEXAMPLE:${SECRET}@127.0.0.1:9/bucket/db`;
    for (const extra of [[], ['--verbose']]) {
      const result = runCli(['docs', target, 'resources', ...extra], { timeout: 60_000 });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^s3lite/);
      expect(result.stdout + result.stderr).not.toContain(SECRET);
    }
    const malformed = runCli(['docs', `s3://AKIA:${SECRET}/with-slash@bucket/db`, 'resources']);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toMatch(/CONNECTION_STRING/);
    expect(malformed.stdout + malformed.stderr).not.toContain(SECRET);
  }, 60_000);

  it('unknown commands and options exit 2; --help and --version exit 0', () => {
    expect(runCli(['nope']).status).toBe(2);
    expect(runCli(['docs', cs, 'list']).status).toBe(2);
    expect(runCli(['docs', cs, 'list', 'orders', '--limit', 'many']).status).toBe(2);
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/tune .*\n.*check|check[\s\S]*docs[\s\S]*events/);
    const version = runCli(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
