/**
 * The log position a model reflects, kept in the model's own file and written
 * in the same transaction as the model's changes: a snapshot or a crash can
 * never leave the model without knowing which events it has applied.
 */
import type { SqliteDatabase } from './connection.js';

const CREATE = `CREATE TABLE IF NOT EXISTS s3lite_model_position (model TEXT PRIMARY KEY, event_id INTEGER NOT NULL)`;

export interface PositionStatements {
  set: (eventId: number) => void;
  get: () => number;
}

/** Creates the position table (if writable) and returns accessors for model `name`. */
export function modelPosition(db: SqliteDatabase, name: string): PositionStatements {
  if (!db.readonly) db.exec(CREATE);
  const upsert = db.readonly
    ? null
    : db.prepare(
        `INSERT INTO s3lite_model_position (model, event_id) VALUES (?, ?) ON CONFLICT(model) DO UPDATE SET event_id = excluded.event_id`,
      );
  const select = db.prepare(`SELECT event_id FROM s3lite_model_position WHERE model = ?`).pluck();
  return {
    set(eventId) {
      upsert?.run(name, eventId);
    },
    get() {
      return (select.get(name) as number | undefined) ?? 0;
    },
  };
}
