import { writeFileSync } from 'node:fs';
import { seededRandom } from '../split.js';

/**
 * A synthetic telecom-style churn CSV for tests of `dataset infer` and `dataset check`: the awkward
 * parts of real exports (a UTF-8 BOM, CRLF line ends, headers with spaces, yes/no booleans, "" and
 * "N/A" for missing, free text with quoted commas and quotes) and a label that depends on the
 * columns, so a model trained on it learns something.
 */
export interface GeneratedCsvOptions {
  rows?: number;
  seed?: number;
}

/** The header as written; the target is `Churn` (Yes / No) and `CustomerID` is unique. */
export const GENERATED_HEADER = [
  'CustomerID',
  'Age',
  'Tenure Months',
  'Monthly Charges',
  'Has Partner',
  'Contract',
  'Payment Method',
  'Region',
  'Support Calls',
  'Satisfaction',
  'Last Note',
  'Churn',
] as const;

const CONTRACTS = ['Month-to-month', 'One year', 'Two year'] as const;
const PAYMENTS = ['Electronic check', 'Mailed check', 'Bank transfer (automatic)', 'Credit card (automatic)'] as const;
const REGIONS = ['North', 'South', 'East', 'West'] as const;
const TOPICS = ['billing', 'a slow connection', 'the new tariff', 'roaming', 'a broken router'] as const;

const cell = (value: string | number): string => {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** The CSV text (BOM, CRLF, header first), the same for the same options. */
export function generateChurnCsv({ rows = 2_000, seed = 7 }: GeneratedCsvOptions = {}): string {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  // Box-Muller: ages are bell-shaped, not uniform.
  const normal = (mean: number, sd: number) => mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

  const lines = [GENERATED_HEADER.join(',')];
  for (let i = 0; i < rows; i += 1) {
    const age = Math.min(85, Math.max(18, Math.round(normal(45, 13))));
    const contract = random() < 0.5 ? CONTRACTS[0] : pick(CONTRACTS.slice(1));
    const tenure = contract === 'Month-to-month' ? int(0, 36) : contract === 'One year' ? int(6, 60) : int(12, 72);
    const monthly = Math.round((20 + random() * 100) * 100) / 100;
    const partner = random() < 0.45;
    const calls = Math.min(10, Math.floor(-Math.log(1 - random()) * 1.5));
    const satisfaction = Math.min(5, Math.max(1, Math.round(normal(3.8 - 0.3 * calls, 0.8))));
    const logit = -1.3 + 1.5 * Number(contract === 'Month-to-month') - 0.04 * (tenure - 24) + 0.35 * (calls - 1.5) + 0.015 * (monthly - 70) - 0.5 * (satisfaction - 3) - 0.3 * Number(partner);
    const churn = random() < 1 / (1 + Math.exp(-logit));
    // About 12% of satisfaction scores are missing (blank or N/A), 1% of regions blank.
    const missing = random();
    const satisfactionCell = missing < 0.08 ? '' : missing < 0.12 ? 'N/A' : satisfaction;
    const region = random() < 0.01 ? '' : pick(REGIONS);
    const note = `Called about ${pick(TOPICS)}, ticket ${10_000 + i * 13}${random() < 0.2 ? ', said "thanks"' : ''}`;
    lines.push(
      [`CUST-${String(i + 1).padStart(5, '0')}`, age, tenure, monthly.toFixed(2), partner ? 'Yes' : 'No', contract, pick(PAYMENTS), region, calls, satisfactionCell, note, churn ? 'Yes' : 'No']
        .map(cell)
        .join(','),
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** Writes generateChurnCsv's text to `path`. */
export function writeGeneratedCsv(path: string, options: GeneratedCsvOptions = {}): void {
  writeFileSync(path, generateChurnCsv(options));
}
