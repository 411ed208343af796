import type { CleanResult, RejectedRow } from '../clean.js';
import type { DatasetContract } from '../contract.js';
import { HIGH_CARDINALITY, type QualityReport } from '../quality.js';
import { percent, table } from './table.js';

export interface CheckFindings {
  contract: DatasetContract;
  /** The files as the user named them. */
  contractFile: string;
  csvFile: string;
  cleaned: CleanResult;
  quality: QualityReport;
  /** The cell a rejected row was refused for, as the CSV has it. */
  valueOf(row: RejectedRow): string | undefined;
}

const MAX_VALUE_WIDTH = 40;
const shown = (value: string | undefined) => {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE_WIDTH ? `${text.slice(0, MAX_VALUE_WIDTH - 2)}…"` : text;
};
const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : 'none');

function rejectedSection({ cleaned, valueOf }: CheckFindings): string {
  if (cleaned.invalid.length === 0) return 'Rejected rows: none';
  const rows = cleaned.invalid.map((r) => [r.line === undefined ? `#${r.index + 1}` : String(r.line), r.field, shown(valueOf(r)), r.reason.replace(`${r.field}: `, '')]);
  return `Rejected rows (${cleaned.invalid.length}):\n${table(['line', 'column', 'value', 'rule'], rows)}`;
}

function columnsSection({ quality }: CheckFindings): string {
  const n = quality.records || 1;
  const rows = quality.columns.map((c) => [
    c.column,
    c.role,
    String(c.missing),
    percent(c.missing / n),
    c.policy ?? '',
    String(c.distinct),
    c.min === undefined ? '' : String(c.min),
    c.max === undefined ? '' : String(c.max),
  ]);
  return `Columns (missing = absent, blank or a missing token):\n${table(['column', 'kind', 'missing', 'share', 'policy', 'distinct', 'min', 'max'], rows)}`;
}

function balanceSection({ contract, cleaned, quality }: CheckFindings): string {
  const { positive, negative, unlabelled } = quality.classBalance;
  const kept = cleaned.rows.length || 1;
  const { column, positive: left, negative: stayed } = contract.spec.target;
  const rows = [
    ['left', left.join(' / '), String(positive), percent(positive / kept)],
    ['stayed', stayed.join(' / '), String(negative), percent(negative / kept)],
  ];
  const note = unlabelled > 0 ? `\n${unlabelled} ${unlabelled === 1 ? 'row' : 'rows'} rejected: ${column} is neither a left nor a stayed value` : '';
  return `Class balance of the kept rows (target ${column}):\n${table(['class', 'values', 'rows', 'share'], rows)}${note}`;
}

/** The report `dataset check` prints: counts, every rejected row, then the quality summary. */
export function checkReport(findings: CheckFindings): string {
  const { contract, contractFile, csvFile, cleaned, quality } = findings;
  const n = quality.records || 1;
  const limit = contract.spec.max_rejected_share;
  const dropping = quality.columns.filter((c) => c.policy === 'drop' && c.missing > 0).map((c) => `${c.column} ${c.missing}`);
  return [
    `contract  ${contractFile} (${contract.name}, ${contract.features.length} features)`,
    `csv       ${csvFile}: ${quality.records} rows`,
    `kept      ${cleaned.rows.length} (${percent(cleaned.rows.length / n)})`,
    `dropped   ${cleaned.droppedMissing} (${percent(cleaned.droppedMissing / n)}) for a missing value under missing: drop${dropping.length > 0 ? ` (${dropping.join(', ')}; a row can miss several)` : ''}`,
    `rejected  ${cleaned.invalid.length} (${percent(cleaned.invalid.length / n)}; the contract allows ${percent(limit)})`,
    '',
    rejectedSection(findings),
    '',
    columnsSection(findings),
    '',
    balanceSection(findings),
    '',
    `Constant columns: ${list(quality.constant)}`,
    `High-cardinality categoricals (over ${HIGH_CARDINALITY} levels): ${list(quality.highCardinality.map((h) => `${h.column} (${h.levels})`))}`,
    `CSV columns not in the contract: ${list(quality.unknownColumns)}`,
    `Contract columns not in the CSV: ${list(quality.absentColumns)}`,
  ].join('\n');
}
