import { defaultContract, seededRandom } from '@churn/churn-data';
import { classificationQuality, type LabelledRow } from './classification.js';
import { boundedSegmentQuality, OTHER_LEVEL } from './segment-quality.js';

const contract = defaultContract();

/** Labelled rows whose card category is drawn from `cards` and marital status from `statuses`. */
function rows(n: number, cards: readonly string[], statuses: readonly string[]): LabelledRow[] {
  const random = seededRandom(3);
  return Array.from({ length: n }, (_, i) => {
    const label = random() < 0.3 ? 1 : 0;
    return { features: { card_category: cards[i % cards.length], marital_status: statuses[i % statuses.length], gender: 'f' }, chance: Math.min(1, Math.max(0, 0.3 + (label ? 0.3 : -0.2) + (random() - 0.5) * 0.6)), label };
  });
}

const pick = (data: readonly LabelledRow[], keep: (row: LabelledRow) => boolean) => {
  const kept = data.filter(keep);
  return classificationQuality(kept.map((r) => r.label), kept.map((r) => r.chance));
};

describe('boundedSegmentQuality', () => {
  it('given levels the contract declares, when segmented, then each categorical feature has one entry per level seen, with that level\'s quality', () => {
    const data = rows(600, ['blue', 'gold', 'silver'], ['married', 'single']);
    const segments = boundedSegmentQuality(contract, data);
    expect(Object.keys(segments).sort()).toEqual([...contract.categoricalNames].sort());
    expect(segments['marital_status']?.['single']).toEqual(pick(data, (r) => r.features['marital_status'] === 'single'));
    expect(Object.keys(segments['gender'] ?? {})).toEqual(['f']);
    expect(segments['gender']?.['f']?.count).toBe(600);
  });

  it('given values the contract does not list, when segmented, then they are pooled as (other) and label no series of their own', () => {
    const declared = contract.feature('marital_status')?.levels ?? [];
    expect(declared).not.toContain('it-is-complicated');
    const data = rows(400, ['blue'], ['married', 'it-is-complicated', 'x1', 'x2']);
    const levels = boundedSegmentQuality(contract, data)['marital_status'] ?? {};
    expect(Object.keys(levels)).toEqual([OTHER_LEVEL, 'married']);
    expect(levels[OTHER_LEVEL]).toEqual(pick(data, (r) => r.features['marital_status'] !== 'married'));
  });

  it('given more levels than the bound, when segmented, then the most frequent keep their name and the rest are pooled', () => {
    const cards = [...Array<string>(10).fill('blue'), ...Array<string>(3).fill('silver'), 'gold', 'gold'];
    const data = rows(300, cards, ['married']);
    const levels = boundedSegmentQuality(contract, data, 2)['card_category'] ?? {};
    expect(Object.keys(levels)).toEqual([OTHER_LEVEL, 'blue', 'silver']);
    expect([levels['blue']?.count, levels['silver']?.count, levels[OTHER_LEVEL]?.count]).toEqual([200, 60, 40]);
    expect(levels[OTHER_LEVEL]).toEqual(pick(data, (r) => r.features['card_category'] === 'gold'));
  });
});
