import type { DatasetContract } from './contract.js';
import { LABEL_COLUMN } from './clean.js';
import { CsvError, CsvRows } from './csv-rows.js';
import type { FeatureRow } from './values.js';

/** Parses CSV text with a header row into records keyed by header (values as text). */
export function parseCsv(text: string | Buffer): Record<string, string>[] {
  return parseCsvWithLines(text).records;
}

/**
 * parseCsv plus the line each record starts on, for errors that point into the file. Cells are
 * trimmed, a BOM and blank lines skipped, and a record with more or fewer cells than the header is
 * refused (a CsvError naming its line), as csv-parse with `columns` does, at about a tenth of its
 * time: parsing was the largest part of reading a dataset before training. `column` names each
 * header (a contract's normaliseColumn, so cleaning need not copy every record to rename it).
 */
export function parseCsvWithLines(text: string | Buffer, column: (header: string) => string = (header) => header): { records: Record<string, string>[]; lines: number[] } {
  const reader = new CsvRows({ lines: true });
  const rows = reader.end(typeof text === 'string' ? text : text.toString('utf8'));
  const starts = reader.startLines as number[];
  const header = rows[0]?.map(column);
  if (!header) return { records: [], lines: [] };
  const records: Record<string, string>[] = [];
  for (let r = 1; r < rows.length; r += 1) {
    const cells = rows[r]!;
    if (cells.length !== header.length) {
      throw new CsvError('CSV_RECORD_INCONSISTENT_COLUMNS', `Invalid Record Length: columns length is ${header.length}, got ${cells.length} on line ${starts[r]}`, starts[r]!);
    }
    const record: Record<string, string> = {};
    for (let c = 0; c < header.length; c += 1) record[header[c]!] = cells[c]!;
    records.push(record);
  }
  return { records, lines: starts.slice(1) };
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
