import type { DatasetContract } from '@churn/churn-data';
import { prepareRows, qualityByLevel, type ClassificationQuality, type LabelledRow } from './classification.js';

/** Levels of one feature given series of their own on /metrics; the rest are pooled. */
export const MAX_SEGMENT_LEVELS = 20;
/** The pooled level: values the contract does not declare, and the least frequent beyond MAX_SEGMENT_LEVELS. */
export const OTHER_LEVEL = '(other)';

/**
 * Quality per level of each categorical feature of the contract, with a bounded set of levels so the
 * gauges' label values stay bounded whatever clients send: a value the contract's levels do not list
 * is pooled into OTHER_LEVEL, and only the `maxLevels` most frequent levels keep their own name.
 */
export function boundedSegmentQuality(
  contract: DatasetContract,
  rows: readonly LabelledRow[],
  maxLevels = MAX_SEGMENT_LEVELS,
  pairs = prepareRows(rows),
): Record<string, Record<string, ClassificationQuality>> {
  const result: Record<string, Record<string, ClassificationQuality>> = {};
  for (const name of contract.categoricalNames) {
    const declared = contract.feature(name)?.levels;
    const levelOf = (value: unknown) => {
      const level = String(value);
      return declared && !declared.includes(level) ? OTHER_LEVEL : level;
    };
    const counts = new Map<string, number>();
    for (const row of rows) {
      const level = levelOf(row.features[name]);
      counts.set(level, (counts.get(level) ?? 0) + 1);
    }
    const kept = new Set(
      [...counts]
        .filter(([level]) => level !== OTHER_LEVEL)
        .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
        .slice(0, maxLevels)
        .map(([level]) => level),
    );
    result[name] = qualityByLevel(
      rows,
      (row) => {
        const level = levelOf(row.features[name]);
        return kept.has(level) ? level : OTHER_LEVEL;
      },
      pairs,
    );
  }
  return result;
}
