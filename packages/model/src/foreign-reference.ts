import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildReferenceProfile, parseCsv, parseRequest, type DatasetContract, type FeatureRow, type ReferenceProfile } from '@churn/churn-data';

/** A model Python logged has a drift reference, or the reason it has none (said on /health). */
export type ForeignReference = { reference: ReferenceProfile; noReference?: undefined } | { reference?: undefined; noReference: string };

/**
 * The drift reference of a model Python logged: a reference.json in its directory (our format), else
 * the profile of `referenceCsv` (DRIFT_REFERENCE_CSV: rows of its training data with the signature's
 * columns, invalid rows skipped), with the model's own chances for prediction drift.
 */
export async function foreignReference(dir: string, contract: DatasetContract, predict: (rows: FeatureRow[]) => Float64Array, referenceCsv?: string): Promise<ForeignReference> {
  if (existsSync(join(dir, 'reference.json'))) {
    try {
      return { reference: JSON.parse(await readFile(join(dir, 'reference.json'), 'utf8')) as ReferenceProfile };
    } catch (error) {
      return { noReference: `its reference.json is unreadable: ${(error as Error).message}` };
    }
  }
  if (!referenceCsv) return { noReference: 'the model has no reference profile (a model Python logged carries no reference.json); set DRIFT_REFERENCE_CSV to a CSV of its training rows' };
  let records: Record<string, string>[];
  try {
    records = parseCsv(await readFile(referenceCsv));
  } catch (error) {
    return { noReference: `DRIFT_REFERENCE_CSV=${referenceCsv} cannot be read: ${(error as Error).message}` };
  }
  const missing = contract.featureNames.filter((name) => !(name in (records[0] ?? {})));
  if (missing.length > 0) return { noReference: `DRIFT_REFERENCE_CSV=${referenceCsv} lacks the model's columns ${missing.join(', ')}` };
  const rows: FeatureRow[] = [];
  for (const record of records) {
    const parsed = parseRequest(contract, record, 'text');
    if (parsed.ok) rows.push(parsed.features);
  }
  if (rows.length === 0) return { noReference: `DRIFT_REFERENCE_CSV=${referenceCsv} has no valid row for the model's columns` };
  return { reference: buildReferenceProfile(contract, rows, { predictions: Array.from(predict(rows)) }) };
}
