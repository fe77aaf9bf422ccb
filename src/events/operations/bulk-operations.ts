/**
 * Bulk export and import of an event queue: lossless JSONL both ways, CSV out.
 */
import { invalidOption } from '../../core/options.js';
import {
  batchProcess,
  migrateEvents,
  processingStats,
  type BatchableEventStore,
  type BatchProcessOptions,
  type BatchProcessResult,
  type MigrateOptions,
  type MigrateResult,
  type ProcessingStats,
  type ProcessingStatsOptions,
} from './event-batches.js';
import type { EventRow } from '../event-row.js';
import { CSV_HEADER, encodeCsvRow } from './event-csv.js';
import { exportRows, type ExportOptions, type ExportResult } from './event-export.js';
import { importEvents, type ImportOptions, type ImportResult } from './event-import.js';
import { encodeEventLine, EVENT_LINE_SQL } from './event-line.js';
import type { EventStoreHandle } from './event-store-handle.js';
import type { ExportTarget, ImportSource } from './line-io.js';

/**
 * Streams events to and from files without holding them in memory.
 *
 * A JSONL export carries every column of every event (ids, datetime,
 * correlation and causation ids, metadata, stream position), so exporting,
 * importing into a fresh queue and exporting again gives the same bytes.
 * Imports write the event log only: models and `onEventStored` hooks do not run
 * (replay to rebuild projections), except EventJobProcessor rules, which enqueue
 * their jobs inside the import transaction.
 *
 * @example
 * const bulkOps = new BulkOperations(eventQueue);
 * await bulkOps.exportToJSONL('events.jsonl');
 * await bulkOps.importFromJSONL('events.jsonl'); // same queue: every line is already there, all skipped
 */
export class BulkOperations {
  readonly #queue: EventStoreHandle;

  constructor(queue: EventStoreHandle) {
    if (queue === null || typeof queue !== 'object' || typeof queue.db?.prepare !== 'function') {
      throw invalidOption('queue', 'an event queue from initQueue()', queue);
    }
    this.#queue = queue;
  }

  /**
   * Writes one JSON object per event, in id order. Resolves after the file is
   * flushed to disk and closed. `path` may be `-` (stdout) or a writable stream.
   * @example
   * const { exported } = await bulkOps.exportToJSONL('orders.jsonl', { filter: { cmd: ['orderPlaced', 'orderPaid'] } });
   */
  exportToJSONL(path: ExportTarget, options: ExportOptions = {}): Promise<ExportResult> {
    return exportRows(this.#queue, path, options, { encode: encodeEventLine, sql: EVENT_LINE_SQL });
  }

  /**
   * Reads a JSONL export back. Every line is validated; by default the import is
   * atomic (a bad line, or an id the store holds with different content, rejects
   * with the line number and nothing is written). Lines identical to a stored
   * event are skipped and counted, so importing a file twice is harmless.
   * See {@link ImportOptions}.
   * @example
   * const { imported, skipped } = await bulkOps.importFromJSONL('events.jsonl', { onProgress: ({ lines }) => console.log(lines) });
   */
  importFromJSONL(path: ImportSource, options: ImportOptions = {}): Promise<ImportResult> {
    return importEvents(this.#queue, path, options);
  }

  /**
   * Writes a CSV file (header + one row per event, `data`/`metadata` as JSON text).
   * Same selection options and guarantees as {@link exportToJSONL}; not re-importable.
   */
  exportToCSV(path: ExportTarget, options: ExportOptions = {}): Promise<ExportResult> {
    return exportRows(this.#queue, path, options, { encode: encodeCsvRow, header: CSV_HEADER });
  }

  /**
   * Counts by cmd, user and version, the date range, root and child events and
   * distinct correlations (eventlite's `getProcessingStats`), in one read snapshot.
   * @example
   * const { totalEvents, eventsByCommand } = await bulkOps.getProcessingStats({ startId: 1000 });
   */
  async getProcessingStats(options: ProcessingStatsOptions = {}): Promise<ProcessingStats> {
    return processingStats(this.#queue, options);
  }

  /**
   * Runs `processorFn(batch)` over the events in id order (filters: startId, endId,
   * correlationId, user, cmd; `parallel` runs up to `maxConcurrency` batches at once).
   * @example
   * const { totalProcessed, totalErrors } = await bulkOps.batchProcess(async (batch) => index(batch), { batchSize: 500, cmd: 'orderPlaced' });
   */
  batchProcess(processorFn: (batch: EventRow[]) => unknown, options: BatchProcessOptions = {}): Promise<BatchProcessResult> {
    return batchProcess(this.#batchable(), processorFn, options);
  }

  /**
   * Appends an upgraded copy (at `targetVersion`) of each older event that
   * `migrationFn(event, targetVersion)` returns one for; `dryRun` only counts.
   * @example
   * await bulkOps.migrateEvents((event) => ({ ...event, data: { ...event.data, currency: 'USD' } }), { targetVersion: 2 });
   */
  migrateEvents(migrationFn: (event: EventRow, targetVersion: number) => unknown, options: MigrateOptions = {}): Promise<MigrateResult> {
    return migrateEvents(this.#batchable(), migrationFn, options);
  }

  #batchable(): BatchableEventStore {
    const queue = this.#queue as Partial<BatchableEventStore>;
    if (typeof queue.streamEvents !== 'function' || typeof queue.storeBulk !== 'function') {
      throw invalidOption('queue', 'an event queue from initQueue() (with streamEvents and storeBulk)', this.#queue);
    }
    return queue as BatchableEventStore;
  }
}
