import { cleanRecords, loadCleanDataset, parseCsv, predictionRequestSchema, splitDataset, toCsv } from './index.js';

describe('cleaning the BankChurners file', () => {
  const result = loadCleanDataset();

  it('when unknowns are dropped, then the reference row count remains', () => {
    expect(result.rows.length + result.droppedUnknown).toBe(10_127);
    expect(result.rows).toHaveLength(7_081);
    expect(result.invalid).toEqual([]);
  });

  it('when a row is cleaned, then names and values are lowercase and ordinals encoded', () => {
    // First data row: 45, M, High School, Married, $60K - $80K, Blue, existing customer.
    expect(result.rows[0]).toEqual({
      customer_age: 45,
      gender: 'm',
      dependent_count: 3,
      education_level: 1,
      marital_status: 'married',
      income_category: 2,
      card_category: 'blue',
      months_on_book: 39,
      total_relationship_count: 5,
      credit_limit: 12_691,
      total_revolving_bal: 777,
      churned: 0,
    });
  });

  it('when the label is attrited, then churned is 1 (the positive class is leaving)', () => {
    const churnRate = result.rows.filter((r) => r.churned === 1).length / result.rows.length;
    expect(churnRate).toBeGreaterThan(0.14);
    expect(churnRate).toBeLessThan(0.18);
  });

  it('when clean rows are written and cleaned again, then nothing changes', () => {
    const again = cleanRecords(parseCsv(toCsv(result.rows)));
    expect(again.rows).toEqual(result.rows);
  });

  it('when a row is malformed, then it is reported with the field and the rest survive', () => {
    const records = parseCsv(toCsv(result.rows.slice(0, 3)));
    records[1]!['customer_age'] = 'old';
    const cleaned = cleanRecords(records);
    expect(cleaned.rows).toHaveLength(2);
    expect(cleaned.invalid).toEqual([{ index: 1, reason: 'customer_age: must be a number' }]);
  });
});

describe('splitDataset', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => i);
  it('when split, then it is 60/20/20, disjoint, complete and the same for the same seed', () => {
    const split = splitDataset(rows);
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([600, 200, 200]);
    expect(new Set([...split.train, ...split.validation, ...split.test]).size).toBe(1000);
    expect(splitDataset(rows)).toEqual(split);
    expect(splitDataset(rows, 7).train).not.toEqual(split.train);
  });
});

describe('predictionRequestSchema', () => {
  const valid = {
    customer_age: 45, gender: 'M', dependent_count: 3, education_level: 'High School', marital_status: 'Married',
    income_category: 2, card_category: 'blue', months_on_book: 39, total_relationship_count: 5, credit_limit: 12691, total_revolving_bal: 777,
  };
  it('when labels or codes are given, then both normalise to codes', () => {
    expect(predictionRequestSchema.parse(valid)).toMatchObject({ gender: 'm', education_level: 1, income_category: 2, marital_status: 'married' });
  });
  it.each([
    ['card_category', 'diamond', /card_category: must be one of blue, silver, gold, platinum/],
    ['customer_age', '45', /customer_age: must be a number/],
    ['education_level', 9, /education_level: must be a code 0-5/],
  ])('when %s is %p, then the error names the field', (field, value, message) => {
    const result = predictionRequestSchema.safeParse({ ...valid, [field]: value });
    expect(result.success).toBe(false);
    expect(`${result.error?.issues[0]?.path.join('.')}: ${result.error?.issues[0]?.message}`).toMatch(message);
  });
});
