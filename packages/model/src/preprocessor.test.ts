import { DatasetContract, defaultContract, type FeatureRow } from '@churn/churn-data';
import { FeatureError, Preprocessor } from './preprocessor.js';

const contract = defaultContract();
const row: FeatureRow = {
  customer_age: 45,
  gender: 'f',
  dependent_count: 3,
  education_level: 2,
  marital_status: 'single',
  income_category: 4,
  card_category: 'gold',
  months_on_book: 39,
  total_relationship_count: 5,
  credit_limit: 12691.5,
  total_revolving_bal: 777,
};

const EXPECTED_ORDER = [
  'customer_age',
  'dependent_count',
  'education_level',
  'income_category',
  'months_on_book',
  'total_relationship_count',
  'credit_limit',
  'total_revolving_bal',
  'gender_m',
  'gender_f',
  'marital_status_married',
  'marital_status_single',
  'marital_status_divorced',
  'card_category_blue',
  'card_category_silver',
  'card_category_gold',
  'card_category_platinum',
];

test('when fitted on BankChurners, then the feature order is today\'s: numbers and ordinals in contract order, then one-hot', () => {
  expect(Preprocessor.fit(contract, [row]).featureNames).toEqual(EXPECTED_ORDER);
});

test('when a row is transformed, then ordinals are codes and categories are one-hot in that order', () => {
  const m = Preprocessor.fit(contract, [row]).transform([row, { ...row, gender: 'm', marital_status: 'divorced', card_category: 'blue', education_level: 0 }]);
  expect(m.rows).toBe(2);
  expect(m.cols).toBe(17);
  expect(Array.from(m.data.subarray(0, 17))).toEqual([45, 3, 2, 4, 39, 5, 12691.5, 777, 0, 1, 0, 1, 0, 0, 0, 1, 0]);
  expect(Array.from(m.data.subarray(17))).toEqual([45, 3, 0, 4, 39, 5, 12691.5, 777, 1, 0, 0, 0, 1, 1, 0, 0, 0]);
});

test('when an ordinal arrives as its label, then it is encoded as its code', () => {
  const p = Preprocessor.fit(contract, [row]);
  const asLabel = { ...row, education_level: 'Graduate', income_category: '$40K - $60K' } as unknown as FeatureRow;
  expect(Array.from(p.transform([asLabel]).data.subarray(2, 4))).toEqual([3, 1]);
});

test('when saved with toJSON and read with fromJSON, then it is identical and encodes identically', () => {
  const p = Preprocessor.fit(contract, [row]);
  const json = JSON.parse(JSON.stringify(p.toJSON())) as unknown;
  const back = Preprocessor.fromJSON(json);
  expect(back.toJSON()).toEqual(p.toJSON());
  expect(JSON.stringify(back.toJSON())).toBe(JSON.stringify(p.toJSON()));
  expect(back.transform([row]).data).toEqual(p.transform([row]).data);
});

test('when a category is unknown at serving time, then the error names the field and the allowed values', () => {
  const p = Preprocessor.fit(contract, [row]);
  const bad = { ...row, card_category: 'diamond' } as unknown as FeatureRow;
  expect(() => p.transform([bad])).toThrow(FeatureError);
  expect(() => p.transform([bad])).toThrow('card_category: unknown category "diamond"; allowed: blue, silver, gold, platinum');
  try {
    p.transform([bad]);
  } catch (e) {
    expect((e as FeatureError).field).toBe('card_category');
    expect((e as FeatureError).allowed).toEqual(['blue', 'silver', 'gold', 'platinum']);
  }
});

test('when a numeric feature is missing or not a number, then the error names it', () => {
  const p = Preprocessor.fit(contract, [row]);
  const { credit_limit: _omitted, ...missing } = row;
  expect(() => p.transform([missing as FeatureRow])).toThrow(/^credit_limit: must be a finite number/);
  expect(() => p.transform([{ ...row, income_category: 'rich' } as unknown as FeatureRow])).toThrow(/income_category: unknown value "rich"; allowed: less than \$40k/);
});

test('when preprocessor.json is malformed, then fromJSON refuses it', () => {
  const json = Preprocessor.fit(contract, [row]).toJSON();
  expect(() => Preprocessor.fromJSON({ ...json, featureNames: json.featureNames.slice(1) })).toThrow(/16 feature names for 17 columns/);
  expect(() => Preprocessor.fromJSON({ version: 2 })).toThrow(FeatureError);
});

describe('a contract with imputed and boolean features', () => {
  const other = DatasetContract.parse(
    `version: 1
name: other
source: other.csv
target: {column: churn, positive: ["yes"], negative: ["no"]}
features:
  - {name: paperless, kind: boolean}
  - {name: charges, kind: numeric, missing: impute}
  - {name: plan, kind: categorical, levels: [basic, pro], missing: impute}
`,
    'other.yaml',
  );
  const train: FeatureRow[] = [
    { paperless: 1, charges: 10, plan: 'pro' },
    { paperless: 0, charges: 30, plan: 'pro' },
    { paperless: 0, charges: null, plan: 'basic' },
    { paperless: 1, charges: 20, plan: null },
  ];
  const p = Preprocessor.fit(other, train);
  it('when fitted, then the median and the mode of the training rows fill missing values', () => {
    expect(p.toJSON().impute).toEqual({ charges: 20, plan: 'pro' });
    expect(Array.from(p.transform([{ paperless: 1, charges: null, plan: null }]).data)).toEqual([1, 20, 0, 1]);
  });
  it('when saved and read back, then the imputed values survive', () => {
    expect(Preprocessor.fromJSON(JSON.parse(JSON.stringify(p.toJSON()))).toJSON()).toEqual(p.toJSON());
  });
  it('when BankChurners (nothing imputed) is saved, then preprocessor.json has no impute key, as before contracts', () => {
    expect(Object.keys(Preprocessor.fit(contract, [row]).toJSON())).toEqual(['version', 'featureNames', 'numeric', 'ordinal', 'oneHot']);
  });
});
