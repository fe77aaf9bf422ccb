/**
 * The HTML report of `s3lite tune`: one self-contained file (inline CSS and
 * SVG, no script, no network) with the charts, the tables, the checklist and
 * the raw figures.
 */
import { formatCell, type Table } from '../text-table.js';
import { escapeHtml, renderBarChart, type BarChart } from './svg-chart.js';
import type { Advice, ChecklistItem, TuneResult } from './tune-types.js';

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto; max-width: 1000px; color: #1a202c; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #e2e8f0; }
table { border-collapse: collapse; margin: 0.8rem 0; } th, td { border: 1px solid #cbd5e0; padding: 3px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } th { background: #edf2f7; }
.note { color: #4a5568; font-size: 0.9em; margin: 0.2rem 0; }
.chart { display: block; margin: 0.8rem 0; } .chart-title { font-weight: 600; font-size: 14px; }
.label, .legend, .value { font-size: 12px; fill: #2d3748; }
li.pass::marker { content: '✔ '; color: #38a169; } li.miss::marker { content: '✘ '; color: #e53e3e; }
li.na::marker { content: '– '; color: #718096; } li.info::marker { content: 'ℹ '; color: #3182ce; }
.warning { background: #fffaf0; border-left: 4px solid #dd6b20; padding: 0.4rem 0.8rem; }
pre.config { background: #1a202c; color: #f7fafc; font-size: 13px; }
pre { background: #f7fafc; padding: 0.8rem; overflow: auto; font-size: 12px; }
`;

function tableHtml(table: Table): string {
  const head = table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = table.rows
    .map((row) => `<tr>${row.map((cell) => `<td${typeof cell === 'number' ? ' class="num"' : ''}>${escapeHtml(formatCell(cell))}</td>`).join('')}</tr>`)
    .join('\n');
  const notes = (table.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('');
  return `<h3>${escapeHtml(table.title)}</h3><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${notes}`;
}

function adviceHtml(advice: Advice): string {
  const warnings = advice.warnings.map((w) => `<p class="warning"><strong>Warning:</strong> ${escapeHtml(w)}</p>`).join('\n');
  return `<h2 id="what-to-set">What to set</h2>
<pre class="config">${escapeHtml(`${advice.s3db}\n\n${advice.initQueue}`)}</pre>
<p>Why:</p><ul class="why">${advice.why.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>
${warnings}`;
}

function checklistHtml(items: ChecklistItem[]): string {
  const cls = { pass: 'pass', miss: 'miss', 'n/a': 'na', info: 'info' } as const;
  return `<ol class="checklist">${items
    .map((i) => `<li class="${cls[i.status]}"><strong>${escapeHtml(i.title)}</strong> (${escapeHtml(i.status)}): ${escapeHtml(i.rule)}<br><span class="note">${escapeHtml(i.detail)}</span></li>`)
    .join('\n')}</ol>`;
}

/** The charts drawn from the figures, by section. */
export function reportCharts(result: TuneResult): { docs: BarChart[]; events: BarChart[] } {
  const { docs, events } = result;
  const sweepRows = [...docs.sweep, ...(docs.unmatched ? [docs.unmatched] : [])].map((p, i) => ({
    label: i < docs.sweep.length ? `concurrency ${p.concurrency}` : `${p.concurrency}, maxSockets ${p.maxSockets}`,
    p,
  }));
  const docsCharts: BarChart[] = [
    { title: 'Documents: throughput by concurrency', unit: 'requests/s', series: ['req/s'], rows: sweepRows.map(({ label, p }) => ({ label, values: [p.throughput] })) },
    { title: 'Documents: latency by concurrency', unit: 'ms', series: ['p50', 'p95', 'in-pool p95'], rows: sweepRows.map(({ label, p }) => ({ label, values: [p.p50, p.p95, p.serviceP95] })) },
  ];
  if (docs.partitions) {
    const { reads, writes } = docs.partitions;
    docsCharts.push(
      { title: 'Partitions: partition lookup versus scan, time', unit: 'ms', series: ['ms'], rows: reads.map((r) => ({ label: r.how, values: [r.ms] })) },
      { title: 'Partitions: partition lookup versus scan, requests', unit: 'requests', series: ['requests'], rows: reads.map((r) => ({ label: r.how, values: [r.requests] })) },
      { title: 'Partitions: insert latency by asyncPartitions', unit: 'ms', series: ['p50', 'p95'], rows: writes.map((w) => ({ label: `asyncPartitions: ${w.asyncPartitions}`, values: [w.p50, w.p95] })) },
    );
  }
  if (docs.cache) {
    // One chart per read: a list is a hundred times slower than a get, so they do not share an axis.
    for (const [read, title] of [['get', 'Caching: get() of a hot set, cache off versus on'], ['list', 'Caching: partition list, cache off versus on']] as const) {
      const rows = docs.cache.rows.filter((r) => r.read.startsWith(read));
      docsCharts.push({ title, unit: 'reads/s', series: ['reads/s'], rows: rows.map((r) => ({ label: r.cache.split(' (')[0]?.split('(')[0]?.trim() ?? r.cache, values: [r.perSec] })) });
    }
  }
  const eventsCharts: BarChart[] = [
    { title: 'Events: write speed of the profiles', unit: 'events/s', series: ['store() one by one'], rows: events.profiles.map((p) => ({ label: p.profile, values: [p.perSec] })) },
    { title: 'Events: WAL versus rollback journal', unit: 'events/s', series: ['store() one by one'], rows: events.journal.map((j) => ({ label: j.mode.split(' (')[0] ?? j.mode, values: [j.perSec] })) },
    { title: 'Events: one by one, group commit, bulk', unit: 'events/s', series: ['events/s'], rows: events.writeModes.map((m) => ({ label: m.mode.split(':')[0] ?? m.mode, values: [m.perSec] })) },
    { title: 'Events: bulk write speed with each index alone', unit: 'events/s', series: ['storeBulk'], rows: events.indexCosts.map((r) => ({ label: r.index, values: [r.perSec] })) },
  ];
  return { docs: docsCharts, events: eventsCharts };
}

export function renderHtmlReport(result: TuneResult): string {
  const charts = reportCharts(result);
  const [sweepChart, latencyChart, ...docsRest] = charts.docs.map(renderBarChart);
  const docsTables = result.tables.filter((t) => !/^(Configurable|Write performance|Database indexing)/.test(t.title));
  const eventsTables = result.tables.filter((t) => /^(Configurable|Write performance|Database indexing)/.test(t.title));
  const m = result.machine;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>s3lite tune report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>s3lite tune report</h1>
<p class="note">s3lite ${escapeHtml(result.version)}, ${escapeHtml(result.startedAt)}, ${(result.durationMs / 1000).toFixed(1)} s${result.settings.quick ? ' (--quick)' : ''}.
Machine: node ${escapeHtml(m.node)}, ${escapeHtml(m.platform)}, ${escapeHtml(m.cpu)} x${m.cores}, ${m.memoryGiB} GiB.
Documents: ${escapeHtml(result.settings.docs)}. Events: ${escapeHtml(result.settings.events)}${result.settings.eventsTemporary ? ' (temporary)' : ''}.</p>
${adviceHtml(result.advice)}
<h2>Documents</h2>
${sweepChart ?? ''}${latencyChart ?? ''}
${docsTables.map(tableHtml).join('\n')}
${docsRest.join('\n')}
<h2>Events</h2>
${charts.events.map(renderBarChart).join('\n')}
${eventsTables.map(tableHtml).join('\n')}
<h2>Production checklist</h2>
${checklistHtml(result.checklist)}
${result.notMeasured.length > 0 ? `<h2>Not measured</h2><ul>${result.notMeasured.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
<h2>Figures (JSON)</h2>
<pre id="figures">${escapeHtml(JSON.stringify({ ...result, tables: undefined }, null, 2))}</pre>
</body>
</html>
`;
}
