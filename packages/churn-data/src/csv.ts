import { parse } from 'csv-parse/sync';
import { FEATURE_NAMES, type ChurnRow } from './schema.js';

/** Parses CSV text with a header row into records keyed by header (values as text). */
export function parseCsv(text: string | Buffer): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
}

const quote = (value: string | number) => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Writes cleaned rows as CSV in contract order; readable again by cleanRecords. */
export function toCsv(rows: readonly ChurnRow[]): string {
  const header = ['churned', ...FEATURE_NAMES];
  const lines = rows.map((row) => header.map((name) => quote(row[name as keyof ChurnRow])).join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
