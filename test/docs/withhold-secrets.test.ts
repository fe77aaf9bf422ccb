import { describe, expect, it } from 'vitest';
import { ConfigurationError, MemoryStore, S3db } from '../../src/index.js';

const PASSPHRASE = 'a passphrase long enough for the test';

describe('S3db({ withholdSecrets: true }) without a passphrase', () => {
  it('reads resources with secret fields minus the secret values, and refuses every write to them', async () => {
    const client = new MemoryStore({ bucket: 'withhold', prefix: 'app/' });
    const owner = new S3db({ client, passphrase: PASSPHRASE });
    await owner.connect();
    const keys = await owner.createResource({ name: 'keys', attributes: { owner: 'string', apiKey: 'secret|optional' } });
    await keys.insert({ id: 'k1', owner: 'ann', apiKey: 'plain-key' });
    await owner.disconnect();

    // The default stays: without a passphrase the resource is unavailable.
    const strict = new S3db({ client });
    await strict.connect();
    expect(() => strict.getResource('keys')).toThrow(ConfigurationError);
    await strict.disconnect();

    const reader = new S3db({ client, withholdSecrets: true });
    await reader.connect();
    const view = reader.getResource('keys');
    expect(await view.get('k1')).toEqual({ id: 'k1', owner: 'ann' });
    expect(await view.list()).toEqual([{ id: 'k1', owner: 'ann' }]);
    // An update that does not touch apiKey would write the document back without it: refused.
    await expect(view.update('k1', { owner: 'bob' })).rejects.toThrow(ConfigurationError);
    await expect(view.insert({ id: 'k2', owner: 'cy' })).rejects.toThrow(/read-only/);
    await reader.disconnect();

    const check = new S3db({ client, passphrase: PASSPHRASE });
    await check.connect();
    expect(await check.getResource('keys').get('k1')).toEqual({ id: 'k1', owner: 'ann', apiKey: 'plain-key' });
    expect(await check.getResource('keys').count()).toBe(1);
    await check.disconnect();
  });
});
