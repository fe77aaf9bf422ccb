/**
 * Issue 12 item 2: `s3lite docs … export` keeps secret fields encrypted (as
 * stored) unless --decrypt-secrets is given (which warns on stderr), and
 * import opens them with the same passphrase without encrypting them twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

const PASSWORD = 'hunter2-plaintext-password';
const TOKEN = 'tok-plaintext-nested-token';
const env = { S3LITE_TEST_PASS: 'correct horse battery staple', S3LITE_WRONG_PASS: 'not the passphrase' };
const withPass = ['--passphrase-env', 'S3LITE_TEST_PASS'];

let dir: string;
const cs = (name: string) => `file://${join(dir, name)}`;
const cli = (args: string[]) => runCli(args, { env });

/** Every byte under `root` (the stored objects of a file:// database). */
function rawBytes(root: string): string {
  let all = '';
  for (const entry of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, entry);
    if (statSync(path).isFile()) all += readFileSync(path, 'latin1');
  }
  return all;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 's3lite-cli-export-secrets-'));
  const definition = { $resource: { attributes: { name: 'string', password: 'secret', creds: { token: 'secret|optional', scope: 'string|optional' } }, behavior: 'body-overflow', timestamps: false, partitions: {}, asyncPartitions: true } };
  const lines = [definition, { id: 'u1', name: 'ann', password: PASSWORD, creds: { token: TOKEN, scope: 'read' } }, { id: 'u2', name: 'bob', password: `${PASSWORD}-2`, creds: { scope: 'none' } }];
  writeFileSync(join(dir, 'users.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  const seeded = cli(['docs', cs('source'), 'import', 'users', join(dir, 'users.jsonl'), ...withPass]);
  expect(seeded.status, seeded.stderr).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs export: secret fields', () => {
  it('writes secret fields encrypted by default, and import with the same passphrase opens them once', () => {
    const file = join(dir, 'sealed.jsonl');
    const exported = cli(['docs', cs('source'), 'export', 'users', file, ...withPass]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stderr).not.toMatch(/warning/i);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(TOKEN);
    const [header, ...docs] = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(header.$secrets).toMatchObject({ encrypted: true, kdf: 'scrypt', resource: 'users', fields: ['password', 'creds.token'] });
    const ann = docs.find((d: { id: string }) => d.id === 'u1');
    expect(ann.password).toMatch(/^e[A-Za-z0-9_-]{40,}$/);
    expect(ann.creds.token).toMatch(/^e[A-Za-z0-9_-]{40,}$/);
    expect(ann.creds.scope).toBe('read');

    // Into another database (its own salt) and under another resource name.
    const imported = cli(['docs', cs('target'), 'import', 'accounts', file, ...withPass, '--json']);
    expect(imported.status, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout).imported).toBe(2);
    const got = JSON.parse(cli(['docs', cs('target'), 'get', 'accounts', 'u1', ...withPass, '--json']).stdout);
    // Encrypted twice, get would return the export's ciphertext instead of the password.
    expect(got).toEqual({ id: 'u1', name: 'ann', password: PASSWORD, creds: { token: TOKEN, scope: 'read' } });
    expect(rawBytes(join(dir, 'target'))).not.toContain(PASSWORD);

    // Re-importing into the database it came from works as well.
    const again = cli(['docs', cs('source'), 'import', 'users', file, ...withPass, '--upsert']);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(cli(['docs', cs('source'), 'get', 'users', 'u2', ...withPass, '--json']).stdout).password).toBe(`${PASSWORD}-2`);
  });

  it('imports nothing from an encrypted export without the passphrase or with a wrong one', () => {
    const file = join(dir, 'sealed-2.jsonl');
    expect(cli(['docs', cs('source'), 'export', 'users', file, ...withPass]).status).toBe(0);
    const without = cli(['docs', cs('empty'), 'import', 'users', file]);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toMatch(/--passphrase-env/);
    const wrong = cli(['docs', cs('empty'), 'import', 'users', file, '--passphrase-env', 'S3LITE_WRONG_PASS']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/ENCRYPTION|decrypt/);
    expect(wrong.stderr).toMatch(/nothing was imported/);
    // Nothing was written: not even the database directory exists (and reading it does not create it).
    const count = cli(['docs', cs('empty'), 'resources', '--json']);
    expect(count.status).toBe(3);
    expect(count.stderr).toMatch(/No database at/);
  });

  it('writes plain text only with --decrypt-secrets, after a warning on stderr', () => {
    const file = join(dir, 'plain.jsonl');
    const exported = cli(['docs', cs('source'), 'export', 'users', file, ...withPass, '--decrypt-secrets']);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/warning: --decrypt-secrets: the secret fields password, creds\.token of users are written in plain text/);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(PASSWORD);
    expect(JSON.parse(text.split('\n')[0] as string).$secrets).toEqual({ encrypted: false, fields: ['password', 'creds.token'] });
    // A plain export imports as any JSONL does.
    const imported = cli(['docs', cs('plain-target'), 'import', 'users', file, ...withPass]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(JSON.parse(cli(['docs', cs('plain-target'), 'get', 'users', 'u1', ...withPass, '--json']).stdout).creds.token).toBe(TOKEN);
  });

  it('keeps stdout exports encrypted too', () => {
    const out = cli(['docs', cs('source'), 'export', 'users', '-', ...withPass]);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('"$secrets"');
    expect(out.stdout).not.toContain(PASSWORD);
  });
});
