import { FEATURE_NAMES } from '@churn/churn-data';
import { computeDrift } from './drift.js';
import { datasetFixture, drifted, fakeScore } from './testing/fixtures.js';

describe('computeDrift', () => {
  const large = datasetFixture(5000);
  const small = datasetFixture(800);

  it('when the window comes from the same data, then no feature and not the dataset drifted', () => {
    const current = large.holdout.slice(0, 1500).map((row) => ({ ...row, churn_chance: fakeScore(row) }));
    const result = computeDrift(large.reference, current);
    expect(result.driftedFeatures).toEqual([]);
    expect(result.datasetDrift).toBe(false);
    expect(result.predictionDrift?.drifted).toBe(false);
    expect(Object.keys(result.features).sort()).toEqual([...FEATURE_NAMES].sort());
  });

  it('when six of eleven features moved, then exactly those drift and the dataset verdict is drift', () => {
    const current = drifted(large.holdout.slice(0, 1500));
    const result = computeDrift(large.reference, current);
    expect([...result.driftedFeatures].sort()).toEqual(['card_category', 'credit_limit', 'customer_age', 'marital_status', 'months_on_book', 'total_revolving_bal']);
    expect(result.driftedShare).toBeCloseTo(6 / 11, 12);
    expect(result.datasetDrift).toBe(true);
    for (const name of result.driftedFeatures) expect(result.features[name].pValue).toBeLessThan(0.05);
  });

  it('when the reference has more than 1,000 rows, then distances decide as in Evidently', () => {
    const result = computeDrift(large.reference, large.holdout.slice(0, 300));
    expect(result.features.credit_limit).toMatchObject({ kind: 'numeric', test: 'ks', method: 'wasserstein', threshold: 0.1 });
    expect(result.features.income_category.method).toBe('jensenshannon');
    expect(result.features.gender).toMatchObject({ kind: 'categorical', test: 'chi2', method: 'jensenshannon' });
    expect(result.features.credit_limit.score).toBe(result.features.credit_limit.wasserstein);
  });

  it('when the reference has at most 1,000 rows, then p-value tests decide (KS, chi-square, z for binary)', () => {
    const result = computeDrift(small.reference, small.holdout.slice(0, 300));
    expect(result.features.credit_limit).toMatchObject({ method: 'ks', threshold: 0.05 });
    expect(result.features.income_category.method).toBe('chi2');
    expect(result.features.marital_status.method).toBe('chi2');
    expect(result.features.gender.method).toBe('z');
    expect(result.features.credit_limit.score).toBe(result.features.credit_limit.pValue);
  });

  it('when the share threshold is raised above the drifted share, then the dataset verdict flips to no drift', () => {
    const current = drifted(large.holdout.slice(0, 500));
    expect(computeDrift(large.reference, current, { threshold: 0.6 }).datasetDrift).toBe(false);
    expect(computeDrift(large.reference, current, { threshold: 0.5 }).datasetDrift).toBe(true);
  });

  it('when scores rise, then prediction drift is flagged from KS and Wasserstein on churn_chance', () => {
    const current = large.holdout.slice(0, 800).map((row) => ({ ...row, churn_chance: Math.min(1, fakeScore(row) + 0.3) }));
    const result = computeDrift(large.reference, current);
    expect(result.predictionDrift).toMatchObject({ test: 'ks', method: 'wasserstein', drifted: true });
    expect(result.predictionDrift?.pValue).toBeLessThan(1e-6);
  });

  it('when the window is empty, then nothing is evaluated and nothing drifted', () => {
    const result = computeDrift(large.reference, []);
    expect(result).toMatchObject({ driftedShare: 0, datasetDrift: false, currentSize: 0 });
    expect(result.predictionDrift).toBeUndefined();
  });
});
