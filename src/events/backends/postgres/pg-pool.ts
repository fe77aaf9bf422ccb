/**
 * The connection pool: bigint and numeric columns read back as JavaScript
 * numbers (as SQLite gives them), so rows look the same on both backends.
 */
import pg from 'pg';

const parseNumber = (text: string): number => Number(text);

const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    // 20 int8, 1700 numeric: counts, sums and ids.
    if (oid === 20 || oid === 1700) return parseNumber;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PgPoolOptions {
  connectionString: string;
  /** Connections. @default 10 */
  max?: number;
}

export function createPool(options: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10, types: TYPES });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return pool;
}
