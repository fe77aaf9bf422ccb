/**
 * The names s3db.js users import from the package root exist and are ours.
 */
import { describe, expect, it } from 'vitest';
import S3dbDefault, * as root from '../../../src/index.js';
import { EncryptionError } from '../../../src/core/errors.js';

describe("s3db.js's root exports", () => {
  it('exports the database, clients, pool, cache, plugin and helper names', () => {
    for (const name of [
      'S3db',
      'Database',
      'Resource',
      'MemoryClient',
      'FileSystemClient',
      'S3Client',
      'CachePlugin',
      'MemoryCache',
      'FilesystemCache',
      'PartitionAwareFilesystemCache',
      'S3Cache',
      'MultiTierCache',
      'Plugin',
      'PluginStorage',
      'TasksPool',
      'TasksRunner',
      'generateId',
      'idGenerator',
      'encrypt',
      'decrypt',
      'BEHAVIORS',
    ]) {
      expect(root, name).toHaveProperty(name);
    }
    expect(S3dbDefault).toBe(root.S3db);
    expect(root.Database).toBe(root.S3db);
    expect(root.BEHAVIORS).toContain('body-overflow');
    expect(root.idGenerator()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('encrypt/decrypt round-trip with a passphrase; a wrong one or damaged text throws', async () => {
    const sealed = await root.encrypt('api-key-123 ü', 'correct horse');
    expect(sealed).not.toContain('api-key-123');
    expect(await root.decrypt(sealed, 'correct horse')).toBe('api-key-123 ü');
    expect(await root.encrypt('api-key-123 ü', 'correct horse')).not.toBe(sealed);
    await expect(root.decrypt(sealed, 'wrong')).rejects.toBeInstanceOf(EncryptionError);
    await expect(root.decrypt('plain text', 'correct horse')).rejects.toBeInstanceOf(EncryptionError);
    await expect(root.encrypt('x', '')).rejects.toThrow(/passphrase/);
  });
});
