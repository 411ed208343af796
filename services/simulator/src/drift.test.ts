import type { ChurnFeatures } from '@churn/churn-data';
import { predictionRequestSchema, seededRandom } from '@churn/churn-data';
import { applyDrift, DriftSpecError, parseDriftSpec } from './drift.js';

const row: ChurnFeatures = {
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

describe('drift spec', () => {
  it('when the spec scales, shifts and moves a category share, then it parses each rule', () => {
    expect(parseDriftSpec('credit_limit*1.8, customer_age+-3,card_category=gold:0.5,income_category=$120k +')).toEqual([
      { kind: 'scale', feature: 'credit_limit', factor: 1.8 },
      { kind: 'shift', feature: 'customer_age', delta: -3 },
      { kind: 'category', feature: 'card_category', value: 'gold', share: 0.5 },
      { kind: 'category', feature: 'income_category', value: 4, share: 1 },
    ]);
    expect(parseDriftSpec('')).toEqual([]);
  });

  it.each([
    ['unknown*2', /not a numeric feature/],
    ['gender*2', /not a numeric feature/],
    ['card_category=diamond', /not one of/],
    ['card_category=gold:1.5', /share/],
    ['credit_limit/2', /expected/],
  ])('when the spec is %s, then it throws naming the problem', (spec, message) => {
    expect(() => parseDriftSpec(spec)).toThrow(DriftSpecError);
    expect(() => parseDriftSpec(spec)).toThrow(message);
  });

  it('when rules are applied to many rows, then numbers change exactly, the category share is close, and rows stay valid requests', () => {
    const rules = parseDriftSpec('credit_limit*1.8,total_revolving_bal*1.333,card_category=gold:0.5');
    const random = seededRandom(1);
    const drifted = Array.from({ length: 2000 }, () => applyDrift(row, rules, random));
    expect(drifted[0]?.credit_limit).toBe(1800);
    expect(drifted[0]?.total_revolving_bal).toBe(667);
    const gold = drifted.filter((r) => r.card_category === 'gold').length / drifted.length;
    expect(gold).toBeGreaterThan(0.45);
    expect(gold).toBeLessThan(0.55);
    expect(drifted.every((r) => predictionRequestSchema.safeParse(r).success)).toBe(true);
    expect(row.credit_limit).toBe(1000);
  });
});
