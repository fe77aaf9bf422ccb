/**
 * s3db.js's resource.addPluginAttribute / removePluginAttribute: a plugin
 * adds a field to a resource's schema. The field is recorded in the
 * catalogue, so another S3db on the same store (which never installed the
 * plugin) reads the documents, on memory:// and file://.
 */
// Plugin attributes are added at run time: the static document type cannot know them, hence the `<never>` casts.
import { describe, expect, it } from 'vitest';
import { ConfigurationError, ValidationError } from '../../../src/core/errors.js';
import { Plugin, S3db, type Resource } from '../../../src/docs/index.js';
import { COMPAT_BACKENDS, dbProcess, openCompatDb, type CompatDb, type DbProcess } from '../helpers.js';

/** A database on the test's storage, opened as s3db.js users open one (default options), connected. */
async function connect(t: CompatDb): Promise<S3db> {
  const db = t.create();
  await db.connect();
  return db;
}
const USERS = { name: 'users', attributes: { name: 'string', email: 'string|optional' } };

for (const backend of COMPAT_BACKENDS) {
  describe(`plugin attributes (${backend}://)`, () => {
    it('a plugin field is validated, written and read; another process reads it without the plugin; no new schema version', async () => {
      const t = await openCompatDb(backend);
      const a = await connect(t);
      const users = await a.createResource(USERS);
      const before = await users.insert({ id: 'u0', name: 'Old' });
      const version = users.version;

      await users.addPluginAttribute('_hasEmbedding', 'boolean|optional', 'VectorPlugin');
      await users.addPluginAttribute('clusterId', { type: 'string', optional: true }, 'VectorPlugin');
      expect(users.pluginAttributes).toEqual({
        _hasEmbedding: { rule: 'boolean|optional', plugin: 'VectorPlugin' },
        clusterId: { rule: { type: 'string', optional: true }, plugin: 'VectorPlugin' },
      });
      expect(Object.keys(users.attributes)).toEqual(['name', 'email', '_hasEmbedding', 'clusterId']);
      expect(users.version).toBe(version);
      expect(a.resourceExistsWithSameHash(USERS).sameHash).toBe(true);

      await users.insert(<never>{ id: 'u1', name: 'Alice', _hasEmbedding: true, clusterId: 'c7' });
      expect(await users.get('u1')).toMatchObject({ name: 'Alice', _hasEmbedding: true, clusterId: 'c7' });
      expect(await users.get('u0')).toEqual(before);
      await expect(users.insert(<never>{ name: 'Bad', _hasEmbedding: 'yes' })).rejects.toBeInstanceOf(ValidationError);

      // A second database on the same store never adds the attribute.
      const b = await connect(t);
      const theirs = b.getResource('users');
      expect(await theirs.get('u1')).toMatchObject({ name: 'Alice', _hasEmbedding: true, clusterId: 'c7' });
      expect(theirs.pluginAttributes._hasEmbedding).toEqual({ rule: 'boolean|optional', plugin: 'VectorPlugin' });
      await theirs.update('u1', { name: 'Alice B' });
      expect(await users.get('u1')).toMatchObject({ name: 'Alice B', _hasEmbedding: true, clusterId: 'c7' });
      // Defining the resource again (same definition) keeps the plugin fields.
      const again = await b.createResource(USERS);
      expect(again.version).toBe(version);
      expect(await again.query({ clusterId: 'c7' })).toHaveLength(1);
    });

    it('a process connected before the plugin added its field reads the new documents (it reloads the catalogue)', async () => {
      const t = await openCompatDb(backend);
      const a = await connect(t);
      await a.createResource(USERS);
      const b = await connect(t);
      const stale = b.getResource('users');
      const users = a.getResource('users');
      await users.addPluginAttribute('_ttl', 'number|optional', 'TTLPlugin');
      await users.insert({ id: 'u1', name: 'Alice', _ttl: 60 });
      expect(await stale.get('u1')).toMatchObject({ name: 'Alice', _ttl: 60 });
      // And from then on writes it too.
      await stale.insert({ id: 'u2', name: 'Bob', _ttl: 5 });
      expect(await users.get('u2')).toMatchObject({ _ttl: 5 });
    });

    it('removePluginAttribute: the field leaves the schema everywhere, documents written with it stay readable', async () => {
      const t = await openCompatDb(backend);
      const a = await connect(t);
      const items = await a.createResource({ name: 'items', attributes: { name: 'string' }, behavior: 'body-overflow' });
      await items.addPluginAttribute('_temp', 'string|optional', 'TempPlugin');
      await items.insert(<never>{ id: 'i1', name: 'Item', _temp: 'x'.repeat(2500) });
      await expect(items.removePluginAttribute('_temp', 'OtherPlugin')).rejects.toBeInstanceOf(ConfigurationError);
      expect(await items.removePluginAttribute('_temp', 'TempPlugin')).toBe(true);
      expect(await items.removePluginAttribute('_temp', 'TempPlugin')).toBe(false);
      expect(items.pluginAttributes).toEqual({});
      expect((await items.get('i1')).name).toBe('Item');
      await expect(items.insert(<never>{ name: 'New', _temp: 'y' })).rejects.toBeInstanceOf(ValidationError);

      const b = await connect(t);
      const theirs = b.getResource('items');
      expect(await theirs.get('i1')).toMatchObject({ name: 'Item', _temp: 'x'.repeat(2500) });
      await expect(theirs.insert({ name: 'New', _temp: 'y' })).rejects.toBeInstanceOf(ValidationError);
      // Added again later, the field keeps its key.
      const key = theirs.mapping._temp;
      await theirs.addPluginAttribute('_temp', 'string|optional', 'TempPlugin');
      expect(theirs.mapping._temp).toBe(key);
    });

    it('refuses what would break the schema, before anything is written', async () => {
      const t = await openCompatDb(backend);
      const db = await connect(t);
      const users = await db.createResource(USERS);
      expect(() => users.addPluginAttribute('_x', 'boolean', '' as string)).toThrow(ValidationError);
      expect(() => users.addPluginAttribute('email', 'string', 'P')).toThrow(ConfigurationError);
      expect(() => users.addPluginAttribute('id', 'string', 'P')).toThrow(ConfigurationError);
      expect(() => users.addPluginAttribute('_s', 'secret', 'P')).toThrow(ConfigurationError);
      expect(() => users.addPluginAttribute('_n', 'nosuchtype', 'P')).toThrow(ConfigurationError);
      expect(() => users.addPluginAttribute('bad name', 'string', 'P')).toThrow(ConfigurationError);
      await users.addPluginAttribute('_owned', 'string|optional', 'First');
      expect(() => users.addPluginAttribute('_owned', 'string|optional', 'Second')).toThrow(ConfigurationError);
      expect(await users.removePluginAttribute('email')).toBe(false);
      // Another process racing for the same name with another plugin loses at the catalogue.
      const other = await connect(t);
      await other.getResource('users').addPluginAttribute('_race', 'string|optional', 'A');
      await expect(users.addPluginAttribute('_race', 'string|optional', 'B')).rejects.toBeInstanceOf(ConfigurationError);
      const fresh = await connect(t);
      expect(Object.keys(fresh.getResource('users').pluginAttributes).sort()).toEqual(['_owned', '_race']);
    });

    it("s3db.js plugins call it without awaiting: the resource's next call uses the field (Plugin class and plain { setup })", async () => {
      const t = await openCompatDb(backend);
      const db = await connect(t);
      class EmbeddingPlugin extends Plugin {
        override async onInstall() {
          for (const resource of Object.values(this.database!.resources)) void resource.addPluginAttribute('_hasEmbedding', 'boolean|optional', this.name);
        }
      }
      const users = await db.createResource(USERS);
      let early: Promise<unknown> | undefined;
      await db.usePlugin(new EmbeddingPlugin());
      await db.usePlugin({
        name: 'stamp',
        setup(database: S3db) {
          const r: Resource = database.getResource('users');
          void r.addPluginAttribute('_stamp', 'string|optional', 'stamp');
          early = r.insert({ id: 'early', name: 'Early', _stamp: 's1', _hasEmbedding: false });
        },
      });
      await early;
      await users.insert(<never>{ id: 'u1', name: 'Alice', _hasEmbedding: true, _stamp: 's' });
      expect(await users.get('u1')).toMatchObject({ _hasEmbedding: true, _stamp: 's' });
      expect(await users.get('early')).toMatchObject({ _hasEmbedding: false, _stamp: 's1' });
      expect(users.pluginAttributes._hasEmbedding?.plugin).toBe('EmbeddingPlugin');
    });
  });
}

/** A separate process on the same directory that never adds the attribute; prints READY once connected. */
function reader(where: string, id: string): DbProcess {
  return dbProcess(`const db = new S3db({ connectionString: ${JSON.stringify(where)} });
await db.connect();
const users = db.getResource('users');
console.log('READY');
while (!(await users.exists(${JSON.stringify(id)}))) await new Promise((r) => setTimeout(r, 20));
console.log(JSON.stringify(await users.get(${JSON.stringify(id)})));
await db.disconnect();`);
}

describe('plugin attributes across processes (file://)', () => {
  it('a process that connected before the field existed and never installs the plugin reads the document', async () => {
    const t = await openCompatDb('file');
    const a = await connect(t);
    const users = await a.createResource(USERS);
    const child = reader(t.connectionString, 'u1');
    await Promise.race([child.ready, child.done]);
    await users.addPluginAttribute('_hasEmbedding', 'boolean|optional', 'VectorPlugin');
    await users.insert(<never>{ id: 'u1', name: 'Alice', _hasEmbedding: true });
    const lines = (await child.done).trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1] as string)).toMatchObject({ id: 'u1', name: 'Alice', _hasEmbedding: true });
  }, 60_000);
});
