import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DATASETS_DIR, DatasetContract, loadCleanDataset, parseCsv, type CleanResult } from './index.js';

// The contracts shipped in datasets/: each must load, describe every column of its CSV and clean it.
const files = readdirSync(DATASETS_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const cleaned = new Map<string, { contract: DatasetContract; result: CleanResult }>();
function clean(name: string): { contract: DatasetContract; result: CleanResult } {
  let entry = cleaned.get(name);
  if (!entry) {
    const contract = DatasetContract.resolve(name);
    entry = { contract, result: loadCleanDataset(contract) };
    cleaned.set(name, entry);
  }
  return entry;
}
const NAIVE_BAYES = /^naive_bayes_/;

describe('the shipped dataset contracts', () => {
  it('when datasets/ is listed, then the three shipped contracts are there', () => {
    expect(files).toEqual(expect.arrayContaining(['bankchurners.yaml', 'bankchurners-behaviour.yaml', 'telco.yaml']));
  });

  describe.each(files)('%s', (file) => {
    const name = basename(file).replace(/\.ya?ml$/, '');

    it('when loaded, then it is valid and named after its file (DATASET=<name> finds it)', () => {
      const contract = DatasetContract.resolve(name);
      expect(contract.name).toBe(name);
      expect(contract.featureNames.length).toBeGreaterThan(0);
      expect(contract.sourceLocation.startsWith('s3://')).toBe(false);
    });

    it('when written back as YAML (the model directory copy), then it parses to the same contract', () => {
      const { contract } = clean(name);
      expect(DatasetContract.parse(contract.toYaml(), contract.file).spec).toEqual(contract.spec);
    });

    it('when its CSV is read, then every column is a feature, ignored, the target or the id, and every feature is there', () => {
      const { contract } = clean(name);
      const header = Object.keys(parseCsv(readFileSync(contract.sourceLocation, 'utf8').split('\n', 2).join('\n'))[0] ?? {});
      const columns = header.map((h) => contract.normaliseColumn(h));
      const known = new Set([...contract.featureNames, ...contract.spec.ignore, contract.spec.target.column, ...(contract.spec.id ? [contract.spec.id] : [])]);
      expect(columns.filter((c) => !known.has(c))).toEqual([]);
      expect([...known].filter((k) => !columns.includes(k))).toEqual([]);
    });

    it('when its CSV is cleaned, then the rejected share is within max_rejected_share and both classes remain', () => {
      const { contract, result } = clean(name);
      const total = result.rows.length + result.droppedMissing + result.invalid.length;
      expect(result.invalid.length / total).toBeLessThanOrEqual(contract.spec.max_rejected_share);
      expect(result.rows.length).toBeGreaterThan(0);
      const churned = result.rows.filter((r) => r.churned === 1).length;
      expect(churned).toBeGreaterThan(0);
      expect(churned).toBeLessThan(result.rows.length);
    });

    it('when rows are cleaned, then each carries exactly the features (in contract order) and the label', () => {
      const { contract, result } = clean(name);
      for (const row of result.rows.slice(0, 50)) expect(Object.keys(row)).toEqual([...contract.featureNames, 'churned']);
    });
  });
});

describe('telco (IBM Telco Customer Churn)', () => {
  const { contract, result } = clean('telco');

  it('when cleaned, then all 7,043 customers remain and none is invalid', () => {
    expect(result.rows).toHaveLength(7_043);
    expect(result.droppedMissing).toBe(0);
    expect(result.invalid).toEqual([]);
    expect(result.rows.filter((r) => r.churned === 1)).toHaveLength(1_869);
  });

  it('when TotalCharges is blank (" ", 11 new customers), then it is imputed: null after cleaning, only there', () => {
    const imputed = result.rows.filter((r) => r['total_charges'] === null);
    expect(imputed).toHaveLength(11);
    expect(imputed.every((r) => r['tenure'] === 0)).toBe(true);
    const nulls = result.rows.flatMap((r) => Object.entries(r).filter(([, v]) => v === null).map(([k]) => k));
    expect(new Set(nulls)).toEqual(new Set(['total_charges']));
  });

  it('when the first customer is cleaned, then kinds are encoded: booleans 0/1, contract its code, text lowercased', () => {
    // 7590-VHVEG: Female, 0, Yes, No, 1, No, No phone service, DSL, No, Yes, No, No, No, No, Month-to-month, Yes, Electronic check, 29.85, 29.85, No
    expect(result.rows[0]).toEqual({
      gender: 'female',
      senior_citizen: 0,
      partner: 1,
      dependents: 0,
      tenure: 1,
      phone_service: 0,
      multiple_lines: 'no phone service',
      internet_service: 'dsl',
      online_security: 'no',
      online_backup: 'yes',
      device_protection: 'no',
      tech_support: 'no',
      streaming_tv: 'no',
      streaming_movies: 'no',
      contract: 0,
      paperless_billing: 1,
      payment_method: 'electronic check',
      monthly_charges: 29.85,
      total_charges: 29.85,
      churned: 0,
    });
  });

  it('when read, then customerID is the id (never a feature) and the columns are renamed to snake_case', () => {
    expect(contract.spec.id).toBe('customer_id');
    expect(contract.normaliseColumn('customerID')).toBe('customer_id');
    expect(contract.normaliseColumn('TotalCharges')).toBe('total_charges');
    expect(contract.featureNames).not.toContain('customer_id');
    expect(contract.feature('contract')).toMatchObject({ kind: 'ordinal', levels: ['month-to-month', 'one year', 'two year'] });
  });
});

describe('bankchurners-behaviour (the same file with its behavioural columns)', () => {
  const { contract, result } = clean('bankchurners-behaviour');
  const seed = clean('bankchurners');

  it('when cleaned, then the seed cleaning applies: 10,127 -> 7,081 rows, none invalid', () => {
    expect(result.rows).toHaveLength(7_081);
    expect(result.rows.length + result.droppedMissing).toBe(10_127);
    expect(result.invalid).toEqual([]);
  });

  it('when its features are listed, then they are the seed 11 plus behaviour, and no naive_bayes column', () => {
    expect(contract.featureNames.slice(0, seed.contract.featureNames.length)).toEqual(seed.contract.featureNames);
    expect(contract.featureNames).toEqual(
      expect.arrayContaining(['months_inactive_12_mon', 'contacts_count_12_mon', 'total_amt_chng_q4_q1', 'total_trans_amt', 'total_trans_ct', 'total_ct_chng_q4_q1', 'avg_utilization_ratio']),
    );
    expect(contract.featureNames.filter((n) => NAIVE_BAYES.test(n))).toEqual([]);
    expect(contract.spec.ignore.filter((n) => NAIVE_BAYES.test(n))).toHaveLength(2);
    expect(Object.keys(result.rows[0]!).filter((n) => NAIVE_BAYES.test(n))).toEqual([]);
  });

  it('when compared with the seed contract, then the same customers and labels are kept with the same seed features', () => {
    expect(result.rows.map((r) => r.churned)).toEqual(seed.result.rows.map((r) => r.churned));
    const project = (row: Record<string, unknown>) => Object.fromEntries(seed.contract.featureNames.map((n) => [n, row[n]]));
    expect(result.rows.map(project)).toEqual(seed.result.rows.map(project));
    expect(contract.spec.split).toEqual(seed.contract.spec.split);
  });
});
