/**
 * The seeds' production checklist, evaluated against the configuration the
 * user ran `tune` with (flags, connection string, the target's resources and
 * the events file) and annotated with what was measured.
 */
import type { ChecklistItem, DocsFigures, EventsFigures, TuneSettings } from './tune-types.js';

const CORE_INDEXES = ['correlation_id', 'causation_id'];

export function evaluateChecklist(settings: TuneSettings, docs: DocsFigures, events: EventsFigures): ChecklistItem[] {
  const items: ChecklistItem[] = [];
  const sockets = docs.sockets;
  const { api, batch } = docs.recommendation;

  const c = settings.concurrency;
  const measured = `measured here: ${api.concurrency} for latency-sensitive APIs, ${batch.concurrency} for batch work`;
  // s3lite's default is not a choice the user made: the item passes only for a concurrency they set.
  items.push({
    title: 'Concurrency',
    rule: 'Set `executorPool.concurrency` between 50-200 based on workload.',
    status: !settings.concurrencyConfigured ? 'info' : c >= 50 && c <= 200 ? 'pass' : 'miss',
    detail: settings.concurrencyConfigured
      ? `configured ${c}; ${measured}`
      : `not configured (pass --concurrency with the value your application sets; s3lite's default is ${c}); ${measured}`,
  });

  items.push(
    !sockets
      ? { title: 'HTTP', rule: 'Ensure `maxSockets` >= `concurrency`.', status: 'n/a', detail: `${settings.docsBackend}:// opens no sockets` }
      : {
          title: 'HTTP',
          rule: 'Ensure `maxSockets` >= `concurrency`.',
          status: (settings.maxSockets ?? c) >= c ? 'pass' : 'miss',
          detail:
            `maxSockets ${settings.maxSockets ?? `${c} (defaults to concurrency)`} for concurrency ${c}` +
            (docs.unmatched ? `; measured: maxSockets ${docs.unmatched.maxSockets} at concurrency ${docs.unmatched.concurrency} gave p95 ${docs.unmatched.p95.toFixed(0)} ms vs ${matchedP95(docs)} ms matched` : ''),
        },
  );

  const partitioned = docs.resources.filter((r) => r.partitions > 0);
  const measuredLookup = lookupMeasurement(docs);
  const partitionsRule = 'Use partitions for all common query filters.';
  items.push(
    docs.resources.length === 0
      ? { title: 'Partitions', rule: partitionsRule, status: measuredLookup ? 'info' : 'n/a', detail: joinDetail('no resources at the target to check', measuredLookup) }
      : {
          title: 'Partitions',
          rule: partitionsRule,
          status: partitioned.length === docs.resources.length ? 'pass' : 'miss',
          detail: joinDetail(
            `${partitioned.length} of ${docs.resources.length} resources define partitions` + listMissing(docs.resources.filter((r) => r.partitions === 0).map((r) => r.name)),
            measuredLookup,
          ),
        },
  );

  const measuredAsync = asyncMeasurement(docs);
  const asyncRule = 'Enable `asyncPartitions: true`.';
  items.push(
    partitioned.length === 0
      ? { title: 'Async', rule: asyncRule, status: measuredAsync ? 'info' : 'n/a', detail: joinDetail('no partitioned resources at the target to check', measuredAsync) }
      : {
          title: 'Async',
          rule: asyncRule,
          status: partitioned.every((r) => r.asyncPartitions) ? 'pass' : 'miss',
          detail: joinDetail(
            listMissing(partitioned.filter((r) => !r.asyncPartitions).map((r) => r.name), 'synchronous partitions: ') || 'every partitioned resource writes partitions in the background',
            measuredAsync,
          ),
        },
  );

  const large = docs.resources.filter((r) => r.behavior !== 'body-overflow' && r.behavior !== 'body-only');
  items.push(
    docs.resources.length === 0
      ? { title: 'Behaviors', rule: 'Use `body-overflow` or `body-only` for large documents (>2KB).', status: 'n/a', detail: 'no resources at the target' }
      : {
          title: 'Behaviors',
          rule: 'Use `body-overflow` or `body-only` for large documents (>2KB).',
          status: large.length === 0 ? 'pass' : 'miss',
          detail: large.length === 0 ? 'every resource stores documents over 2 KB in the body' : `documents over 2 KB are rejected or cut in: ${large.map((r) => `${r.name} (${r.behavior})`).join(', ')}`,
        },
  );

  items.push(
    !sockets
      ? { title: 'Keep-Alive', rule: 'Verify `httpClientOptions.keepAlive` is true (default).', status: 'n/a', detail: `${settings.docsBackend}:// opens no connections` }
      : {
          title: 'Keep-Alive',
          rule: 'Verify `httpClientOptions.keepAlive` is true (default).',
          status: settings.keepAlive ? 'pass' : 'miss',
          detail: settings.keepAlive ? 'connections are reused' : 'every request opens a new connection (and TLS handshake)',
        },
  );

  const walRow = events.journal[0];
  const rollbackRow = events.journal[1];
  const walGain = walRow && rollbackRow ? `measured ${(walRow.perSec / rollbackRow.perSec).toFixed(1)}x rollback journal` : '';
  const current = events.current;
  items.push(
    current === null
      ? { title: 'WAL', rule: 'Enable WAL mode.', status: 'pass', detail: `initQueue uses WAL by default; ${walGain}` }
      : {
          title: 'WAL',
          rule: 'Enable WAL mode.',
          status: current.journalMode.toLowerCase() === 'wal' ? 'pass' : 'miss',
          detail: `${settings.events}: journal_mode=${current.journalMode}; ${walGain}`,
        },
  );

  const present = current?.presentIndexes ?? CORE_INDEXES;
  const missingCore = CORE_INDEXES.filter((n) => !present.includes(n));
  const extraCost = events.indexCosts.filter((r) => present.includes(r.index) && !CORE_INDEXES.includes(r.index));
  items.push({
    title: 'Indexes',
    rule: 'Start minimal: the core indexes, then add indexes based on actual query patterns.',
    status: missingCore.length === 0 ? 'pass' : 'miss',
    detail:
      (missingCore.length > 0 ? `missing core index ${missingCore.join(', ')} (getTransaction and lineage scan the log); ` : '') +
      `present: ${present.join(', ') || 'none'}` +
      (extraCost.length > 0 ? `; measured write cost of the extra ones: ${extraCost.map((r) => `${r.index} ${r.costPct.toFixed(0)}%`).join(', ')}` : ''),
  });

  const oneByOne = events.writeModes[0];
  const bulkRow = events.writeModes[2];
  items.push({
    title: 'Bulk',
    rule: 'Use bulk operations for batch processing.',
    status: 'info',
    detail: oneByOne && bulkRow ? `measured storeBulk at ${(bulkRow.perSec / oneByOne.perSec).toFixed(0)}x store() one by one; storeAsync groups concurrent writers into one commit` : 'not measured',
  });
  return items;
}

/** "measured: …" for the partition lookup, or undefined when it was not measured. */
function lookupMeasurement(docs: DocsFigures): string | undefined {
  const reads = docs.partitions?.reads;
  const scan = reads?.find((r) => r.how.startsWith('scan'));
  const lookup = reads?.find((r) => r.how === 'partition lookup');
  if (!scan || !lookup || lookup.requests === 0) return undefined;
  return `measured: the partition lookup read ${lookup.found} of ${docs.partitions?.documents} documents in ${lookup.requests} requests and ${lookup.ms.toFixed(1)} ms, the scan ${scan.requests} requests and ${scan.ms.toFixed(1)} ms (${(scan.requests / lookup.requests).toFixed(1)}x the requests)`;
}

function asyncMeasurement(docs: DocsFigures): string | undefined {
  const writes = docs.partitions?.writes;
  const on = writes?.find((w) => w.asyncPartitions);
  const off = writes?.find((w) => !w.asyncPartitions);
  if (!on || !off) return undefined;
  return `measured: insert p50 ${on.p50.toFixed(2)} ms with asyncPartitions true, ${off.p50.toFixed(2)} ms with false (p95 ${on.p95.toFixed(2)} vs ${off.p95.toFixed(2)} ms)`;
}

function joinDetail(first: string, measured: string | undefined): string {
  return measured ? `${first}; ${measured}` : first;
}

function matchedP95(docs: DocsFigures): string {
  const matched = docs.sweep.find((p) => p.concurrency === docs.unmatched?.concurrency);
  return matched ? matched.p95.toFixed(0) : '?';
}

function listMissing(names: string[], prefix = '; missing: '): string {
  return names.length === 0 ? '' : `${prefix}${names.join(', ')}`;
}

const MARK = { pass: '[x]', miss: '[ ]', 'n/a': '[-]', info: '[i]' } as const;

/** The checklist in the guide's style: `1. [x] **Concurrency**: rule (detail)`. */
export function renderChecklist(items: ChecklistItem[]): string {
  const lines = ['### Production checklist', '', '`[x]` passes, `[ ]` misses, `[-]` does not apply to this target, `[i]` advice with a measurement', ''];
  items.forEach((item, i) => lines.push(`${i + 1}. ${MARK[item.status]} **${item.title}**: ${item.rule} (${item.detail})`));
  return lines.join('\n');
}
