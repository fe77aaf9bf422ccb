/**
 * Horizontal bar charts as inline SVG strings: no library, no network, no
 * script, so the report renders anywhere (and in a headless browser test).
 */

export interface BarRow {
  label: string;
  /** One value per series. */
  values: number[];
}

export interface BarChart {
  title: string;
  unit: string;
  series: string[];
  rows: BarRow[];
}

const COLORS = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5'];
const LABEL_WIDTH = 250;
const PLOT_WIDTH = 420;
const BAR_HEIGHT = 16;
const GAP = 10;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(Math.abs(value) >= 10 ? 0 : 2);
}

/** One horizontal bar per (row, series), rows grouped, a legend when there are several series. */
export function renderBarChart(chart: BarChart): string {
  const max = Math.max(1e-9, ...chart.rows.flatMap((r) => r.values.filter(Number.isFinite)));
  const groupHeight = chart.series.length * BAR_HEIGHT + GAP;
  const top = 34 + (chart.series.length > 1 ? 18 : 0);
  const height = top + chart.rows.length * groupHeight + 10;
  const width = LABEL_WIDTH + PLOT_WIDTH + 110;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeHtml(chart.title)}</title>`,
    `<text x="0" y="18" class="chart-title">${escapeHtml(chart.title)} (${escapeHtml(chart.unit)})</text>`,
  ];
  if (chart.series.length > 1) {
    chart.series.forEach((name, s) => {
      const x = LABEL_WIDTH + s * 150;
      parts.push(`<rect x="${x}" y="28" width="12" height="12" fill="${COLORS[s % COLORS.length]}"/>`, `<text x="${x + 18}" y="38" class="legend">${escapeHtml(name)}</text>`);
    });
  }
  chart.rows.forEach((row, r) => {
    const y0 = top + r * groupHeight;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y0 + (chart.series.length * BAR_HEIGHT) / 2 + 4}" text-anchor="end" class="label">${escapeHtml(row.label)}</text>`);
    row.values.forEach((value, s) => {
      const w = Number.isFinite(value) ? Math.max(1, (value / max) * PLOT_WIDTH) : 0;
      const y = y0 + s * BAR_HEIGHT;
      parts.push(
        `<rect class="bar" x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT - 3}" fill="${COLORS[s % COLORS.length]}"><title>${escapeHtml(`${row.label} ${chart.series[s] ?? ''}: ${formatValue(value)} ${chart.unit}`)}</title></rect>`,
        `<text x="${LABEL_WIDTH + w + 6}" y="${y + BAR_HEIGHT - 5}" class="value">${formatValue(value)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}
