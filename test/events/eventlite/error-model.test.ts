/**
 * eventlite's error model for store(): problems go to callbacks._error with
 * eventlite's error object and store() returns undefined; nothing is kept.
 * Without an _error callback, store() throws a typed error.
 */
import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { EventConstraintError, EventRejectedError, initQueue, modelSetup } from '../../../src/events/index.js';
import { useTempDir, usersModel, userNames } from '../helpers.js';

const { file } = useTempDir();

function uniqueModel(dbName: string) {
  return modelSetup({
    dbName,
    tables(db) {
      db.query('CREATE TABLE IF NOT EXISTS accounts (name TEXT UNIQUE NOT NULL)').run();
    },
    queries(db) {
      return { add: db.query('INSERT INTO accounts (name) VALUES ($name)'), all: db.query('SELECT name FROM accounts ORDER BY name') };
    },
    methods(q) {
      return {
        open({ name }: { name: string }) {
          q.add.run({ name });
          return { name };
        },
      };
    },
  });
}

describe('store() error model (eventlite: report to callbacks._error, return undefined)', () => {
  it('a missing cmd goes to _error with the input fields and priority 2; nothing is stored', () => {
    const queue = initQueue({ dbName: file() });
    const _error = vi.fn();
    const result = queue.store({ user: 'ann', ip: '10.0.0.1', data: { a: 1 } } as never, undefined, { _error, _default() {} });
    expect(result).toBeUndefined();
    expect(_error).toHaveBeenCalledTimes(1);
    const report = _error.mock.calls[0]![0];
    expect(report).toMatchObject({ user: 'ann', ip: '10.0.0.1', data: { a: 1 }, priority: 2, code: 'VALIDATION' });
    expect(report.msg).toMatch(/No command given/);
    expect(report.error).toBeInstanceOf(ValidationError);
    expect(queue.retrieveByID(1)).toBeUndefined();
    queue.close();
  });

  it('a throwing model method: _error gets { msg, error, cmd, data, user, ip, … }, callbacks and model roll back, store returns undefined', () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = usersModel(dbName);
    const modelError = vi.fn();
    model._error = modelError;
    const callbacks = { _default: vi.fn(), _error: vi.fn() };
    expect(queue.store({ cmd: 'addUser', data: { name: 'ann' }, user: 'u1', ip: 'ip1' }, model, callbacks)).toEqual({ id: 1, name: 'ann' });
    expect(queue.store({ cmd: 'addUser', data: { name: 'boom' }, user: 'u1', ip: 'ip1' }, model, callbacks)).toBeUndefined();
    const report = callbacks._error.mock.calls[0]![0];
    expect(report).toMatchObject({ cmd: 'addUser', data: { name: 'boom' }, user: 'u1', ip: 'ip1', version: 1, rolledBack: true, id: null });
    expect(report.error).toBeInstanceOf(Error);
    expect((report.error as Error).message).toBe('model refused boom');
    expect(typeof report.msg).toBe('string');
    expect(typeof report.datetime).toBe('number');
    // eventlite calls the model's _error as well.
    expect(modelError).toHaveBeenCalledTimes(1);
    expect(callbacks._default).toHaveBeenCalledTimes(1);
    expect(userNames(model)).toEqual(['ann']);
    expect(queue.retrieveByID(2)).toBeUndefined();
    // The next event takes the id the rolled-back one would have had.
    queue.store({ cmd: 'addUser', data: { name: 'cy' } }, model, callbacks);
    expect(queue.retrieveByID(2)!.data).toEqual({ name: 'cy' });
    queue.close();
    model._close();
  });

  it('a SQLite UNIQUE violation inside a model is reported with code SQLITE_CONSTRAINT_UNIQUE, and thrown as CONSTRAINT (not VALIDATION)', async () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = uniqueModel(dbName);
    const _error = vi.fn();
    queue.store({ cmd: 'open', data: { name: 'a' } }, model, { _error });
    expect(queue.store({ cmd: 'open', data: { name: 'a' } }, model, { _error })).toBeUndefined();
    expect(_error.mock.calls[0]![0]).toMatchObject({ cmd: 'open', code: 'SQLITE_CONSTRAINT_UNIQUE', rolledBack: true });
    expect(queue.retrieveByID(2)).toBeUndefined();

    let thrown: unknown;
    try {
      queue.store({ cmd: 'open', data: { name: 'a' } }, model, {});
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EventConstraintError);
    expect((thrown as EventConstraintError).code).toBe('CONSTRAINT');
    expect((thrown as EventConstraintError).sqliteCode).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(thrown).not.toBeInstanceOf(ValidationError);
    await expect(queue.storeAsync({ cmd: 'open', data: { name: 'a' } }, model)).rejects.toMatchObject({ code: 'CONSTRAINT' });
    expect(queue.retrieveByID(2)).toBeUndefined();
    queue.close();
    model._close();
  });

  it('without an _error callback store() throws the typed error; storeAsync keeps rejecting', async () => {
    const dbName = file();
    const queue = initQueue({ dbName });
    const model = usersModel(dbName);
    expect(() => queue.store({ cmd: 'addUser', data: { name: 'boom' } }, model, { _default() {} })).toThrow(EventRejectedError);
    expect(() => queue.store({ data: {} } as never)).toThrow(ValidationError);
    await expect(queue.storeAsync({ cmd: 'addUser', data: { name: 'boom' } }, model, { _error() {} })).rejects.toBeInstanceOf(EventRejectedError);
    expect(queue.retrieveByID(1)).toBeUndefined();
    queue.close();
    model._close();
  });

  it('the queue-wide fallback callbacks (queue._cb) are used for the error model too', () => {
    const queue = initQueue({ dbName: file() });
    const _error = vi.fn();
    queue._cb = { _error, _default() {} };
    expect(queue.store({ cmd: '' })).toBeUndefined();
    expect(_error).toHaveBeenCalledTimes(1);
    queue.close();
  });
});
