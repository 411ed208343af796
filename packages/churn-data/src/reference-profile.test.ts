import { buildReferenceProfile, summarizeCategorical, summarizeNumeric } from './reference-profile.js';
import { defaultContract } from './contract.js';
import { loadCleanDataset } from './load.js';

describe('reference profile', () => {
  it('when numbers are summarised, then mean, std and quantiles are exact', () => {
    const s = summarizeNumeric([1, 2, 3, 4, 5]);
    expect(s).toMatchObject({ count: 5, mean: 3, min: 1, max: 5, quantiles: { p25: 2, p50: 3, p75: 4 } });
    expect(s.std).toBeCloseTo(Math.sqrt(2), 12);
  });

  it('when categories are summarised, then frequencies are shares', () => {
    expect(summarizeCategorical(['a', 'b', 'a', 'a'])).toEqual({ kind: 'categorical', count: 4, frequencies: { a: 0.75, b: 0.25 } });
  });

  it('when built from the training data, then every row is sampled (under 10,000) and columns line up', () => {
    const rows = loadCleanDataset().rows;
    const profile = buildReferenceProfile(defaultContract(), rows, { predictions: rows.map((_, i) => i / rows.length) });
    expect(profile.sampleSize).toBe(rows.length);
    expect(profile.sample['credit_limit']).toHaveLength(rows.length);
    expect(profile.sample['gender']?.[0]).toBe(rows[0]?.['gender']);
    expect(profile.features['gender']?.kind).toBe('categorical');
    expect(profile.features['education_level']?.kind).toBe('numeric');
    expect(profile.predictions?.[5]).toBeCloseTo(5 / rows.length);
  });

  it('when there are more rows than the cap, then a seeded sample of the cap is kept', () => {
    const rows = loadCleanDataset().rows.slice(0, 500);
    const a = buildReferenceProfile(defaultContract(), rows, { maxRows: 100, seed: 1 });
    expect(a.sampleSize).toBe(100);
    expect(buildReferenceProfile(defaultContract(), rows, { maxRows: 100, seed: 1 }).sample).toEqual(a.sample);
  });
});
