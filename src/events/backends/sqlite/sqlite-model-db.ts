/**
 * {@link ModelDb} over the queue's better-sqlite3 connection: statements resolve
 * at once, and run inside whatever transaction the queue has open.
 */
import type Database from 'better-sqlite3';
import type { AsyncStatement, ModelDb, StatementParams } from '../event-store.js';

function bind(params: StatementParams): unknown[] {
  if (params === undefined) return [];
  if (Array.isArray(params)) return params as unknown[];
  return [params];
}

class SqliteStatement implements AsyncStatement {
  readonly #statement: Database.Statement;

  constructor(statement: Database.Statement) {
    this.#statement = statement;
  }

  async run(params?: StatementParams): Promise<{ changes: number }> {
    return { changes: this.#statement.run(...bind(params)).changes };
  }

  async get<T>(params?: StatementParams): Promise<T | undefined> {
    return this.#statement.get(...bind(params)) as T | undefined;
  }

  async all<T>(params?: StatementParams): Promise<T[]> {
    return this.#statement.all(...bind(params)) as T[];
  }
}

export class SqliteModelDb implements ModelDb {
  readonly backend = 'sqlite' as const;
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  async exec(sql: string): Promise<void> {
    this.#db.exec(sql);
  }

  query(sql: string): AsyncStatement {
    return new SqliteStatement(this.#db.prepare(sql));
  }
}
