/**
 * `queue._queries`: the prepared statements eventlite exposes under its names
 * and `$name` parameters, on s3lite's schema (rows carry `stream` and
 * `stream_version` too; `data` and `metadata` are the stored JSON text, as in
 * eventlite). They are bun-style statements (`_queries.getRowByID.get(5)` works).
 * Writes through them bypass hooks, the outbox and the query cache: call
 * `queue.clearCache()` after one.
 */
import type { CompatDatabase } from './connection.js';
import { EVENT_COLUMNS } from './event-row.js';
import { CREATE_QUEUE_TABLE } from './schema.js';

/** eventlite types `_queries` as `Record<string, any>`: bun-style statements by name. */
export type EventliteQueries = Record<string, any>;

/** eventlite's statements on the wait-condition tables (`_queries.getWaitConditions.all({ pending_event_id })`). */
export const PENDING_QUERIES: Record<string, string> = {
  storePendingEvent:
    'INSERT INTO pending_events (event_data, wait_conditions, created_at, expires_at, correlation_id, status) VALUES ($event_data, $wait_conditions, $created_at, $expires_at, $correlation_id, $status) RETURNING *',
  getPendingEventsByStatus: 'SELECT * FROM pending_events WHERE status = $status ORDER BY created_at',
  getPendingEventById: 'SELECT * FROM pending_events WHERE id = $id',
  updatePendingEventStatus: 'UPDATE pending_events SET status = $status WHERE id = $id',
  deletePendingEvent: 'DELETE FROM pending_events WHERE id = $id',
  getExpiredPendingEvents: "SELECT * FROM pending_events WHERE expires_at IS NOT NULL AND expires_at < $now AND status = 'pending'",
  storeWaitCondition:
    'INSERT INTO wait_conditions (pending_event_id, condition_type, condition_data, satisfied) VALUES ($pending_event_id, $condition_type, $condition_data, $satisfied)',
  getWaitConditions: 'SELECT * FROM wait_conditions WHERE pending_event_id = $pending_event_id',
  updateWaitConditionSatisfied: 'UPDATE wait_conditions SET satisfied = $satisfied WHERE id = $id',
  getUnsatisfiedConditions: 'SELECT * FROM wait_conditions WHERE pending_event_id = $pending_event_id AND satisfied = FALSE',
  getReadyPendingEvents:
    "SELECT pe.* FROM pending_events pe WHERE pe.status = 'pending' AND NOT EXISTS (SELECT 1 FROM wait_conditions wc WHERE wc.pending_event_id = pe.id AND wc.satisfied = FALSE)",
};

/** The statements, prepared on first use of each (a read-only queue never prepares its writes). */
export function eventliteQueries(db: CompatDatabase, extra: Record<string, string> = {}): EventliteQueries {
  const select = `SELECT ${EVENT_COLUMNS} FROM queue`;
  const insertColumns = 'version, datetime, user, ip, cmd, data, correlation_id, causation_id, metadata';
  const insertValues = '$version, $datetime, $user, $ip, $cmd, $data, $correlation_id, $causation_id, $metadata';
  const sql: Record<string, string> = {
    create: CREATE_QUEUE_TABLE,
    cycle: `${select} WHERE id >= $start ORDER BY id LIMIT 1000 OFFSET $offset`,
    cycleStop: `${select} WHERE id >= $start AND id < $stop ORDER BY id LIMIT 1000 OFFSET $offset`,
    getRowByID: `${select} WHERE id = $id`,
    storeRow: `INSERT INTO queue (${insertColumns}) VALUES (${insertValues}) RETURNING ${EVENT_COLUMNS}`,
    getLastRow: `${select} ORDER BY id DESC LIMIT 1`,
    getByCorrelationId: `${select} WHERE correlation_id = $correlationId ORDER BY id`,
    getChildEvents: `${select} WHERE causation_id = $causationId ORDER BY id`,
    getByCorrelationIdPaginated: `${select} WHERE correlation_id = $correlationId ORDER BY id LIMIT $limit OFFSET $offset`,
    getChildEventsPaginated: `${select} WHERE causation_id = $causationId ORDER BY id LIMIT $limit OFFSET $offset`,
    getEventsByUserPaginated: `${select} WHERE user = $user ORDER BY datetime DESC, id DESC LIMIT $limit OFFSET $offset`,
    getEventsByCmdPaginated: `${select} WHERE cmd = $cmd ORDER BY datetime DESC, id DESC LIMIT $limit OFFSET $offset`,
    getEventsInTimeRangePaginated: `${select} WHERE datetime >= $start AND datetime <= $end ORDER BY datetime DESC, id DESC LIMIT $limit OFFSET $offset`,
    countByCorrelationId: 'SELECT COUNT(*) AS count FROM queue WHERE correlation_id = $correlationId',
    countChildEvents: 'SELECT COUNT(*) AS count FROM queue WHERE causation_id = $causationId',
    countEventsByUser: 'SELECT COUNT(*) AS count FROM queue WHERE user = $user',
    countEventsByCmd: 'SELECT COUNT(*) AS count FROM queue WHERE cmd = $cmd',
    countEventsInTimeRange: 'SELECT COUNT(*) AS count FROM queue WHERE datetime >= $start AND datetime <= $end',
    bulkInsert: `INSERT INTO queue (${insertColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ...extra,
  };
  const queries: EventliteQueries = {};
  for (const [name, text] of Object.entries(sql)) {
    Object.defineProperty(queries, name, { enumerable: true, configurable: true, get: () => db.query(text) });
  }
  return queries;
}
