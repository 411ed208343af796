import { assertAcceptable, cleanRecords, DatasetContract, defaultContract, loadCleanDataset, parseCsv, RejectedDataError, splitDataset, toCsv } from './index.js';

const contract = defaultContract();

describe('cleaning the BankChurners file with its contract', () => {
  const result = loadCleanDataset();

  it('when unknowns are dropped, then the reference row count remains', () => {
    expect(result.rows.length + result.droppedMissing).toBe(10_127);
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
    const again = cleanRecords(contract, parseCsv(toCsv(contract, result.rows)));
    expect(again.rows).toEqual(result.rows);
  });

  it('when a row is malformed, then it is reported with its line, the field and the rule, and the rest survive', () => {
    const records = parseCsv(toCsv(contract, result.rows.slice(0, 3)));
    records[1]!['customer_age'] = 'old';
    const cleaned = cleanRecords(contract, records, [2, 3, 4]);
    expect(cleaned.rows).toHaveLength(2);
    expect(cleaned.invalid).toEqual([{ index: 1, line: 3, field: 'customer_age', reason: 'customer_age: must be a number' }]);
  });

  it('when the label is neither value, then the row is refused naming the target column', () => {
    const cleaned = cleanRecords(contract, [{ ...parseCsv(toCsv(contract, result.rows.slice(0, 1)))[0]!, churned: 'maybe' }]);
    expect(cleaned.invalid[0]?.field).toBe('attrition_flag');
  });
});

describe('the rejected share', () => {
  const strict = DatasetContract.parse(`${defaultContract().toYaml()}\n`.replace('max_rejected_share: 0.05', 'max_rejected_share: 0.2'), 'strict.yaml');
  const records = parseCsv(toCsv(strict, loadCleanDataset().rows.slice(0, 10)));
  it('when more rows are invalid than the contract allows, then the CSV is refused with the first reasons', () => {
    const broken = records.map((r, i) => (i < 3 ? { ...r, credit_limit: 'lots' } : r));
    const error = (() => {
      try {
        assertAcceptable(strict, cleanRecords(strict, broken), 'snap.csv');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RejectedDataError);
    expect((error as Error).message).toMatch(/^snap\.csv: 30\.0% of rows are invalid \(limit 20\.0%\)/);
    expect((error as Error).message).toMatch(/credit_limit: must be a number/);
  });
  it('when the share is within the limit, then it is accepted', () => {
    expect(() => assertAcceptable(strict, cleanRecords(strict, records.map((r, i) => (i < 2 ? { ...r, credit_limit: 'lots' } : r))), 'snap.csv')).not.toThrow();
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
  it('when a contract gives other ratios, then the parts follow them', () => {
    const split = splitDataset(rows, 42, { train: 0.7, test: 0.1 });
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([700, 200, 100]);
  });
});
