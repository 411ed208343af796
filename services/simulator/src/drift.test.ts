import { DatasetContract, defaultContract, parseRequest, seededRandom, type FeatureRow } from '@churn/churn-data';
import { applyDrift, DriftSpecError, parseDriftSpec } from './drift.js';

const bankChurners = defaultContract();

const row: FeatureRow = {
  customer_age: 40,
  gender: 'f',
  dependent_count: 1,
  education_level: 2,
  marital_status: 'single',
  income_category: 1,
  card_category: 'blue',
  months_on_book: 30,
  total_relationship_count: 3,
  credit_limit: 1000,
  total_revolving_bal: 500,
};

// A second dataset with none of BankChurners' columns: a boolean, bounded integers (one with
// fractional bounds), an unbounded number, an ordinal, and an imputed number that may be missing.
const telecom = DatasetContract.parse(
  `
version: 1
name: telecom-test
source: customers.csv
id: account
target: { column: left, positive: ['yes'], negative: ['no'] }
features:
  - { name: tenure_months, kind: integer, min: 0, max: 72 }
  - { name: seats, kind: integer, min: 0.5, max: 9.5 }
  - { name: monthly_fee, kind: numeric, min: 0 }
  - { name: discount, kind: numeric, min: 0, max: 0.5, missing: impute }
  - { name: has_partner, kind: boolean }
  - { name: plan, kind: ordinal, levels: [monthly, yearly, two-year] }
  - { name: payment, kind: categorical, levels: [card, transfer] }
`,
  'telecom-test.yaml',
);

describe('drift spec on BankChurners', () => {
  it('when the spec scales, shifts and moves level shares, then it parses each rule with the contract range', () => {
    expect(parseDriftSpec(bankChurners, 'credit_limit*1.8, customer_age+-3,card_category=gold:0.5,income_category=$120k +,education_level=1')).toEqual([
      { kind: 'scale', feature: 'credit_limit', factor: 1.8, min: 0, max: 10_000_000, integer: false },
      { kind: 'shift', feature: 'customer_age', delta: -3, min: 18, max: 120, integer: true },
      { kind: 'level', feature: 'card_category', value: 'gold', share: 0.5 },
      { kind: 'level', feature: 'income_category', value: 4, share: 1 },
      { kind: 'level', feature: 'education_level', value: 1, share: 1 },
    ]);
    expect(parseDriftSpec(bankChurners, '')).toEqual([]);
  });

  it.each([
    ['unknown*2', 'unknown is not a feature of bankchurners; choose from customer_age, dependent_count, months_on_book, total_relationship_count, credit_limit, total_revolving_bal'],
    ['total_trans_amt=5', 'total_trans_amt is not a feature of bankchurners; choose from gender, education_level, marital_status, income_category, card_category'],
    ['gender*2', 'gender is categorical, and *factor applies to numeric or integer features'],
    ['education_level+1', 'education_level is ordinal, and +delta applies to numeric or integer features'],
    ['credit_limit=5', 'credit_limit is numeric, and =value applies to categorical, ordinal or boolean features'],
    ['card_category=diamond', 'card_category must be one of blue, silver, gold, platinum'],
    ['income_category=9', 'income_category must be a code 0-4 or one of less than $40k'],
    ['education_level=unknown', 'unknown means a missing value in bankchurners'],
    ['card_category=gold:1.5', 'share must be between 0 and 1'],
    ['credit_limit/2', 'expected feature*factor, feature+delta or feature=value:share'],
  ])('when the spec is %s, then it throws saying what is wrong and what is allowed', (spec, message) => {
    expect(() => parseDriftSpec(bankChurners, spec)).toThrow(DriftSpecError);
    expect(() => parseDriftSpec(bankChurners, spec)).toThrow(message);
  });

  it('when rules are applied to many rows, then numbers change exactly, the level share is close, and rows stay valid requests', () => {
    const rules = parseDriftSpec(bankChurners, 'credit_limit*1.8,total_revolving_bal*1.333,card_category=gold:0.5');
    const random = seededRandom(1);
    const drifted = Array.from({ length: 2000 }, () => applyDrift(row, rules, random));
    expect(drifted[0]?.credit_limit).toBe(1800);
    expect(drifted[0]?.total_revolving_bal).toBe(667);
    const gold = drifted.filter((r) => r.card_category === 'gold').length / drifted.length;
    expect(gold).toBeGreaterThan(0.45);
    expect(gold).toBeLessThan(0.55);
    expect(drifted.filter((r) => !parseRequest(bankChurners, r, 'json').ok)).toEqual([]);
    expect(row.credit_limit).toBe(1000);
  });

  it('when a shift passes the contract range, then the value stops at its bound', () => {
    const rules = parseDriftSpec(bankChurners, 'credit_limit*1.8,customer_age+5,card_category=gold:0.5');
    const drifted = applyDrift({ ...row, customer_age: 118, credit_limit: 9_000_000 }, rules, () => 0);
    expect(drifted).toMatchObject({ customer_age: 120, credit_limit: 10_000_000, card_category: 'gold' });
  });
});

describe('drift spec on another contract', () => {
  const customer: FeatureRow = { tenure_months: 60, seats: 3, monthly_fee: 10, discount: 0.2, has_partner: 0, plan: 0, payment: 'card' };

  it('when a rule names a column the contract lacks, then it is refused naming the column and the contract choices', () => {
    expect(() => parseDriftSpec(telecom, 'credit_limit*1.8')).toThrow('drift "credit_limit*1.8": credit_limit is not a feature of telecom-test; choose from tenure_months, seats, monthly_fee, discount');
    expect(() => parseDriftSpec(telecom, 'card_category=gold')).toThrow('card_category is not a feature of telecom-test; choose from has_partner, plan, payment');
    expect(() => parseDriftSpec(telecom, 'has_partner=maybe')).toThrow('has_partner must be true or false (or one of true, 1, yes, y, t, false, 0, no, n, f)');
  });

  it('when level rules name a boolean or an ordinal, then the value is sent as the model reads it', () => {
    const rules = parseDriftSpec(telecom, 'has_partner=yes,plan=two-year:1,payment=Transfer');
    expect(applyDrift(customer, rules, () => 0)).toMatchObject({ has_partner: 1, plan: 2, payment: 'transfer' });
  });

  it('when numbers drift past the range, then they are clamped to it and integers stay whole', () => {
    expect(applyDrift(customer, parseDriftSpec(telecom, 'tenure_months*1.5,seats+100,discount*10'), Math.random)).toMatchObject({ tenure_months: 72, seats: 9, discount: 0.5 });
    expect(applyDrift(customer, parseDriftSpec(telecom, 'tenure_months+-100,seats*0'), Math.random)).toMatchObject({ tenure_months: 0, seats: 1 });
    expect(applyDrift(customer, parseDriftSpec(telecom, 'tenure_months*0.13,monthly_fee*1000.3333'), Math.random)).toMatchObject({ tenure_months: 8, monthly_fee: 10003.33 });
  });

  it('when a drifted value is missing, then it stays missing rather than becoming a number', () => {
    expect(applyDrift({ ...customer, discount: null }, parseDriftSpec(telecom, 'discount+0.1'), Math.random).discount).toBeNull();
  });

  it('when every rule kind is applied to many random customers, then every drifted row is a valid request under the contract', () => {
    const random = seededRandom(7);
    const rules = parseDriftSpec(telecom, 'tenure_months*1.37,seats+-2.5,monthly_fee*1.111,discount+0.25,has_partner=no:0.5,plan=yearly:0.3,payment=card:0.5');
    const customers: FeatureRow[] = Array.from({ length: 1000 }, () => ({
      tenure_months: Math.floor(random() * 73),
      seats: 1 + Math.floor(random() * 9),
      monthly_fee: Math.round(random() * 10_000) / 100,
      discount: random() < 0.1 ? null : Math.round(random() * 50) / 100,
      has_partner: random() < 0.5 ? 1 : 0,
      plan: Math.floor(random() * 3),
      payment: random() < 0.5 ? 'card' : 'transfer',
    }));
    const drifted = customers.map((c) => applyDrift(c, rules, random));
    expect(drifted.filter((r) => !parseRequest(telecom, r, 'json').ok)).toEqual([]);
    // The bounds were reached, so validity comes from clamping rather than from mild rules.
    expect(drifted.some((r) => r.tenure_months === 72)).toBe(true);
    expect(drifted.some((r) => r.seats === 1)).toBe(true);
    expect(drifted.some((r) => r.discount === 0.5)).toBe(true);
  });
});
