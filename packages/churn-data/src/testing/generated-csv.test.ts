import { parseCsvWithLines } from '../csv.js';
import { generateChurnCsv, GENERATED_HEADER } from './generated-csv.js';

/** Rank AUC (Mann-Whitney): the chance a random leaver scores above a random stayer. */
function auc(scores: readonly number[], labels: readonly boolean[]): number {
  const order = scores.map((s, i) => ({ s, left: labels[i] })).sort((a, b) => a.s - b.s);
  let rankSum = 0;
  let positives = 0;
  order.forEach((o, rank) => {
    if (o.left) {
      rankSum += rank + 1;
      positives += 1;
    }
  });
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

describe('the generated churn CSV', () => {
  const text = generateChurnCsv();
  const { records, lines } = parseCsvWithLines(text);

  it('when generated twice with the same seed, then the text is identical, and another seed differs', () => {
    expect(generateChurnCsv()).toBe(text);
    expect(generateChurnCsv({ seed: 8 })).not.toBe(text);
    expect(generateChurnCsv({ rows: 10 }).split('\r\n')).toHaveLength(12);
  });

  it('when read as bytes, then it starts with a BOM and every line ends in CRLF', () => {
    expect(text.startsWith('\uFEFFCustomerID,')).toBe(true);
    expect(text.split('\n').slice(0, -1).every((line) => line.endsWith('\r'))).toBe(true);
  });

  it('when parsed, then 2,000 rows have the header columns, notes keep their quoted commas and lines count from the header', () => {
    expect(records).toHaveLength(2_000);
    expect(Object.keys(records[0] ?? {})).toEqual([...GENERATED_HEADER]);
    expect(records.every((r) => /^Called about [^,]+, ticket \d+/.test(r['Last Note'] ?? ''))).toBe(true);
    expect(records.some((r) => r['Last Note']?.endsWith(', said "thanks"'))).toBe(true);
    expect(lines.slice(0, 3)).toEqual([2, 3, 4]);
  });

  it('when satisfaction and region are read, then some are blank or N/A', () => {
    const satisfaction = records.map((r) => r['Satisfaction']);
    expect(satisfaction.filter((v) => v === '').length).toBeGreaterThan(100);
    expect(satisfaction.filter((v) => v === 'N/A').length).toBeGreaterThan(40);
    expect(records.filter((r) => r['Region'] === '').length).toBeGreaterThan(5);
  });

  it('when a linear score is learnt on half the rows, then it ranks churners on the other half with AUC well above 0.5', () => {
    // The signs of each column's correlation with the label on the first half, applied to the second.
    const columns = ['Age', 'Tenure Months', 'Monthly Charges', 'Support Calls', 'Satisfaction'] as const;
    const x = records.map((r) => [...columns.map((c) => Number(r[c]) || 0), r['Contract'] === 'Month-to-month' ? 1 : 0, r['Has Partner'] === 'Yes' ? 1 : 0]);
    const y = records.map((r) => r['Churn'] === 'Yes');
    const half = records.length / 2;
    const width = x[0]?.length ?? 0;
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const weights = Array.from({ length: width }, (_, j) => {
      const col = x.slice(0, half).map((row) => row[j] ?? 0);
      const sd = Math.sqrt(mean(col.map((v) => (v - mean(col)) ** 2))) || 1;
      const left = mean(col.filter((_, i) => y[i]));
      const stayed = mean(col.filter((_, i) => !y[i]));
      return (left - stayed) / sd ** 2;
    });
    const scores = x.slice(half).map((row) => row.reduce((s, v, j) => s + v * (weights[j] ?? 0), 0));
    expect(y.filter(Boolean).length / y.length).toBeGreaterThan(0.2);
    expect(auc(scores, y.slice(half))).toBeGreaterThan(0.75);
  });
});
