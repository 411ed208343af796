import { sortedFloat64 } from './radix-sort.js';
import { auc, binEdges, chiSquare, histogram, jensenShannon, ks2, proportionsZTest, psi, wasserstein } from './stats.js';
import { chiSquareSf, kolmogorovSf } from './special.js';
import { qualityOverTime } from './quality.js';

describe('two-sample statistics', () => {
  it('when the samples do not overlap, then KS is 1 with the exact p-value 2 / C(6,3)', () => {
    const result = ks2([1, 2, 3], [4, 5, 6]);
    expect(result).toMatchObject({ statistic: 1, method: 'exact' });
    expect(result.pValue).toBeCloseTo(0.1, 14);
  });

  it('when the samples are equal, then KS is 0 and the p-value 1', () => {
    expect(ks2([1, 2, 3, 4], [4, 3, 2, 1])).toMatchObject({ statistic: 0, pValue: 1 });
  });

  it('when one sample is shifted by half its spread, then the KS statistic is the shift share', () => {
    const a = Array.from({ length: 100 }, (_, i) => i);
    const b = a.map((v) => v + 50);
    const result = ks2(a, b);
    expect(result.statistic).toBeCloseTo(0.5, 12);
    expect(result.pValue).toBeLessThan(1e-9);
  });

  it('when more than 10,000 values are on one side, then the asymptotic p-value is used', () => {
    const a = Array.from({ length: 10_001 }, (_, i) => i / 10_001);
    expect(ks2(a, [0.1, 0.5, 0.9]).method).toBe('asymp');
  });

  it('when the one-sample Kolmogorov tail is asked at 1.358/sqrt(n) for large n, then it is about 0.05', () => {
    expect(kolmogorovSf(100_000, 1.3581 / Math.sqrt(100_000))).toBeCloseTo(0.05, 3);
    expect(kolmogorovSf(10, 0)).toBe(1);
    expect(kolmogorovSf(10, 1)).toBe(0);
  });

  it('when samples are shifted by 5, then the Wasserstein distance is 5', () => {
    expect(wasserstein([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 12);
    expect(wasserstein([0, 1], [0, 1, 1, 0])).toBe(0);
  });

  it('when counts are tested against expected ones, then chi-square and its 2-dof p-value exp(-x/2) are exact', () => {
    const result = chiSquare([10, 20, 30], [15, 15, 30]);
    expect(result.statistic).toBeCloseTo(10 / 3, 12);
    expect(result.pValue).toBeCloseTo(Math.exp(-10 / 6), 12);
    expect(chiSquareSf(3.841458820694124, 1)).toBeCloseTo(0.05, 10);
    expect(chiSquare([1, 1], [2, 0]).pValue).toBe(0);
  });

  it('when distributions are disjoint or equal, then Jensen-Shannon is sqrt(ln 2) or 0', () => {
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(Math.sqrt(Math.LN2), 12);
    expect(jensenShannon([0.2, 0.8], [2, 8])).toBeCloseTo(0, 12);
  });

  it('when shares move from 50/50 to 25/75, then PSI is 0.25 ln 2 + 0.25 ln 1.5', () => {
    expect(psi([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.25 * Math.LN2 + 0.25 * Math.log(1.5), 12);
  });

  it('when values sit on bin edges, then the histogram counts them like numpy (last bin closed)', () => {
    const edges = binEdges(0, 10, 5);
    expect(Array.from(edges)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(histogram(sortedFloat64([0, 2, 2, 3.9, 10, 11, -1]), edges)).toEqual([1, 3, 0, 0, 1]);
  });

  it('when the shares of a binary feature differ, then the two-proportion z-test gives the textbook value', () => {
    // p1 = 0.5 (n 100), p2 = 0.7 (n 100): pooled 0.6, z = -0.2 / sqrt(0.24 * 0.02)
    const result = proportionsZTest(50, 100, 70, 100);
    expect(result.statistic).toBeCloseTo(-0.2 / Math.sqrt(0.0048), 12);
    expect(result.pValue).toBeCloseTo(0.0038924171227785, 12);
  });

  it('when scores rank positives above negatives, then AUC is 1; with one swap 0.75; ties count half', () => {
    expect(auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(auc([0, 1, 0, 1], [0.1, 0.3, 0.35, 0.8])).toBe(0.75);
    expect(auc([0, 1], [0.5, 0.5])).toBe(0.5);
    expect(auc([1, 1], [0.5, 0.6])).toBeNaN();
  });

  it('when outcomes are bucketed by hour, then each bucket has its own AUC and one-class buckets give null', () => {
    const hour = 3_600_000;
    const buckets = qualityOverTime(
      [
        { time: 10, label: 0, score: 0.1 },
        { time: 20, label: 1, score: 0.9 },
        { time: hour + 5, label: 1, score: 0.2 },
        { time: hour + 6, label: 0, score: 0.8 },
        { time: 3 * hour, label: 1, score: 0.5 },
      ],
      hour,
    );
    expect(buckets.map((b) => [b.from.getTime(), b.count, b.auc])).toEqual([
      [0, 2, 1],
      [hour, 2, 0],
      [3 * hour, 1, null],
    ]);
  });
});
