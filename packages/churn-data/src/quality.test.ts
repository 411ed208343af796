import { cleanRecords } from './clean.js';
import { DatasetContract } from './contract.js';
import { assessQuality } from './quality.js';

const contract = DatasetContract.parse(
  `version: 1
name: small
source: ./small.csv
id: account
target: { column: left, positive: [yes], negative: [no] }
missing_tokens: [n/a]
features:
  - { name: age, kind: integer, min: 0, max: 120 }
  - { name: plan, kind: categorical, levels: [basic, pro], missing: category }
  - { name: region, kind: categorical, levels: [${Array.from({ length: 60 }, (_, i) => `r${i}`).join(', ')}] }
  - { name: tenure, kind: integer, missing: impute }
ignore: [notes]
cleaning: { rename: { Plan Name: plan } }
`,
  '/data/small.yaml',
);

const records = [
  { Account: 'a1', Age: '30', 'Plan Name': 'Basic', region: 'r1', left: 'yes', notes: 'x', extra: '1' },
  { Account: 'a2', Age: 'n/a', 'Plan Name': 'pro', region: 'r1', left: 'no', notes: 'y', extra: '2' },
  { Account: 'a3', Age: '200', 'Plan Name': '', region: 'r1', left: 'no', notes: 'z', extra: '3' },
  { Account: 'a3', Age: '41', 'Plan Name': 'pro', region: 'r1', left: 'maybe', notes: 'z', extra: '4' },
  { Account: 'a5', Age: '52', 'Plan Name': 'pro', region: 'r1', left: 'No', notes: 'z', extra: '5' },
];
const quality = assessQuality(contract, records, cleanRecords(contract, records));

describe('assessing data quality against a contract', () => {
  it('when values are blank or missing tokens, then each column counts them, with its distinct values, range and policy', () => {
    expect(quality.records).toBe(5);
    expect(quality.columns).toEqual([
      { column: 'account', role: 'id', missing: 0, distinct: 4 },
      { column: 'left', role: 'target', missing: 0, distinct: 3 },
      { column: 'age', role: 'integer', missing: 1, distinct: 4, min: 30, max: 200, policy: 'drop' },
      { column: 'plan', role: 'categorical', missing: 1, distinct: 2, policy: 'category' },
      { column: 'region', role: 'categorical', missing: 0, distinct: 1, policy: 'drop' },
      { column: 'tenure', role: 'integer', missing: 5, distinct: 0, policy: 'impute' },
    ]);
  });

  it('when a feature has one value or over 50 levels, then it is listed as constant or high-cardinality', () => {
    expect(quality.constant).toEqual(['region', 'tenure']);
    expect(quality.highCardinality).toEqual([{ column: 'region', levels: 60 }]);
  });

  it('when the target has an unknown value, then the balance counts the kept rows and the unlabelled one apart', () => {
    // Kept: a1 (yes) and a5 (no); a2 is dropped (age missing), a3 rejected (age 200), the fourth row's "maybe" is unlabelled.
    expect(quality.classBalance).toEqual({ positive: 1, negative: 1, unlabelled: 1 });
  });

  it('when CSV and contract columns differ, then the extra CSV columns and the absent contract columns are named', () => {
    expect(quality.unknownColumns).toEqual(['extra']);
    expect(quality.absentColumns).toEqual(['tenure']);
  });
});
