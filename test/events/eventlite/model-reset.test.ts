/** modelSetup's reset strategies as eventlite documents them: ['delete'], ['move'], ['move', folder], ['rename']. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir, usersModel, userNames } from '../helpers.js';

const { dir } = useTempDir();

function filled(name: string): string {
  const dbName = join(dir, name);
  const model = usersModel(dbName);
  model._queries.add.run({ name: 'old' });
  model._close();
  return dbName;
}

describe('modelSetup reset strategies', () => {
  it("['delete'] starts from an empty file", () => {
    const dbName = filled('del.sqlite');
    const model = usersModel(dbName, { reset: ['delete'] });
    expect(userNames(model)).toEqual([]);
    expect(existsSync(join(dir, 'delete'))).toBe(false);
    model._close();
  });

  it("['move'] keeps the old file as <name>-old, ['move', folder] moves it into the folder, ['rename'] adds a timestamp", () => {
    const moved = filled('mv.sqlite');
    usersModel(moved, { reset: ['move'] })._close();
    const old = usersModel(join(dir, 'mv-old.sqlite'));
    expect(userNames(old)).toEqual(['old']);
    old._close();

    const intoFolder = filled('folder.sqlite');
    usersModel(intoFolder, { reset: ['move', join(dir, 'backup')] })._close();
    expect(existsSync(join(dir, 'backup', 'folder.sqlite'))).toBe(true);

    const renamed = filled('ren.sqlite');
    const model = usersModel(renamed, { reset: ['rename'] });
    expect(userNames(model)).toEqual([]);
    expect(readdirSync(dir).some((f) => /^ren-\d{4}-\d\d-\d\dT.*\.sqlite$/.test(f))).toBe(true);
    model._close();
  });
});
