import fc from 'fast-check';
import { classificationQuality, qualityBySegment } from './classification.js';

const labelled = fc
  // Chances on a grid of 1/1000: ties are frequent, and p * p keeps distinct ones apart (tiny doubles would underflow).
  .array(fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000)), { minLength: 2, maxLength: 200 })
  .filter((pairs) => pairs.some(([y]) => y === 1) && pairs.some(([y]) => y === 0));

describe('classificationQuality', () => {
  it('given a hand-computed case, when quality is computed, then every figure is the hand value', () => {
    const q = classificationQuality([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1]);
    expect(q.confusion).toEqual({ tp: 1, fp: 1, tn: 1, fn: 1 });
    expect([q.precision, q.recall, q.f1, q.accuracy]).toEqual([0.5, 0.5, 0.5, 0.5]);
    // Positives outrank negatives in 3 of 4 pairs.
    expect(q.auc).toBe(0.75);
    expect(q.brier).toBeCloseTo((0.01 + 0.36 + 0.36 + 0.01) / 4, 15);
    expect(q.logLoss).toBeCloseTo(-(2 * Math.log(0.9) + 2 * Math.log(0.4)) / 4, 15);
    expect(q.reliability.map((b) => [b.from, b.count, b.observedRate])).toEqual([
      [0, 1, 0],
      [0.30000000000000004, 1, 1],
      [0.5, 1, 0],
      [0.8, 1, 1],
    ]);
  });

  it('given a chance exactly at the threshold, when judged, then it counts as "will churn"', () => {
    expect(classificationQuality([1, 0], [0.5, 0.2]).confusion).toEqual({ tp: 1, fp: 0, tn: 1, fn: 0 });
  });

  it('given only one observed class, when quality is computed, then AUC is null and nothing throws', () => {
    const q = classificationQuality([0, 0, 0], [0.1, 0.7, 0.2]);
    expect(q.auc).toBeNull();
    expect(q.precision).toBe(0);
    expect(q.recall).toBe(0);
  });

  it('given a label that is not 0/1 or a chance outside [0, 1], when quality is computed, then it throws naming the pair', () => {
    expect(() => classificationQuality([0, 2], [0.1, 0.2])).toThrow(/pair 1/);
    expect(() => classificationQuality([0, 1], [0.1, Number.NaN])).toThrow(/pair 1/);
    expect(() => classificationQuality([], [])).toThrow(/no labelled/);
  });

  it('given any labelled pairs, when the chances are transformed monotonically, then AUC is unchanged and lies in [0, 1]', () => {
    fc.assert(
      fc.property(labelled, (pairs) => {
        const labels = pairs.map(([y]) => y);
        const chances = pairs.map(([, p]) => p);
        const q = classificationQuality(labels, chances);
        const squashed = classificationQuality(labels, chances.map((p) => p * p));
        expect(q.auc).toBeGreaterThanOrEqual(0);
        expect(q.auc).toBeLessThanOrEqual(1);
        expect(squashed.auc).toBeCloseTo(q.auc as number, 12);
      }),
    );
  });

  it('given any labelled pairs, when quality is computed, then the confusion matrix, the reliability bins and the counts agree', () => {
    fc.assert(
      fc.property(labelled, (pairs) => {
        const q = classificationQuality(pairs.map(([y]) => y), pairs.map(([, p]) => p));
        const { tp, fp, tn, fn } = q.confusion;
        expect(tp + fp + tn + fn).toBe(q.count);
        expect(tp + fn).toBe(q.positives);
        expect(q.reliability.reduce((sum, b) => sum + b.count, 0)).toBe(q.count);
        for (const b of q.reliability) expect(b.meanPredicted).toBeGreaterThanOrEqual(b.from);
        expect(q.brier).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('qualityBySegment', () => {
  it('given rows of two card categories, when segmented, then each level gets the quality of its own rows', () => {
    const rows = [
      { features: { card_category: 'blue', gender: 'm' }, chance: 0.9, label: 1 as const },
      { features: { card_category: 'blue', gender: 'f' }, chance: 0.2, label: 0 as const },
      { features: { card_category: 'gold', gender: 'm' }, chance: 0.3, label: 1 as const },
    ];
    const segments = qualityBySegment(rows, ['card_category', 'gender']);
    expect(Object.keys(segments['card_category']!)).toEqual(['blue', 'gold']);
    expect(segments['card_category']!['blue']!.auc).toBe(1);
    expect(segments['card_category']!['gold']!).toMatchObject({ count: 1, auc: null, recall: 0 });
    expect(segments['gender']!['m']!.count).toBe(2);
  });
});
