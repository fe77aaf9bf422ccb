/**
 * {@link ModelDb} on PostgreSQL. A statement runs on the connection of the
 * write transaction that is applying the current event (found through
 * AsyncLocalStorage, so concurrent batches on other connections never mix),
 * and on the pool outside of one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import type { AsyncStatement, ModelDb, StatementParams } from '../event-store.js';
import { bindValues, translatePlaceholders } from './pg-sql.js';

/** The connection of the transaction running on this async path, if any. */
export const currentClient = new AsyncLocalStorage<pg.PoolClient>();

class PgStatement implements AsyncStatement {
  readonly #pool: pg.Pool;
  readonly #sql: string;

  constructor(pool: pg.Pool, sql: string) {
    this.#pool = pool;
    this.#sql = sql;
    translatePlaceholders(sql);
  }

  async #query(params: StatementParams): Promise<pg.QueryResult> {
    const translated = translatePlaceholders(this.#sql);
    const values = bindValues(translated, params);
    return (currentClient.getStore() ?? this.#pool).query(translated.text, values);
  }

  async run(params?: StatementParams): Promise<{ changes: number }> {
    return { changes: (await this.#query(params)).rowCount ?? 0 };
  }

  async get<T>(params?: StatementParams): Promise<T | undefined> {
    return (await this.#query(params)).rows[0] as T | undefined;
  }

  async all<T>(params?: StatementParams): Promise<T[]> {
    return (await this.#query(params)).rows as T[];
  }
}

export class PgModelDb implements ModelDb {
  readonly backend = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async exec(sql: string): Promise<void> {
    await (currentClient.getStore() ?? this.#pool).query(sql);
  }

  query(sql: string): AsyncStatement {
    return new PgStatement(this.#pool, sql);
  }
}
