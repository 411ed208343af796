import { seededRandom } from '@churn/churn-data';
import { aucByLevel, rankByChance } from './segment-auc.js';

/** Rows of `levels` levels with chances rounded to `decimals` places, so that ties within and across levels are common. */
function sample(n: number, levels: number, decimals: number) {
  const random = seededRandom(11);
  const codes = Int32Array.from({ length: n }, () => Math.floor(random() * levels));
  const labels = Uint8Array.from({ length: n }, () => (random() < 0.25 ? 1 : 0));
  const chances = Float64Array.from(labels, (y) => Number(Math.min(1, Math.max(0, (y ? 0.6 : 0.35) + (random() - 0.5) * 0.7)).toFixed(decimals)));
  return { codes, labels, chances };
}

/** The level's AUC by definition: every (positive, negative) pair of its rows, ranked right 1, tied 1/2. */
const perLevel = (codes: Int32Array, labels: Uint8Array, chances: Float64Array, level: number) => {
  const rows = [...codes.keys()].filter((i) => codes[i] === level);
  const pos = rows.filter((i) => labels[i] === 1).map((i) => chances[i] as number);
  const neg = rows.filter((i) => labels[i] === 0).map((i) => chances[i] as number);
  let pairs = 0;
  for (const p of pos) for (const q of neg) pairs += p > q ? 1 : p === q ? 0.5 : 0;
  return pairs / (pos.length * neg.length);
};

describe('aucByLevel', () => {
  it.each([
    ['many ties', 2_000, 7, 2],
    ['few ties', 5_000, 3, 6],
  ])('given %s across levels, when every level is counted from one ranking, then each equals the pair count of that level alone, exactly', (_, n, levels, decimals) => {
    const { codes, labels, chances } = sample(n, levels, decimals);
    const aucs = aucByLevel(rankByChance(chances), codes, labels, levels);
    for (let level = 0; level < levels; level++) expect(aucs[level]).toBe(perLevel(codes, labels, chances, level));
  });

  it('given a level with one class only, when counted, then its AUC is NaN and the others are unaffected', () => {
    const chances = Float64Array.of(0.1, 0.9, 0.5, 0.2, 0.8);
    const labels = Uint8Array.of(0, 1, 1, 0, 1);
    const codes = Int32Array.of(0, 0, 1, 0, 1);
    const aucs = aucByLevel(rankByChance(chances), codes, labels, 2);
    expect(aucs[0]).toBe(1);
    expect(aucs[1]).toBeNaN();
  });
});

describe('rankByChance', () => {
  it('given chances with ties, when ranked, then rows come in ascending chance order and each tie group starts where the chance changes', () => {
    const chances = [0.5, 0.1, 0.5, 0.9, 0.1, 0.5];
    const { order, groupStart } = rankByChance(chances);
    expect([...order].map((i) => chances[i])).toEqual([0.1, 0.1, 0.5, 0.5, 0.5, 0.9]);
    expect([...groupStart]).toEqual([1, 0, 1, 0, 0, 1]);
  });
});
