// eventlite's sample flow on s3lite: a variables model, eventlite-style callbacks,
// a risky queue reset, and a cmd handled by a write query of the same name.
import { join } from 'node:path';
import { initQueue, modelSetup } from 's3lite';
import { tempDir } from '../_temp-dir.mjs';

const dir = tempDir('eventlite-sample');
const evQ = initQueue({ dbName: join(dir, 'events.sqlite'), risky: true });

const model = modelSetup({
  dbName: join(dir, 'model.sqlite'),
  reset: [''],
  tables(db) {
    db.query('CREATE TABLE variables (name TEXT PRIMARY KEY, value NUMBER)').run();
  },
  queries(db) {
    return {
      // No method is named `setVariable`: the event runs this query directly.
      setVariable: db.query('INSERT INTO variables(name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      lookup: db.query('SELECT value FROM variables WHERE name = $name'),
    };
  },
  methods(queries) {
    return {
      add({ left, right, name }) {
        const { value: l } = queries.lookup.get(left);
        const { value: r } = queries.lookup.get(right) ?? { value: 0 };
        queries.setVariable.run({ name, value: l + r });
        return `${name} = ${l} + ${r} = ${l + r}`;
      },
    };
  },
});

evQ.reset();

const lines = [];
const cb = {
  _default(res, row) {
    lines.push(`${row.id} ${row.cmd}: ${res === null ? 'stored' : res}`);
  },
  _error({ msg }) {
    lines.push(`ERROR: ${msg}`);
  },
};

const events = [
  ['setVariable', { name: 'x', value: 5 }],
  ['setVariable', { name: 'y', value: 7 }],
  ['add', { left: 'x', right: 'y', name: 'z' }],
  ['setVariable', { name: 'x', value: 8 }],
  ['add', { left: 'z', right: 'x', name: 'w' }],
  ['add', { left: 'missing', right: 'x', name: 'v' }],
].map(([cmd, data]) => ({ cmd, data }));
for (const event of events) evQ.store(event, model, cb);

console.log(lines.join('\n'));
console.log('w is', model._queries.lookup.get('w').value);
console.log('last event id:', evQ._queries.getLastRow.get().id);
evQ.close();
model._close();
