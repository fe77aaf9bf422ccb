/**
 * Wait conditions (eventlite's `storeWhen`): the `pending_events` and
 * `wait_conditions` tables (eventlite's names and columns, so its files open
 * as is) and how a pending event's conditions are evaluated against the log.
 *
 * A condition `{ pattern, correlationId, where, minCount }` matches stored events
 * of that correlation whose `cmd` is `pattern` and whose data passes `where`
 * (`{ field: value }` or `{ field: { $gt: 3 } }` with $eq $ne $gt $gte $lt $lte).
 * `all`: every condition matched; `any`: one; `count`: `count` matching events;
 * `sequence`: matching events in that order (by id). Several kinds together
 * must all hold. A satisfied condition stays satisfied.
 */
import type Database from 'better-sqlite3';
import { ValidationError } from '../core/errors.js';
import { describeValue } from '../core/options.js';

export const WAIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS pending_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_data TEXT NOT NULL,
  wait_conditions TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  correlation_id TEXT,
  status TEXT DEFAULT 'pending' CHECK(status IN ('pending', 'ready', 'expired', 'executed', 'cancelled'))
);
CREATE TABLE IF NOT EXISTS wait_conditions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pending_event_id INTEGER NOT NULL,
  condition_type TEXT NOT NULL,
  condition_data TEXT NOT NULL,
  satisfied BOOLEAN DEFAULT FALSE,
  FOREIGN KEY (pending_event_id) REFERENCES pending_events(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_pending_status ON pending_events(status);
CREATE INDEX IF NOT EXISTS idx_pending_correlation ON pending_events(correlation_id);
CREATE INDEX IF NOT EXISTS idx_pending_expires ON pending_events(expires_at);
CREATE INDEX IF NOT EXISTS idx_wait_conditions_pending ON wait_conditions(pending_event_id);
CREATE INDEX IF NOT EXISTS idx_wait_conditions_satisfied ON wait_conditions(satisfied);
`;

export const DROP_WAIT_TABLES = 'DROP TABLE IF EXISTS wait_conditions; DROP TABLE IF EXISTS pending_events;';

export type WhereOperator = '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte';

/**
 * One condition of `storeWhen`'s `waitFor`: matches stored events of
 * `correlationId` whose cmd is `pattern` and whose data passes `where`.
 */
export interface WaitCondition {
  /** The `cmd` of the awaited event; absent: any cmd. */
  pattern?: string;
  /** Correlation id of the awaited events. Required in practice: a condition without one never matches. */
  correlationId?: string;
  /**
   * Test on the awaited event's `data`: `{ field: value }` (strict equality) or
   * `{ field: { $gt: 3 } }` with `$eq $ne $gt $gte $lt $lte`; every field must pass.
   */
  where?: Record<string, unknown>;
  /** Events needed for an `all` / `any` / `sequence` step. @default 1 */
  minCount?: number;
}

/**
 * What a `storeWhen` event waits for. At least one kind; several kinds given must
 * all hold. A condition once satisfied stays satisfied.
 */
export interface WaitFor {
  /** Every condition matched. */
  all?: WaitCondition[];
  /** At least one condition matched. */
  any?: WaitCondition[];
  /** At least `count` (1 and up) events match the condition. */
  count?: WaitCondition & { count: number };
  /** Each condition matched by an event after (by id) the one that matched the previous condition. */
  sequence?: WaitCondition[];
}

/** A row of `pending_events`. */
export interface PendingEventRow {
  /** The pending event's id (`StoreWhenResult.pendingEventId`); not an event id. */
  id: number;
  /** JSON text of the event to store (already validated, `correlationId` resolved). */
  event_data: string;
  /** JSON text of its `waitFor`. */
  wait_conditions: string;
  /** When `storeWhen` was called (ms since the epoch, the queue's clock). */
  created_at: number;
  /** `created_at + timeout`, or null when it never expires. */
  expires_at: number | null;
  /** The pending event's own correlation id. */
  correlation_id: string | null;
  /**
   * `pending` (waiting), `ready` (conditions hold but storing it failed, or marked by
   * `checkAllPendingEvents`), `executed` (stored), `expired`, `cancelled`.
   */
  status: 'pending' | 'ready' | 'expired' | 'executed' | 'cancelled';
}

/** A row of `wait_conditions`. */
export interface ConditionRow {
  /** The condition row's id. */
  id: number;
  /** The {@link PendingEventRow.id} it belongs to. */
  pending_event_id: number;
  /** Which kind of `waitFor` it came from. */
  condition_type: 'all_condition' | 'any_condition' | 'count_condition' | 'sequence_condition';
  /** JSON text of the {@link WaitCondition}, with its index in the list (and `order` in a sequence). */
  condition_data: string;
  /** 1 once satisfied (it stays so), else 0. */
  satisfied: number;
}

function invalid(field: string, message: string, actual?: unknown): ValidationError {
  return new ValidationError(`storeWhen: \`${field}\` ${message}`, [{ field, message, actual }]);
}

function checkCondition(field: string, condition: unknown): void {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
    throw invalid(field, `must be an object like { pattern, correlationId, where }, got ${describeValue(condition)}.`, condition);
  }
  const { where } = condition as WaitCondition;
  if (where !== undefined && (typeof where !== 'object' || where === null || Array.isArray(where))) {
    throw invalid(`${field}.where`, 'must be an object of field conditions.', where);
  }
}

/** Validates `waitFor` (shape only; a condition that can never match is allowed, as in eventlite). */
export function checkWaitFor(waitFor: unknown): asserts waitFor is WaitFor {
  if (typeof waitFor !== 'object' || waitFor === null || Array.isArray(waitFor)) {
    throw invalid('waitFor', `must be an object with all, any, count or sequence, got ${describeValue(waitFor)}.`, waitFor);
  }
  const w = waitFor as Record<string, unknown>;
  for (const key of Object.keys(w)) {
    if (!['all', 'any', 'count', 'sequence'].includes(key)) throw invalid(`waitFor.${key}`, 'is not a kind of condition; use all, any, count or sequence.');
  }
  if (w.all === undefined && w.any === undefined && w.count === undefined && w.sequence === undefined) {
    throw invalid('waitFor', 'has no conditions; give all, any, count or sequence.', waitFor);
  }
  for (const kind of ['all', 'any', 'sequence'] as const) {
    const list = w[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw invalid(`waitFor.${kind}`, 'must be an array of conditions.', list);
    list.forEach((condition, i) => checkCondition(`waitFor.${kind}[${i}]`, condition));
  }
  if (w.count !== undefined) {
    checkCondition('waitFor.count', w.count);
    const count = (w.count as { count?: unknown }).count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) throw invalid('waitFor.count.count', 'must be an integer from 1 and up.', count);
  }
}

/** The condition rows to insert for `waitFor` (eventlite's types and data). */
export function conditionRows(waitFor: WaitFor): Array<{ type: ConditionRow['condition_type']; data: string }> {
  const rows: Array<{ type: ConditionRow['condition_type']; data: string }> = [];
  waitFor.all?.forEach((c, index) => rows.push({ type: 'all_condition', data: JSON.stringify({ ...c, index }) }));
  waitFor.any?.forEach((c, index) => rows.push({ type: 'any_condition', data: JSON.stringify({ ...c, index }) }));
  if (waitFor.count) rows.push({ type: 'count_condition', data: JSON.stringify(waitFor.count) });
  waitFor.sequence?.forEach((c, index) => rows.push({ type: 'sequence_condition', data: JSON.stringify({ ...c, index, order: index }) }));
  return rows;
}

function compare(value: unknown, operator: string, expected: unknown): boolean {
  const v = value as number;
  const e = expected as number;
  switch (operator) {
    case '$eq':
      return value === expected;
    case '$ne':
      return value !== expected;
    case '$gt':
      return v > e;
    case '$gte':
      return v >= e;
    case '$lt':
      return v < e;
    case '$lte':
      return v <= e;
    default:
      return false;
  }
}

/** eventlite's `where` test on an event's data. */
export function matchesWhere(data: unknown, where: Record<string, unknown> | undefined): boolean {
  if (!where) return true;
  const record = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  for (const [key, condition] of Object.entries(where)) {
    const value = record[key];
    if (typeof condition === 'object' && condition !== null) {
      for (const [operator, expected] of Object.entries(condition)) if (!compare(value, operator, expected)) return false;
    } else if (value !== condition) return false;
  }
  return true;
}

const statementsOf = new WeakMap<Database.Database, Database.Statement>();

/** Ids (ascending) of stored events matching `condition`. */
function matchingIds(db: Database.Database, condition: WaitCondition): number[] {
  if (typeof condition.correlationId !== 'string') return [];
  let statement = statementsOf.get(db);
  if (!statement) {
    statement = db.prepare('SELECT id, data FROM queue WHERE correlation_id = ? AND (? IS NULL OR cmd = ?) ORDER BY id').raw();
    statementsOf.set(db, statement);
  }
  const pattern = typeof condition.pattern === 'string' ? condition.pattern : null;
  const rows = statement.all(condition.correlationId, pattern, pattern) as Array<[number, string | null]>;
  const ids: number[] = [];
  for (const [id, data] of rows) {
    if (!condition.where || matchesWhere(data ? JSON.parse(data) : {}, condition.where)) ids.push(id);
  }
  return ids;
}

/**
 * Evaluates every condition of a pending event against the log. Returns the ids
 * of conditions newly satisfied and whether the event is ready.
 */
export function evaluate(db: Database.Database, pending: PendingEventRow, conditions: readonly ConditionRow[]): { ready: boolean; satisfied: number[] } {
  const waitFor = JSON.parse(pending.wait_conditions) as WaitFor;
  const done = new Map<number, boolean>(conditions.map((c) => [c.id, Boolean(c.satisfied)]));
  const sequence = conditions
    .filter((c) => c.condition_type === 'sequence_condition')
    .map((c) => ({ row: c, data: JSON.parse(c.condition_data) as WaitCondition & { order: number } }))
    .sort((a, b) => a.data.order - b.data.order);
  let after = 0;
  let chain = true;
  for (const step of sequence) {
    const next = chain ? matchingIds(db, step.data).find((id) => id > after) : undefined;
    if (next === undefined) chain = false;
    else {
      after = next;
      done.set(step.row.id, true);
    }
  }
  for (const c of conditions) {
    if (c.condition_type === 'sequence_condition' || done.get(c.id)) continue;
    const data = JSON.parse(c.condition_data) as WaitCondition & { count?: number };
    const needed = c.condition_type === 'count_condition' ? (data.count ?? 1) : (data.minCount ?? 1);
    if (matchingIds(db, data).length >= needed) done.set(c.id, true);
  }
  const of = (type: ConditionRow['condition_type']) => conditions.filter((c) => c.condition_type === type).map((c) => done.get(c.id) === true);
  let ready = Boolean(waitFor.all || waitFor.any || waitFor.count || waitFor.sequence);
  if (waitFor.all) ready &&= of('all_condition').length > 0 && of('all_condition').every(Boolean);
  if (waitFor.any) ready &&= of('any_condition').some(Boolean);
  if (waitFor.count) ready &&= of('count_condition').some(Boolean);
  if (waitFor.sequence) ready &&= of('sequence_condition').length > 0 && of('sequence_condition').every(Boolean);
  const satisfied = conditions.filter((c) => !c.satisfied && done.get(c.id)).map((c) => c.id);
  return { ready, satisfied };
}
