import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, EncryptionError, ValidationError } from '../../src/core/errors.js';
import { FieldCipher } from '../../src/docs/field-cipher.js';
import type { Resource } from '../../src/docs/index.js';
import { CATALOGUE_KEY } from '../../src/docs/index.js';
import { openTestDb, type TestDb } from './helpers.js';

const PLAINTEXT = 'correct horse battery staple';

async function storedText(t: TestDb): Promise<string> {
  let all = '';
  for await (const obj of t.db.client.listAll()) {
    const stored = await t.db.client.getObject({ key: obj.key });
    all += JSON.stringify(stored.metadata) + stored.body.toString('utf8');
  }
  return all;
}

describe('secret attributes', () => {
  let t: TestDb;
  let accounts: Resource;
  let vault: Resource;
  beforeAll(async () => {
    t = await openTestDb('memory', { passphrase: 'the-passphrase' });
    accounts = await t.db.createResource({ name: 'accounts', attributes: { user: 'string', password: 'secret', pin: 'secret|optional', nested: { $$type: 'object|optional', token: 'secret|optional' } } });
    vault = await t.db.createResource({ name: 'vault', attributes: { password: 'secret|min:10' }, behavior: 'body-only' });
  });
  afterAll(() => t.cleanup());

  it('round-trips secrets and never writes plaintext to storage (metadata or body)', async () => {
    const doc = await accounts.insert({ user: 'u', password: PLAINTEXT, pin: '🔐 1234', nested: { token: `${PLAINTEXT}-token` } });
    const inVault = await vault.insert({ password: PLAINTEXT });
    expect(await accounts.get(doc.id)).toStrictEqual(doc);
    expect(await vault.get(inVault.id)).toStrictEqual(inVault);
    const stored = await storedText(t);
    expect(stored).not.toContain('horse');
    expect(stored).not.toContain('1234');
  });

  it('uses a random IV per value: the same secret encrypts differently every time', async () => {
    const a = await accounts.insert({ user: 'a', password: PLAINTEXT });
    const b = await accounts.insert({ user: 'b', password: PLAINTEXT });
    const key = accounts.mapping.password as string;
    const ma = (await t.db.client.headObject({ key: accounts.keys.key(a.id) })).metadata[key];
    const mb = (await t.db.client.headObject({ key: accounts.keys.key(b.id) })).metadata[key];
    expect(ma).toMatch(/^e[A-Za-z0-9_-]+$/);
    expect(ma).not.toBe(mb);
  });

  it('s3db.js defect: two PBKDF2 derivations per write; here the key is derived once per passphrase and reused', async () => {
    const before = FieldCipher.derivations;
    for (let i = 0; i < 20; i++) {
      const doc = await accounts.insert({ user: `x${i}`, password: PLAINTEXT });
      await accounts.get(doc.id);
    }
    expect(FieldCipher.derivations - before).toBe(0);
  });

  it('s3db.js defect: failed decryption silently returned ciphertext; here a wrong passphrase throws EncryptionError', async () => {
    const doc = await accounts.insert({ user: 'w', password: PLAINTEXT });
    const other = await t.reopen({ passphrase: 'wrong-passphrase' });
    await expect(other.getResource('accounts').get(doc.id)).rejects.toBeInstanceOf(EncryptionError);
  });

  it('a tampered ciphertext throws EncryptionError', async () => {
    const doc = await accounts.insert({ user: 't', password: PLAINTEXT });
    const key = accounts.keys.key(doc.id);
    const stored = await t.db.client.getObject({ key });
    const field = accounts.mapping.password as string;
    const value = stored.metadata[field] as string;
    const flipped = value.slice(0, -2) + (value.at(-2) === 'A' ? 'B' : 'A') + value.at(-1);
    await t.db.client.putObject({ key, body: 'tampered', metadata: { ...stored.metadata, [field]: flipped } });
    await expect(accounts.get(doc.id)).rejects.toBeInstanceOf(EncryptionError);
    // Ciphertext moved to another secret field is rejected too (field bound as authenticated data).
    await t.db.client.putObject({ key, body: 'moved', metadata: { ...stored.metadata, [accounts.mapping.pin as string]: value } });
    await expect(accounts.get(doc.id)).rejects.toBeInstanceOf(EncryptionError);
  });

  it('validation errors of secret fields never echo the plaintext', async () => {
    const err = await vault.insert({ password: 'short' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(JSON.stringify((err as ValidationError).errors) + (err as Error).message).not.toContain('short"');
    expect((err as ValidationError).errors[0]).not.toHaveProperty('actual');
  });

  it('s3db.js defect: default passphrase "secret"; here secrets without a passphrase are a configuration error and nothing is written', async () => {
    const plain = await openTestDb('memory');
    try {
      plain.store.reset();
      await expect(plain.db.createResource({ name: 'nopass', attributes: { pw: 'secret' } })).rejects.toBeInstanceOf(ConfigurationError);
      expect(plain.store.counts.putObject ?? 0).toBe(0);
      await expect(plain.db.client.headObject({ key: CATALOGUE_KEY })).rejects.toThrow();
    } finally {
      await plain.cleanup();
    }
    // Reopening a database that has secret resources without the passphrase: the resource says why it is unavailable.
    const reopened = await t.reopen({ passphrase: undefined });
    expect(() => reopened.getResource('accounts')).toThrow(ConfigurationError);
  });
});
