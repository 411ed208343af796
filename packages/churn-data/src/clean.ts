import { UNKNOWN } from './categories.js';
import { describeIssue, featureRowSchema, toFeatures, type ChurnRow } from './schema.js';

export interface CleanResult {
  rows: ChurnRow[];
  /** Rows dropped because education, marital status or income is `unknown` (the reference's rule). */
  droppedUnknown: number;
  /** Rows that failed validation, with the reason, so a bad snapshot is visible rather than silent. */
  invalid: { index: number; reason: string }[];
}

const UNKNOWN_CHECKED = ['education_level', 'marital_status', 'income_category'] as const;

/** The label from the raw `attrition_flag`, or from `churned` when the input is already clean. */
function label(record: Record<string, string>): 0 | 1 | undefined {
  const flag = record['attrition_flag']?.trim().toLowerCase();
  if (flag === 'attrited customer') return 1;
  if (flag === 'existing customer') return 0;
  const churned = record['churned']?.trim();
  if (churned === '1' || churned === '0') return churned === '1' ? 1 : 0;
  return undefined;
}

/**
 * Cleans raw BankChurners records the way the reference does: lowercase names and values, drop
 * rows with an unknown education, marital status or income, encode the ordinals. Idempotent: the
 * output of toCsv cleans to the same rows.
 */
export function cleanRecords(records: readonly Record<string, string>[]): CleanResult {
  const rows: ChurnRow[] = [];
  const invalid: CleanResult['invalid'] = [];
  let droppedUnknown = 0;
  records.forEach((raw, index) => {
    const record = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.trim().toLowerCase(), v]));
    if (UNKNOWN_CHECKED.some((name) => record[name]?.trim().toLowerCase() === UNKNOWN)) {
      droppedUnknown += 1;
      return;
    }
    const churned = label(record);
    if (churned === undefined) {
      invalid.push({ index, reason: 'attrition_flag: must be "Attrited Customer" or "Existing Customer"' });
      return;
    }
    const parsed = featureRowSchema.safeParse(record);
    if (!parsed.success) {
      invalid.push({ index, reason: describeIssue(parsed.error).message });
      return;
    }
    rows.push({ ...toFeatures(parsed.data), churned });
  });
  return { rows, droppedUnknown, invalid };
}
