/** How a new model is judged against the champion on recent labelled predictions (PROMOTION_*). */
export interface PromotionRule {
  /** Labelled predictions needed before they decide; fewer and the test split decides. */
  minRows: number;
  /** The challenger's AUC must beat the champion's by more than this. */
  margin: number;
  /** How far back the labelled predictions go (for the reason's wording). */
  windowMs: number;
}

/** Both models scored on the same recent labelled predictions; an AUC is null when one class is missing. */
export interface RecentScores {
  rows: number;
  championAuc: number | null;
  challengerAuc: number | null;
  /** Why they could not be read (Mongo down): the test split decides. */
  unavailable?: string;
}

export interface PromotionDecision {
  promote: boolean;
  /** `recent-outcomes`: judged on labelled predictions; `test-split`: too few of them, the training split's test rows decided. */
  basis: 'recent-outcomes' | 'test-split';
  reason: string;
}

const f = (auc: number) => auc.toFixed(4);
const span = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.round(ms / 1_000)}s`);

/**
 * Promote the challenger only when it beats the champion on what customers did lately: its AUC on the
 * recent labelled predictions above the champion's by more than the margin. Without enough of them
 * (or with one class only) the old rule stands, and the reason says so: the better test AUC on the
 * new model's test split wins.
 */
export function decidePromotion(rule: PromotionRule, recent: RecentScores, testSplit: { challengerAuc: number; championAuc: number }): PromotionDecision {
  const { championAuc, challengerAuc, rows } = recent;
  if (!recent.unavailable && rows >= rule.minRows && championAuc !== null && challengerAuc !== null) {
    const promote = challengerAuc > championAuc + rule.margin;
    const than = rule.margin > 0 ? `${promote ? 'beats' : 'does not beat'} the champion's ${f(championAuc)} by more than ${rule.margin}` : `${promote ? 'beats' : 'does not beat'} the champion's ${f(championAuc)}`;
    return { promote, basis: 'recent-outcomes', reason: `challenger AUC ${f(challengerAuc)} ${than} on ${rows} labelled predictions of the last ${span(rule.windowMs)}` };
  }
  const why = recent.unavailable
    ? `the labelled predictions could not be read (${recent.unavailable})`
    : rows < rule.minRows
      ? `only ${rows} labelled predictions in the last ${span(rule.windowMs)} (PROMOTION_MIN_LABELLED ${rule.minRows})`
      : `the ${rows} labelled predictions of the last ${span(rule.windowMs)} hold one class only`;
  const promote = testSplit.challengerAuc > testSplit.championAuc;
  return {
    promote,
    basis: 'test-split',
    reason: `${why}: compared on the test split instead, challenger AUC ${f(testSplit.challengerAuc)} ${promote ? 'beats' : 'does not beat'} the champion's ${f(testSplit.championAuc)}`,
  };
}
