import { DatasetContract, defaultContract } from './contract.js';
import { parseRequest } from './values.js';

const seed = {
  customer_age: 50, gender: 'M', dependent_count: 2, education_level: 3, marital_status: 'married', income_category: 2,
  card_category: 'blue', months_on_book: 4, total_relationship_count: 3, credit_limit: 4000, total_revolving_bal: 2511,
};

const fieldOf = (result: ReturnType<typeof parseRequest>) => (result.ok ? undefined : result.message);

describe('the BankChurners request', () => {
  const contract = defaultContract();
  it("when the seed's request is sent, then it is accepted and normalised", () => {
    const result = parseRequest(contract, seed, 'json');
    expect(result).toEqual({ ok: true, features: { ...seed, gender: 'm' } });
  });
  it('when labels are given for ordinals, then they become codes', () => {
    const result = parseRequest(contract, { ...seed, education_level: 'High School', income_category: '$40K - $60K' }, 'json');
    expect(result.ok && result.features).toMatchObject({ education_level: 1, income_category: 1 });
  });
  it.each([
    ['card_category', 'diamond', 'card_category: must be one of blue, silver, gold, platinum'],
    ['customer_age', '45', 'customer_age: must be a number'],
    ['customer_age', 45.5, 'customer_age: must be an integer'],
    ['customer_age', 12, 'customer_age: must be at least 18'],
    ['education_level', 9, 'education_level: must be a code 0-5 or one of uneducated, high school, college, graduate, post-graduate, doctorate'],
    ['education_level', 'unknown', 'education_level: is required (missing values are not accepted for this feature)'],
    ['credit_limit', undefined, 'credit_limit: is required (missing values are not accepted for this feature)'],
  ])('when %s is %p, then the error names the field and the rule', (field, value, message) => {
    expect(fieldOf(parseRequest(contract, { ...seed, [field]: value }, 'json'))).toBe(message);
  });
  it('when text cells are given (CSV), then numbers are read from text', () => {
    const text = Object.fromEntries(Object.entries(seed).map(([k, v]) => [k, String(v)]));
    expect(parseRequest(contract, text, 'text')).toEqual({ ok: true, features: { ...seed, gender: 'm' } });
  });
  it('when a customer id is given, then it is returned apart from the features', () => {
    const result = parseRequest(contract, { ...seed, customer_id: 'c-1', extra: 'ignored' }, 'json');
    expect(result.ok && [result.customerId, Object.keys(result.features).length]).toEqual(['c-1', 11]);
  });
  it('when the body is not an object, then the body is named', () => {
    expect(parseRequest(contract, [1], 'json')).toMatchObject({ ok: false, field: '(body)' });
  });
});

describe('another contract', () => {
  const contract = DatasetContract.parse(
    `version: 1
name: other
source: other.csv
target: {column: churn, positive: ["yes"], negative: ["no"]}
missing_tokens: ["n/a"]
features:
  - {name: paperless, kind: boolean}
  - {name: charges, kind: numeric, missing: impute}
  - {name: plan, kind: categorical, levels: [basic, pro], missing: category}
  - {name: contract_term, kind: ordinal, levels: [monthly, yearly]}
`,
    'other.yaml',
  );
  it('when booleans come as words or JSON, then they are 0/1', () => {
    for (const [value, code] of [[true, 1], ['Yes', 1], ['no', 0], [0, 0]] as const) {
      const result = parseRequest(contract, { paperless: value, charges: 1, plan: 'pro', contract_term: 0 }, 'json');
      expect(result.ok && result.features['paperless']).toBe(code);
    }
  });
  it('when a contract names its own yes/no words, then a CSV cell "true", "1", "false", "0" still reads as JSON true, 1, false, 0 does', () => {
    const own = DatasetContract.parse(
      `version: 1
name: own
source: own.csv
target: {column: churn, positive: ["yes"], negative: ["no"]}
features:
  - {name: paperless, kind: boolean, true_values: [ja], false_values: [nein]}
`,
      'own.yaml',
    );
    for (const [text, json, code] of [['true', true, 1], ['1', 1, 1], ['ja', 'ja', 1], ['false', false, 0], ['0', 0, 0], ['nein', 'nein', 0]] as const) {
      const fromCsv = parseRequest(own, { paperless: text }, 'text');
      const fromJson = parseRequest(own, { paperless: json }, 'json');
      expect([fromCsv.ok && fromCsv.features['paperless'], fromJson.ok && fromJson.features['paperless']]).toEqual([code, code]);
    }
  });
  it('when an imputed or own-category feature is missing, then the request is still accepted', () => {
    const result = parseRequest(contract, { paperless: false, charges: 'N/A', contract_term: 'yearly' }, 'json');
    expect(result).toEqual({ ok: true, features: { paperless: 0, charges: null, plan: 'missing', contract_term: 1 } });
  });
  it('when a boolean is something else, then the error lists the accepted words', () => {
    expect(fieldOf(parseRequest(contract, { paperless: 'maybe', charges: 1, plan: 'pro', contract_term: 0 }, 'json'))).toMatch(/^paperless: must be true or false/);
  });
});
