import { readFileSync } from 'node:fs';
import { cleanRecords, type CleanResult } from './clean.js';
import { defaultContract, type DatasetContract } from './contract.js';
import { parseCsvWithLines } from './csv.js';
import { splitDataset, type DatasetSplit } from './split.js';
import type { ChurnRow } from './values.js';

/** Reads and cleans the contract's CSV (raw or already clean) from a local path: its source by default. */
export function loadCleanDataset(contract: DatasetContract = defaultContract(), path = contract.sourceLocation): CleanResult {
  if (path.startsWith('s3://')) throw new Error(`${contract.file}: source ${path} is in S3; read it with @churn/aws and call cleanRecords`);
  const { records, lines } = parseCsvWithLines(readFileSync(path), (header) => contract.normaliseColumn(header));
  return cleanRecords(contract, records, lines);
}

/** The contract's own split of cleaned rows (its ratios and seed). */
export function contractSplit<T = ChurnRow>(contract: DatasetContract, rows: readonly T[], seed = contract.spec.split.seed): DatasetSplit<T> {
  return splitDataset(rows, seed, contract.spec.split);
}
