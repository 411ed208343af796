import { ContractError, DatasetContract, defaultContract } from './contract.js';

const SMALL = `version: 1
name: small
source: small.csv
id: account
target:
  column: left
  positive: ["yes"]
  negative: ["no"]
features:
  - name: tenure
    kind: integer
    min: 0
  - name: plan
    kind: categorical
    levels: [basic, pro]
`;

const errorOf = (text: string, file = 'c.yaml'): ContractError => {
  try {
    DatasetContract.parse(text, file);
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error('expected a ContractError');
};

describe('the BankChurners contract', () => {
  const contract = defaultContract();
  it('when loaded, then it declares the eleven seed features in request order', () => {
    expect(contract.name).toBe('bankchurners');
    expect(contract.featureNames).toEqual([
      'customer_age', 'gender', 'dependent_count', 'education_level', 'marital_status', 'income_category',
      'card_category', 'months_on_book', 'total_relationship_count', 'credit_limit', 'total_revolving_bal',
    ]);
  });
  it('when the model columns are derived, then ordinals count as numbers and the text columns are one-hot', () => {
    expect(contract.numericNames).toEqual(['customer_age', 'dependent_count', 'education_level', 'income_category', 'months_on_book', 'total_relationship_count', 'credit_limit', 'total_revolving_bal']);
    expect(contract.categoricalNames).toEqual(['gender', 'marital_status', 'card_category']);
  });
  it('when nothing is said about the response, then today\'s field names are kept', () => {
    expect(contract.response).toEqual({ chance_field: 'churn chance', run_id_field: 'model_run_id' });
  });
  it('when its source is resolved, then it is the bundled CSV next to the datasets folder', () => {
    expect(contract.sourceLocation).toMatch(/data\/credit_card_churn\.csv$/);
  });
  it('when written to YAML and read back, then it is the same contract', () => {
    expect(DatasetContract.parse(contract.toYaml(), 'copy.yaml').spec).toEqual(contract.spec);
  });
});

describe('contract errors', () => {
  it('when a kind is unknown, then the error names the file, the line and the allowed kinds', () => {
    const error = errorOf(SMALL.replace('kind: integer', 'kind: texty'));
    expect(error.message).toMatch(/^c\.yaml:11: features\.0\.kind: .*numeric.*ordinal/);
    expect(error.line).toBe(11);
  });
  it('when a categorical feature has no levels, then the error says so at that feature', () => {
    expect(errorOf(SMALL.replace('    levels: [basic, pro]\n', '')).message).toMatch(/^c\.yaml:\d+: features\.1\.levels: a categorical feature needs levels/);
  });
  it('when the split does not add up, then the error names split', () => {
    expect(errorOf(`${SMALL}split: {train: 0.5, validation: 0.2, test: 0.2}\n`).message).toMatch(/split: train \+ validation \+ test must be 1/);
  });
  it('when a feature is the target, then it is refused', () => {
    expect(errorOf(SMALL.replace('name: tenure', 'name: left')).message).toMatch(/features\.0\.name: left is the target/);
  });
  it('when a key is misspelt, then it is refused rather than ignored', () => {
    expect(errorOf(`${SMALL}ignroe: [x]\n`).message).toMatch(/ignroe/);
  });
  it('when the text is not YAML, then the error gives the line', () => {
    expect(errorOf('version: 1\nname: [unclosed\n').message).toMatch(/^c\.yaml:\d+: not valid YAML/);
  });
  it('when own category is asked of a number, then it is refused', () => {
    expect(errorOf(SMALL.replace('    min: 0\n', '    missing: category\n')).message).toMatch(/features\.0\.missing: "category" applies to categorical features/);
  });
  it('when a name is not a shipped contract, then the error names the file it looked for', () => {
    expect(() => DatasetContract.resolve('no-such-dataset')).toThrow(/datasets\/no-such-dataset\.yaml: cannot read the contract/);
  });
});

describe('cleaning settings', () => {
  it('when headers differ in case or are renamed, then they map to the contract names', () => {
    const contract = DatasetContract.parse(`${SMALL}cleaning:\n  rename: {"Plan Type": plan}\n`, 'c.yaml');
    expect(contract.normaliseColumn(' Tenure ')).toBe('tenure');
    expect(contract.normaliseColumn('Plan Type')).toBe('plan');
  });
  it('when missing values become their own category, then the level is added last', () => {
    const contract = DatasetContract.parse(SMALL.replace('    levels: [basic, pro]', '    levels: [basic, pro]\n    missing: category'), 'c.yaml');
    expect(contract.feature('plan')?.levels).toEqual(['basic', 'pro', 'missing']);
  });
});
