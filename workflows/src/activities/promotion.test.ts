import { decidePromotion, type PromotionRule } from './promotion.js';

const rule: PromotionRule = { minRows: 200, margin: 0, windowMs: 30 * 86_400_000 };
const testSplit = { challengerAuc: 0.83, championAuc: 0.8 };

describe('decidePromotion', () => {
  it('when enough labelled predictions rank the challenger higher, then it is promoted on them', () => {
    expect(decidePromotion(rule, { rows: 500, championAuc: 0.7, challengerAuc: 0.75 }, testSplit)).toEqual({
      promote: true,
      basis: 'recent-outcomes',
      reason: "challenger AUC 0.7500 beats the champion's 0.7000 on 500 labelled predictions of the last 30d",
    });
  });

  it('when the challenger wins on the test split but loses on the labelled predictions, then the champion stays', () => {
    expect(decidePromotion(rule, { rows: 500, championAuc: 0.75, challengerAuc: 0.7 }, testSplit)).toMatchObject({ promote: false, basis: 'recent-outcomes', reason: expect.stringMatching(/^challenger AUC 0\.7000 does not beat the champion's 0\.7500 on 500/) });
  });

  it('when both score the same, then the champion stays (the challenger must beat it)', () => {
    expect(decidePromotion(rule, { rows: 500, championAuc: 0.75, challengerAuc: 0.75 }, testSplit).promote).toBe(false);
  });

  it('when a margin is set, then the challenger must beat the champion by more than it', () => {
    const strict = { ...rule, margin: 0.02, windowMs: 7 * 86_400_000 };
    expect(decidePromotion(strict, { rows: 500, championAuc: 0.7, challengerAuc: 0.715 }, testSplit)).toMatchObject({ promote: false, reason: "challenger AUC 0.7150 does not beat the champion's 0.7000 by more than 0.02 on 500 labelled predictions of the last 7d" });
    expect(decidePromotion(strict, { rows: 500, championAuc: 0.7, challengerAuc: 0.73 }, testSplit).promote).toBe(true);
  });

  it.each([
    ['too few', { rows: 199, championAuc: null, challengerAuc: null }, /^only 199 labelled predictions in the last 30d \(PROMOTION_MIN_LABELLED 200\): compared on the test split instead, challenger AUC 0\.8300 beats the champion's 0\.8000$/],
    ['of one class only', { rows: 300, championAuc: null, challengerAuc: null }, /^the 300 labelled predictions of the last 30d hold one class only: compared on the test split/],
    ['unreadable (Mongo down)', { rows: 0, championAuc: null, challengerAuc: null, unavailable: 'MongoServerSelectionError' }, /^the labelled predictions could not be read \(MongoServerSelectionError\): compared on the test split/],
  ])('when the labelled predictions are %s, then the test split decides and the reason says why', (_case, recent, reason) => {
    expect(decidePromotion(rule, recent, testSplit)).toEqual({ promote: true, basis: 'test-split', reason: expect.stringMatching(reason) });
    expect(decidePromotion(rule, recent, { challengerAuc: 0.8, championAuc: 0.8 }).promote).toBe(false);
  });
});
