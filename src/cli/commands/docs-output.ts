/** Output and flags shared by the `s3lite docs` actions. */
import type { Command } from 'commander';
import type { Document } from '../../index.js';
import type { DatabaseFlags } from '../open-database.js';
import { renderTable } from '../text-table.js';

export interface OutputFlags extends DatabaseFlags {
  json?: boolean;
}

/** `--json`: the value as JSON; otherwise the text. */
export function print(value: unknown, flags: OutputFlags, text: () => string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Documents as a table: id first, then every field seen. */
export function documentsTable(title: string, docs: readonly Document[]): string {
  const columns = ['id', ...new Set(docs.flatMap((d) => Object.keys(d).filter((k) => k !== 'id')))];
  const rows = docs.map((d) =>
    columns.map((c) => {
      const v = (d as Record<string, unknown>)[c];
      return v === undefined ? null : typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v);
    }),
  );
  return renderTable({ title: `${title} (${docs.length})`, columns, rows });
}

export function withCommonOptions(command: Command): Command {
  return command.option('--json', 'print JSON').option('--passphrase-env <VAR>', 'read the passphrase of secret fields from this environment variable');
}
