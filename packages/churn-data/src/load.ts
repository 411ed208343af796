import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cleanRecords, type CleanResult } from './clean.js';
import { parseCsv } from './csv.js';

/** The BankChurners CSV shipped in the project's data/ folder. */
export const BUNDLED_DATASET = fileURLToPath(new URL('../../../data/credit_card_churn.csv', import.meta.url));

/** Reads and cleans a CSV file (raw BankChurners or already clean). */
export function loadCleanDataset(path: string = BUNDLED_DATASET): CleanResult {
  return cleanRecords(parseCsv(readFileSync(path)));
}
