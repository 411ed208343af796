import { readFileSync } from 'node:fs';
import { cleanRecords } from './clean.js';
import { contractYaml } from './cli/contract-yaml.js';
import { DatasetContract } from './contract.js';
import { parseCsvWithLines } from './csv.js';
import { InferError, inferContract, type InferredContract } from './infer.js';
import { generateChurnCsv } from './testing/generated-csv.js';

const options = { name: 'test', source: './data.csv' };
const feature = (inferred: InferredContract, name: string) => inferred.contract.features.find((f) => f.name === name);
const rows = (n: number, make: (i: number) => Record<string, string>) => Array.from({ length: n }, (_, i) => make(i));

describe('inferring a contract from the generated churn CSV', () => {
  const { records, lines } = parseCsvWithLines(generateChurnCsv());
  const inferred = inferContract(records, { ...options, target: 'Churn' });

  it('when columns hold numbers, yes/no or a few labels, then they are integer, numeric, boolean and categorical with the observed range and levels', () => {
    expect(feature(inferred, 'age')).toMatchObject({ kind: 'integer', min: 18, max: 85, label: 'Age' });
    expect(feature(inferred, 'monthly_charges')).toMatchObject({ kind: 'numeric' });
    expect(feature(inferred, 'has_partner')).toMatchObject({ kind: 'boolean' });
    expect(feature(inferred, 'contract')?.levels).toEqual(expect.arrayContaining(['month-to-month', 'one year', 'two year']));
    expect(inferred.contract.features.map((f) => f.kind)).not.toContain('ordinal');
  });

  it('when headers have spaces and capitals, then they are renamed to snake case under cleaning.rename', () => {
    expect(inferred.contract.cleaning?.rename).toMatchObject({ 'Tenure Months': 'tenure_months', 'Last Note': 'last_note' });
    expect(inferred.contract.cleaning?.rename).not.toHaveProperty('Age');
  });

  it('when CustomerID is unique, then it is the id; the unique notes are ignored; Churn yes is positive', () => {
    expect(inferred.contract.id).toBe('customerid');
    expect(inferred.contract.ignore).toEqual(['last_note']);
    expect(inferred.contract.target).toEqual({ column: 'churn', positive: ['yes'], negative: ['no'] });
  });

  it('when a column has blanks and N/A, then both are missing tokens and the policy follows the missing share', () => {
    expect(inferred.contract.missing_tokens).toEqual(['', 'n/a']);
    expect(feature(inferred, 'satisfaction')).toMatchObject({ kind: 'integer', missing: 'impute' });
    expect(feature(inferred, 'region')).toMatchObject({ kind: 'categorical', missing: 'drop' });
    expect(feature(inferred, 'age')?.missing).toBe('drop');
  });

  it('when the YAML is parsed, then it is a valid contract that keeps almost every row of its own CSV and rejects none', () => {
    const yaml = contractYaml(inferred, './contract.schema.json');
    expect(yaml.split('\n')[0]).toBe('# yaml-language-server: $schema=./contract.schema.json');
    expect(yaml).toMatch(/# 10\.\d% missing \(blank, "n\/a"\): impute\n\s+- name: satisfaction/);
    const contract = DatasetContract.parse(yaml, '/data/contract.yaml');
    const cleaned = cleanRecords(contract, records, lines);
    expect(cleaned.invalid).toEqual([]);
    expect(cleaned.rows.length).toBeGreaterThan(records.length * 0.98);
    expect(cleaned.rows.length + cleaned.droppedMissing).toBe(records.length);
  });
});

describe('inferring a contract from BankChurners', () => {
  const { records, lines } = parseCsvWithLines(readFileSync(new URL('../../../data/credit_card_churn.csv', import.meta.url)));
  const inferred = inferContract(records, { ...options, target: 'Attrition_Flag' });

  it('when read, then CLIENTNUM is the id, attrited customers are positive and "Unknown" is a missing token kept as its own category', () => {
    expect(inferred.contract.id).toBe('clientnum');
    expect(inferred.contract.target).toEqual({ column: 'attrition_flag', positive: ['attrited customer'], negative: ['existing customer'] });
    expect(inferred.contract.missing_tokens).toEqual(['', 'unknown']);
    expect(feature(inferred, 'education_level')).toMatchObject({ kind: 'categorical', missing: 'category' });
  });

  it('when income bands are levels, then a comment suggests ordinal and the contract keeps every row', () => {
    const incomeIndex = inferred.contract.features.findIndex((f) => f.name === 'income_category');
    expect(inferred.notes.find((n) => n.path.join('.') === `features.${incomeIndex}`)?.text).toMatch(/kind: ordinal/);
    const cleaned = cleanRecords(DatasetContract.parse(contractYaml(inferred, 's.json'), '/x.yaml'), records, lines);
    expect(cleaned.rows).toHaveLength(10_127);
  });
});

describe('inference rules', () => {
  it('when a column is constant, a row number, reserved or unique text, then it is ignored with the reason', () => {
    const records = rows(100, (i) => ({
      RowNumber: String(i + 1),
      CustomerId: String(15_000_000 + i * 37),
      account_no: `A${i}`,
      country: 'fr',
      churned: String(i % 3),
      comment: `note ${i}`,
      score: String(i % 7),
      left: i % 4 === 0 ? 'yes' : 'no',
    }));
    const inferred = inferContract(records, { ...options, target: 'left' });
    expect(inferred.contract.id).toBe('customerid');
    expect(inferred.contract.ignore).toEqual(['rownumber', 'account_no', 'country', 'churned', 'comment']);
    expect(inferred.notes.filter((n) => n.path[0] === 'ignore').map((n) => n.text)).toEqual([
      'a row number (consecutive integers)',
      'unique in every row and named like an id: another id',
      'constant: every value is "fr"',
      expect.stringMatching(/^churned is reserved/),
      expect.stringMatching(/^text with 100 distinct values/),
    ]);
    expect(inferred.contract.features.map((f) => f.name)).toEqual(['score']);
  });

  it('when no column is named like an id, then unique codes become the id, but unique free text does not', () => {
    const codes = rows(20, (i) => ({ ref: `X-${i}`, note: `said ${i} things`, calls: String(i % 4), churn: String(i % 2) }));
    expect(inferContract(codes, { ...options, target: 'churn' }).contract.id).toBe('ref');
    const text = rows(20, (i) => ({ note: `said ${i} things`, churn: String(i % 2) }));
    expect(() => inferContract(text, { ...options, target: 'churn' })).toThrow('no column can be a feature: every column is the target, the id or ignored');
  });

  it('when a numeric column has a stray word, then it stays numeric and the comment says check rejects those rows', () => {
    const records = rows(100, (i) => ({ balance: i === 5 ? 'lots' : String(i * 1.5), churn: String(i % 2) }));
    const inferred = inferContract(records, { ...options, target: 'churn' });
    expect(feature(inferred, 'balance')).toMatchObject({ kind: 'numeric', min: 0, max: 148.5 });
    expect(inferred.notes[1]?.text).toMatch(/1 values are not numbers \(e\.g\. "lots"\): check rejects their rows/);
  });

  it('when up to 5% is missing, then drop; above it, impute numbers and give categoricals their own category', () => {
    const records = rows(100, (i) => ({ few: i < 5 ? 'NA' : String(i), many: i < 20 ? '?' : String(i), kind: i < 20 ? 'unknown' : ['a', 'b'][i % 2] ?? '', churn: String(i % 2) }));
    const inferred = inferContract(records, { ...options, target: 'churn' });
    expect(inferred.contract.features.map((f) => [f.name, f.missing])).toEqual([
      ['few', 'drop'],
      ['many', 'impute'],
      ['kind', 'category'],
    ]);
    expect(inferred.contract.missing_tokens).toEqual(['', '?', 'na', 'unknown']);
  });

  it('when headers are not valid names, then they get unique snake-case names', () => {
    const records = rows(10, (i) => ({ '2nd Line': String(i), 'Plan (type)': String(i % 3), 'plan type': String(i % 2), '': String(i * 2), Exited: String(i % 2) }));
    const inferred = inferContract(records, { ...options, target: 'exited' });
    expect(inferred.contract.cleaning?.rename).toEqual({ '2nd Line': 'c_2nd_line', 'Plan (type)': 'plan_type', 'plan type': 'plan_type_2', '': 'column_4' });
    expect(() => DatasetContract.parse(contractYaml(inferred, 's.json'), '/x.yaml')).not.toThrow();
  });

  it.each([
    [['Stayed', 'Churned'], ['churned'], ['stayed']],
    [['not churned', 'churned'], ['churned'], ['not churned']],
    [['1', '0'], ['1'], ['0']],
    [['active', 'gone away'], ['gone away'], ['active']],
    [['a', 'b'], ['b'], ['a']],
  ])('when the target values are %j, then positive is %j', (values, positive, negative) => {
    // The first value is the more frequent one, so "b" is the rarer guess.
    const records = rows(30, (i) => ({ x: String(i % 5), y: values[i % 3 === 0 ? 1 : 0] ?? '' }));
    expect(inferContract(records, { ...options, target: 'y' }).contract.target).toEqual({ column: 'y', positive, negative });
  });

  it('when the target is absent or has one value, then an InferError names the column', () => {
    const records = rows(10, (i) => ({ x: String(i), Status: 'open' }));
    expect(() => inferContract(records, { ...options, target: 'churn' })).toThrow(new InferError('--target churn: no such column; the CSV has x, Status'));
    expect(() => inferContract(records, { ...options, target: 'status' })).toThrow(/target column Status: needs two values/);
  });
});
