/** Options eventlite documents: reset (without risky), hash, exportToJSONL(path, { startId: 0 }). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BulkOperations, initQueue, modelSetup } from '../../../src/events/index.js';
import { verifyPassword } from '../../../src/index.js';
import { useTempDir } from '../helpers.js';

const { dir, file } = useTempDir();

describe('eventlite options', () => {
  it('reset: true drops the log when opening, without risky', () => {
    const dbName = file();
    const first = initQueue({ dbName });
    first.store({ cmd: 'a' });
    first.close();
    const again = initQueue({ dbName, reset: true });
    expect(again.retrieveByID(1)).toBeUndefined();
    expect(again.reset).toBeUndefined();
    again.store({ cmd: 'b' });
    expect(again.retrieveByID(1)!.cmd).toBe('b');
    again.close();
  });

  it('hash: data.user_password is stored as an argon2id hash that verifies; other fields untouched; replay sees the hash', () => {
    const dbName = file();
    const queue = initQueue({ dbName, hash: { algorithm: 'argon2id', memoryCost: 1024, timeCost: 1 } });
    const model = modelSetup({
      dbName,
      tables(db) {
        db.query('CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, password_hash TEXT)').run();
      },
      queries(db) {
        return { add: db.query('INSERT INTO users VALUES ($username, $password_hash)'), get: db.query('SELECT * FROM users WHERE username = $username') };
      },
      methods(q) {
        return {
          register({ username, user_password }: { username: string; user_password: string }) {
            q.add.run({ username, password_hash: user_password });
            return { username };
          },
        };
      },
    });
    const seen = vi.fn();
    queue.store({ cmd: 'register', data: { username: 'alice', user_password: 'AlicePass123!' } }, model, { register: seen, _error() {} });
    const stored = queue.retrieveByID(1)!.data as { username: string; user_password: string };
    expect(stored.username).toBe('alice');
    expect(stored.user_password).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,/);
    for (const part of [dbName, `${dbName}-wal`]) expect(existsSync(part) ? readFileSync(part).includes('AlicePass123!') : false).toBe(false);
    expect(verifyPassword('AlicePass123!', stored.user_password)).toBe(true);
    expect(verifyPassword('wrong', stored.user_password)).toBe(false);
    const row = (model._queries.get as any).get('alice') as { password_hash: string };
    expect(row.password_hash).toBe(stored.user_password);
    expect(seen.mock.calls[0]![1].data.user_password).toBe(stored.user_password);
    queue.close();
    model._close();
  });

  it('hash with bcrypt, storeBulk and storeAsync hash too; without hash the field is kept as given', async () => {
    const queue = initQueue({ dbName: file(), hash: { algorithm: 'bcrypt', cost: 4 } });
    queue.storeBulk([{ cmd: 'r', data: { user_password: 'one' } }]);
    await queue.storeAsync({ cmd: 'r', data: { user_password: 'two' } });
    const [a, b] = [queue.retrieveByID<{ user_password: string }>(1)!.data.user_password, queue.retrieveByID<{ user_password: string }>(2)!.data.user_password];
    expect(a).toMatch(/^\$2b\$04\$/);
    expect(verifyPassword('one', a)).toBe(true);
    expect(verifyPassword('two', b)).toBe(true);
    queue.close();
    const plain = initQueue({ dbName: file() });
    plain.store({ cmd: 'r', data: { user_password: 'x' } });
    expect(plain.retrieveByID<{ user_password: string }>(1)!.data.user_password).toBe('x');
    plain.close();
    expect(() => initQueue({ dbName: file(), hash: { algorithm: 'md5' as never } })).toThrow(/hash\.algorithm/);
  });

  it('exportToJSONL(path, { startId: 0 }) exports from the first event', async () => {
    const queue = initQueue({ dbName: file() });
    queue.store({ cmd: 'a' });
    queue.store({ cmd: 'b' });
    const out = join(dir, 'all.jsonl');
    await new BulkOperations(queue).exportToJSONL(out, { startId: 0, endId: null });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
    queue.close();
  });
});
