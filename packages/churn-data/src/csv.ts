import { parse } from 'csv-parse/sync';
import type { DatasetContract } from './contract.js';
import { LABEL_COLUMN } from './clean.js';
import type { FeatureRow } from './values.js';

const OPTIONS = { columns: true, skip_empty_lines: true, trim: true, bom: true } as const;

/** Parses CSV text with a header row into records keyed by header (values as text). */
export function parseCsv(text: string | Buffer): Record<string, string>[] {
  return parse(text, OPTIONS) as Record<string, string>[];
}

/** parseCsv plus the line each record starts on, for errors that point into the file. */
export function parseCsvWithLines(text: string | Buffer): { records: Record<string, string>[]; lines: number[] } {
  const parsed = parse(text, { ...OPTIONS, info: true }) as { record: Record<string, string>; info: { lines: number } }[];
  return { records: parsed.map((p) => p.record), lines: parsed.map((p) => p.info.lines) };
}

const quote = (value: string | number | null | undefined) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Writes rows as CSV in contract order (`churned` first when the rows carry it); readable again by cleanRecords. */
export function toCsv(contract: DatasetContract, rows: readonly FeatureRow[]): string {
  const labelled = rows.length > 0 && LABEL_COLUMN in (rows[0] as FeatureRow);
  const header = labelled ? [LABEL_COLUMN, ...contract.featureNames] : [...contract.featureNames];
  const lines = rows.map((row) => header.map((name) => quote(row[name])).join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
