/**
 * Issue 19 item 9: the docs tools a newcomer reaches for. create-resource,
 * update and delete; reads never create a file:// directory; memory:// says
 * its data ends with the process; without a passphrase, resources with secret
 * fields still list and read (only the secret values withheld) and writes say
 * to pass --passphrase-env.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

const SECRET = 'k-plaintext-api-key';
const env = { S3LITE_TOOLS_PASS: 'a long tools passphrase' };
const withPass = ['--passphrase-env', 'S3LITE_TOOLS_PASS'];
let dir: string;
const cs = (name: string) => `file://${join(dir, name)}`;
const cli = (args: string[]) => runCli(args, { env });
const json = (args: string[]) => {
  const result = cli([...args, '--json']);
  expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 's3lite-cli-tools-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('s3lite docs: create-resource, update, delete', () => {
  it('define a resource, then insert, update and delete documents with the exit codes of the other tools', () => {
    const definition = { name: 'users', attributes: { name: 'string|min:2', status: 'string' }, partitions: { byStatus: { fields: { status: 'string' } } } };
    expect(json(['docs', cs('app'), 'create-resource', JSON.stringify(definition)])).toEqual({ resource: 'users', version: expect.any(String), created: true, changed: true });
    // The same definition again: nothing changes.
    expect(json(['docs', cs('app'), 'create-resource', JSON.stringify(definition)])).toMatchObject({ created: false, changed: false });
    expect(json(['docs', cs('app'), 'resources'])).toEqual([expect.objectContaining({ name: 'users', attributes: ['name', 'status'], partitions: ['byStatus'] })]);
    expect(cli(['docs', cs('app'), 'create-resource', '{"name":"bad","attributes":{"x":"nosuchtype"}}']).status).toBe(2);

    expect(cli(['docs', cs('app'), 'insert', 'users', '[{"id":"a","name":"Ann","status":"new"},{"id":"b","name":"Bob","status":"new"}]']).status).toBe(0);
    expect(json(['docs', cs('app'), 'update', 'users', 'a', '{"status":"paid"}'])).toMatchObject({ id: 'a', name: 'Ann', status: 'paid' });
    expect(json(['docs', cs('app'), 'list', 'users', '--partition', 'byStatus', '--values', 'status=paid']).map((d: { id: string }) => d.id)).toEqual(['a']);
    const invalid = cli(['docs', cs('app'), 'update', 'users', 'a', '{"name":"A"}']);
    expect(invalid.status).toBe(2);
    expect(json(['docs', cs('app'), 'get', 'users', 'a']).name).toBe('Ann');
    expect(cli(['docs', cs('app'), 'update', 'users', 'nope', '{"status":"x"}']).status).toBe(3);

    const deleted = cli(['docs', cs('app'), 'delete', 'users', 'b', 'nope']);
    expect(deleted.status).toBe(3);
    expect(deleted.stdout).toMatch(/deleted 1 of 2/);
    expect(deleted.stderr).toMatch(/nope/);
    expect(cli(['docs', cs('app'), 'get', 'users', 'b']).status).toBe(3);
    expect(json(['docs', cs('app'), 'count', 'users']).count).toBe(1);
  });
});

describe('s3lite docs: targets', () => {
  it('read commands on a file:// path that does not exist exit 3 and create nothing', () => {
    for (const args of [['resources'], ['list', 'users'], ['count', 'users'], ['get', 'users', 'a'], ['verify-partitions', 'users'], ['delete', 'users', 'a'], ['update', 'users', 'a', '{}']]) {
      const result = cli(['docs', cs('typo'), ...args]);
      expect(result.status, args.join(' ')).toBe(3);
      expect(result.stderr).toMatch(/No database at .*typo.*does not exist/);
    }
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  it('a memory:// target says its data ends with the process', () => {
    const result = cli(['docs', 'memory://bucket/app', 'create-resource', '{"name":"notes","attributes":{"text":"string"}}']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/memory:\/\/bucket\/app lives in this process only.*gone when it ends/);
    expect(cli(['docs', cs('app'), 'resources']).stderr).not.toMatch(/lives in this process only/);
  });
});

describe('s3lite docs without the passphrase', () => {
  beforeAll(() => {
    const definition = { name: 'keys', attributes: { owner: 'string', apiKey: 'secret', tier: 'string' }, partitions: { byTier: { fields: { tier: 'string' } } } };
    expect(cli(['docs', cs('vault'), 'create-resource', JSON.stringify(definition), ...withPass]).status).toBe(0);
    const inserted = cli(['docs', cs('vault'), 'insert', 'keys', JSON.stringify({ id: 'k1', owner: 'ann', apiKey: SECRET, tier: 'gold' }), ...withPass]);
    expect(inserted.status, inserted.stderr).toBe(0);
  });

  it('lists the resource with its partitions and reads documents with only the secret values withheld', () => {
    expect(json(['docs', cs('vault'), 'resources'])).toEqual([expect.objectContaining({ name: 'keys', attributes: ['owner', 'apiKey', 'tier'], partitions: ['byTier'] })]);
    const get = cli(['docs', cs('vault'), 'get', 'keys', 'k1', '--json']);
    expect(get.status, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual({ id: 'k1', owner: 'ann', tier: 'gold' });
    expect(get.stderr).toMatch(/secret field values of keys are left out; pass --passphrase-env/);
    expect(json(['docs', cs('vault'), 'list', 'keys', '--partition', 'byTier', '--values', 'tier=gold'])).toEqual([{ id: 'k1', owner: 'ann', tier: 'gold' }]);
    expect(json(['docs', cs('vault'), 'count', 'keys']).count).toBe(1);
    for (const args of [['list', 'keys'], ['query', 'keys', '{"owner":"ann"}']]) expect(cli(['docs', cs('vault'), ...args]).stdout).not.toContain(SECRET);
    // With the passphrase, the value is there.
    expect(json(['docs', cs('vault'), 'get', 'keys', 'k1', ...withPass]).apiKey).toBe(SECRET);
  });

  it('writes to it are refused naming --passphrase-env, and change nothing', () => {
    const before = snapshot(join(dir, 'vault'));
    for (const args of [['update', 'keys', 'k1', '{"owner":"bob"}'], ['insert', 'keys', '{"owner":"bob","apiKey":"x","tier":"gold"}'], ['delete', 'keys', 'k1']]) {
      const result = cli(['docs', cs('vault'), ...args]);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/--passphrase-env/);
    }
    expect(snapshot(join(dir, 'vault'))).toEqual(before);
    expect(json(['docs', cs('vault'), 'get', 'keys', 'k1', ...withPass])).toMatchObject({ owner: 'ann', apiKey: SECRET });
  });
});

/** Every stored file under `root` and its bytes (ignoring the lock directory). */
function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, entry);
    if (statSync(path).isFile() && !entry.includes('lock')) files[entry] = readFileSync(path, 'latin1');
  }
  return files;
}
