/**
 * Tables as the CLI prints them: GitHub markdown, which also reads well in a
 * terminal and pastes into an issue as is.
 */

export type Cell = string | number | null;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  /** Lines printed under the table (settings, caveats). */
  notes?: string[];
}

/** Numbers as people read them: thousands separated, at most two decimals, `-` for missing. */
export function formatCell(cell: Cell): string {
  if (cell === null) return '-';
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) return String(cell);
    if (Math.abs(cell) >= 1000) return Math.round(cell).toLocaleString('en-US');
    if (Number.isInteger(cell)) return String(cell);
    return cell.toFixed(Math.abs(cell) >= 10 ? 1 : 2);
  }
  return cell;
}

export function renderTable(table: Table): string {
  const cells = table.rows.map((row) => row.map(formatCell));
  const widths = table.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const out = [`### ${table.title}`, '', line(table.columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`];
  for (const row of cells) out.push(line(row));
  for (const note of table.notes ?? []) out.push('', `> ${note}`);
  return out.join('\n');
}
