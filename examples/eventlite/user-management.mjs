// eventlite's user-management flow on s3lite: passwords hashed by the `hash`
// option before the event is stored, UNIQUE violations reported to _error.
import { join } from 'node:path';
import { initQueue, modelSetup, verifyPassword } from 's3lite';
import { tempDir } from '../_temp-dir.mjs';

const dir = tempDir('eventlite-users');
// Small argon2 costs keep the example fast; production would keep the defaults.
const eventQueue = initQueue({ dbName: join(dir, 'user-events.sqlite'), hash: { algorithm: 'argon2id', memoryCost: 4096, timeCost: 2 } });

const users = modelSetup({
  dbName: join(dir, 'users.sqlite'),
  tables(db) {
    db.query(`CREATE TABLE users (
      id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT UNIQUE NOT NULL, email TEXT UNIQUE NOT NULL,
      password_hash TEXT NOT NULL, role TEXT DEFAULT 'user', active BOOLEAN DEFAULT 1, last_login INTEGER)`).run();
  },
  queries(db) {
    return {
      create: db.query('INSERT INTO users (username, email, password_hash) VALUES ($username, $email, $password_hash)'),
      byName: db.query('SELECT * FROM users WHERE username = $username'),
      setRole: db.query('UPDATE users SET role = $role WHERE id = $id'),
      loggedIn: db.query('UPDATE users SET last_login = $at WHERE id = $id'),
      stats: db.query("SELECT count(*) AS total, sum(role = 'admin') AS admins FROM users"),
    };
  },
  methods(q) {
    return {
      registerUser({ username, email, user_password }) {
        // user_password arrives already hashed.
        const { lastInsertRowid } = q.create.run({ username, email, password_hash: user_password });
        return { userId: Number(lastInsertRowid), username };
      },
      loginUser({ username, password }, { datetime }) {
        const user = q.byName.get(username);
        if (!user || !verifyPassword(password, user.password_hash)) throw new Error('Invalid username or password');
        q.loggedIn.run({ id: user.id, at: datetime });
        return { userId: user.id, username };
      },
      updateUserRole({ userId, role }, { user }) {
        const requester = q.byName.get(user);
        if (requester?.role !== 'admin') throw new Error('Only admins can change roles');
        q.setRole.run({ id: userId, role });
        return { userId, role };
      },
    };
  },
});

const out = [];
const callbacks = {
  _default(result, row) {
    out.push(`ok ${row.cmd} ${JSON.stringify(result)}`);
  },
  _error({ cmd, msg, code }) {
    out.push(`error ${cmd}${code ? ` (${code})` : ''}: ${msg.split(': ').pop()}`);
  },
};

eventQueue.store({ cmd: 'registerUser', data: { username: 'alice', email: 'alice@example.com', user_password: 'AlicePass123!' } }, users, callbacks);
eventQueue.store({ cmd: 'registerUser', data: { username: 'bob', email: 'bob@example.com', user_password: 'BobSecure456!' } }, users, callbacks);
// Bootstrap an admin directly in the model.
users._db.query("UPDATE users SET role = 'admin' WHERE username = 'alice'").run();
eventQueue.store({ cmd: 'loginUser', user: 'alice', data: { username: 'alice', password: 'AlicePass123!' } }, users, callbacks);
eventQueue.store({ cmd: 'loginUser', user: 'bob', data: { username: 'bob', password: 'wrong' } }, users, callbacks);
eventQueue.store({ cmd: 'updateUserRole', user: 'alice', data: { userId: 2, role: 'moderator' } }, users, callbacks);
eventQueue.store({ cmd: 'updateUserRole', user: 'bob', data: { userId: 1, role: 'user' } }, users, callbacks);
const duplicate = eventQueue.store({ cmd: 'registerUser', data: { username: 'alice', email: 'a2@example.com', user_password: 'x' } }, users, callbacks);

console.log(out.join('\n'));
console.log('duplicate register returned:', duplicate);
const stored = eventQueue.retrieveByID(1).data.user_password;
console.log('stored password is a hash:', stored.startsWith('$argon2id$'), 'verifies:', verifyPassword('AlicePass123!', stored));
console.log('events kept:', eventQueue._queries.getLastRow.get().id, 'stats:', users._queries.stats.get());
eventQueue.close();
users._close();
