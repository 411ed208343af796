import { buildReferenceProfile, DatasetContract, loadCleanDataset } from '@churn/churn-data';
import { computeDrift } from './drift.js';
import { datasetFixture, drifted, fakeScore } from './testing/fixtures.js';

describe('computeDrift', () => {
  const large = datasetFixture(5000);
  const small = datasetFixture(800);
  const { contract } = large;

  it('when the window comes from the same data, then no feature and not the dataset drifted', () => {
    const current = large.holdout.slice(0, 1500);
    const result = computeDrift(contract, large.reference, current, { predictions: current.map(fakeScore) });
    expect(result.driftedFeatures).toEqual([]);
    expect(result.datasetDrift).toBe(false);
    expect(result.predictionDrift?.drifted).toBe(false);
    expect(Object.keys(result.features)).toEqual(contract.featureNames);
  });

  it('when six of eleven features moved, then exactly those drift, in contract order, and the dataset verdict is drift', () => {
    const result = computeDrift(contract, large.reference, drifted(large.holdout.slice(0, 1500)));
    expect(result.driftedFeatures).toEqual(contract.featureNames.filter((name) => ['card_category', 'credit_limit', 'customer_age', 'marital_status', 'months_on_book', 'total_revolving_bal'].includes(name)));
    expect(result.driftedFeatures).toHaveLength(6);
    expect(result.driftedShare).toBeCloseTo(6 / 11, 12);
    expect(result.datasetDrift).toBe(true);
    for (const name of result.driftedFeatures) expect(result.features[name]?.pValue).toBeLessThan(0.05);
  });

  it('when the reference has more than 1,000 rows, then distances decide as in Evidently', () => {
    const result = computeDrift(contract, large.reference, large.holdout.slice(0, 300));
    expect(result.features['credit_limit']).toMatchObject({ kind: 'numeric', test: 'ks', method: 'wasserstein', threshold: 0.1 });
    expect(result.features['income_category']?.method).toBe('jensenshannon');
    expect(result.features['gender']).toMatchObject({ kind: 'categorical', test: 'chi2', method: 'jensenshannon' });
    expect(result.features['credit_limit']?.score).toBe(result.features['credit_limit']?.wasserstein);
  });

  it('when the reference has at most 1,000 rows, then p-value tests decide (KS, chi-square, z for binary)', () => {
    const result = computeDrift(contract, small.reference, small.holdout.slice(0, 300));
    expect(result.features['credit_limit']).toMatchObject({ method: 'ks', threshold: 0.05 });
    // An ordinal is compared by its codes: five income levels -> chi-square, as Evidently does for a numeric column with few values.
    expect(result.features['income_category']).toMatchObject({ kind: 'numeric', method: 'chi2' });
    expect(result.features['marital_status']?.method).toBe('chi2');
    expect(result.features['gender']?.method).toBe('z');
    expect(result.features['credit_limit']?.score).toBe(result.features['credit_limit']?.pValue);
  });

  it('when the share threshold is raised above the drifted share, then the dataset verdict flips to no drift', () => {
    const current = drifted(large.holdout.slice(0, 500));
    expect(computeDrift(contract, large.reference, current, { threshold: 0.6 }).datasetDrift).toBe(false);
    expect(computeDrift(contract, large.reference, current, { threshold: 0.5 }).datasetDrift).toBe(true);
  });

  it('when scores rise, then prediction drift is flagged from KS and Wasserstein on the churn chance', () => {
    const current = large.holdout.slice(0, 800);
    const result = computeDrift(contract, large.reference, current, { predictions: current.map((row) => Math.min(1, fakeScore(row) + 0.3)) });
    expect(result.predictionDrift).toMatchObject({ test: 'ks', method: 'wasserstein', drifted: true });
    expect(result.predictionDrift?.pValue).toBeLessThan(1e-6);
  });

  it('when the window is empty, then nothing is evaluated and nothing drifted', () => {
    const result = computeDrift(contract, large.reference, []);
    expect(result).toMatchObject({ driftedShare: 0, datasetDrift: false, currentSize: 0 });
    expect(result.predictionDrift).toBeUndefined();
  });

  it('when values are missing (null, imputed by the model), then they are left out of the statistics, and a feature missing everywhere is not evaluated', () => {
    const base = large.holdout.slice(0, 600);
    const withGaps = base.map((row, i) => ({ ...row, credit_limit: i % 2 === 0 ? null : row.credit_limit, gender: null }));
    const result = computeDrift(contract, large.reference, withGaps);
    const present = base.filter((_, i) => i % 2 === 1);
    const reference = computeDrift(contract, large.reference, present).features['credit_limit'];
    expect(result.features['credit_limit']).toMatchObject({ currentCount: 300, statistic: reference?.statistic, wasserstein: reference?.wasserstein });
    expect(result.features['gender']).toBeUndefined();
    expect(Object.keys(result.features)).toHaveLength(10);
    expect(result.currentSize).toBe(600);
  });

  it('when the reference profile was built with another contract, then the comparison is refused naming the feature and the contract', () => {
    const telco = DatasetContract.resolve('telco');
    expect(() => computeDrift(telco, large.reference, [{}])).toThrow(/the reference profile has no (numeric|categorical) feature \w+: it was not built with the telco contract/);
  });

  it('when the contract is another dataset (telco), then its own features are compared and shifted tenure drifts', () => {
    const telco = DatasetContract.resolve('telco');
    const rows = loadCleanDataset(telco).rows.map(({ churned: _churned, ...features }) => features);
    const reference = buildReferenceProfile(telco, rows.slice(0, 3000));
    const calm = computeDrift(telco, reference, rows.slice(3000, 4500));
    expect(Object.keys(calm.features)).toEqual(telco.featureNames);
    expect(calm.datasetDrift).toBe(false);
    const shifted = rows.slice(3000, 4500).map((row) => ({ ...row, tenure: typeof row['tenure'] === 'number' ? row['tenure'] + 30 : null }));
    expect(computeDrift(telco, reference, shifted).driftedFeatures).toContain('tenure');
  });
});
