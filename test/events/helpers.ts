/** Temp files and a small same-file model shared by the events tests. */
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { modelSetup, type CompatDatabase, type Model } from '../../src/events/index.js';

export type UsersModel = Model & {
  _db: CompatDatabase;
  _queries: Record<'add' | 'count' | 'names', Database.Statement>;
  _close(): void;
  addUser(data: { name: string }): { id: number; name: string };
};

/** A temp directory removed after the test file; `file()` gives a fresh path in it. */
export function useTempDir(): { dir: string; file: (name?: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 's3lite-events-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, file: (name = 'events') => join(dir, `${name}-${++n}.sqlite`) };
}

/** A users model: `addUser({ name })` inserts a row and throws for the name 'boom'. */
export function usersModel(dbName: string, extra: Record<string, unknown> = {}): UsersModel {
  return modelSetup({
    dbName,
    tables(db) {
      db.query('CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)').run();
    },
    queries(db) {
      return {
        add: db.query('INSERT INTO users (name) VALUES ($name)'),
        count: db.query('SELECT count(*) AS n FROM users'),
        names: db.query('SELECT name FROM users ORDER BY id'),
      };
    },
    methods(q) {
      return {
        addUser({ name }: { name: string }) {
          const id = Number(q.add.run({ name }).lastInsertRowid);
          if (name === 'boom') throw new Error('model refused boom');
          return { id, name };
        },
      };
    },
    ...extra,
  });
}

export function userCount(model: UsersModel): number {
  return (model._queries.count.get() as { n: number }).n;
}

export function userNames(model: UsersModel): string[] {
  return (model._queries.names.all() as Array<{ name: string }>).map((r) => r.name);
}
