import { auc } from './stats.js';

export interface LabelledPrediction {
  time: Date | number;
  /** 1 when the customer left. */
  label: 0 | 1;
  score: number;
}

export interface QualityBucket {
  from: Date;
  to: Date;
  count: number;
  positives: number;
  /** null when the bucket holds only one class (AUC is undefined there). */
  auc: number | null;
}

/** AUC per time bucket of `bucketMs`, for predictions whose outcome is known; empty buckets are left out. */
export function qualityOverTime(records: readonly LabelledPrediction[], bucketMs: number): QualityBucket[] {
  if (!(bucketMs > 0)) throw new RangeError(`bucketMs must be positive, got ${bucketMs}`);
  const buckets = new Map<number, LabelledPrediction[]>();
  for (const record of records) {
    const t = record.time instanceof Date ? record.time.getTime() : record.time;
    const start = Math.floor(t / bucketMs) * bucketMs;
    const bucket = buckets.get(start) ?? [];
    bucket.push(record);
    buckets.set(start, bucket);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, items]) => {
      const value = auc(
        items.map((r) => r.label),
        items.map((r) => r.score),
      );
      return {
        from: new Date(start),
        to: new Date(start + bucketMs),
        count: items.length,
        positives: items.filter((r) => r.label === 1).length,
        auc: Number.isNaN(value) ? null : value,
      };
    });
}
