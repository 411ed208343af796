// Cross-checks the classification quality figures against scikit-learn on fixed pairs (ties, chances
// of exactly 0, 1 and the threshold, imbalanced and small sets). Needs python3 (the pinned evidently
// venv, which holds scikit-learn, is built by scripts/py-venv.sh on first use).
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { seededRandom } from '@churn/churn-data';
import { classificationQuality, DECISION_THRESHOLD } from './classification.js';

const root = resolve(import.meta.dirname, '../../..');
const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython) console.warn('scikit-learn cross-check skipped: python3 is not installed');
const maybe = hasPython ? describe : describe.skip;

interface Case {
  labels: number[];
  chances: number[];
  threshold: number;
}

/** Labels drawn with P(churn) = chance^skill, so scores carry signal; `round` makes ties. */
function pairs(n: number, seed: number, round?: number, threshold = DECISION_THRESHOLD): Case {
  const random = seededRandom(seed);
  const chances = Array.from({ length: n }, () => {
    const p = random();
    return round ? Math.round(p * round) / round : p;
  });
  const labels = chances.map((p) => (random() < p ** 0.7 ? 1 : 0));
  return { labels, chances, threshold };
}

const cases: Case[] = [
  pairs(2000, 1),
  pairs(1500, 2, 20),
  pairs(300, 3, 4),
  pairs(10_000, 4, 1000),
  pairs(500, 5, 10, 0.3),
  { labels: [0, 1, 1, 0, 1, 0, 0, 1], chances: [0, 1, 0.5, 0.5, 0.1, 0.9, 0.2, 0.2], threshold: 0.5 },
  { labels: [0, 0, 0, 1], chances: [0.1, 0.2, 0.3, 0.4], threshold: 0.5 },
];

interface SklearnAnswer {
  auc: number;
  log_loss: number;
  brier: number;
  precision: number;
  recall: number;
  f1: number;
  zero_one_loss: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  prob_true: number[];
  prob_pred: number[];
}

const close = (ours: number, theirs: number, tolerance: number) => expect(Math.abs(ours - theirs)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(theirs)));

maybe('scikit-learn cross-check', () => {
  let sklearn: SklearnAnswer[];

  beforeAll(() => {
    const python = execFileSync(resolve(root, 'scripts/py-venv.sh'), ['evidently'], { encoding: 'utf8' }).trim();
    sklearn = JSON.parse(execFileSync(python, [resolve(root, 'python/quality_crosscheck.py')], { input: JSON.stringify(cases), encoding: 'utf8' })) as SklearnAnswer[];
  }, 300_000);

  it('given fixed pairs with and without ties, when quality is computed, then AUC equals roc_auc_score within 1e-12', () => {
    cases.forEach((c, i) => close(classificationQuality(c.labels, c.chances, c.threshold).auc as number, sklearn[i]!.auc, 1e-12));
  });

  it('given the same pairs, when quality is computed, then log loss and Brier score equal log_loss and brier_score_loss within 1e-12', () => {
    cases.forEach((c, i) => {
      const ours = classificationQuality(c.labels, c.chances, c.threshold);
      close(ours.logLoss, sklearn[i]!.log_loss, 1e-12);
      close(ours.brier, sklearn[i]!.brier, 1e-12);
    });
  });

  it('given the same pairs, when judged at the threshold, then the confusion matrix is confusion_matrix, precision, recall and F1 are sklearn’s exactly and the share deviating from the outcome is zero_one_loss', () => {
    cases.forEach((c, i) => {
      const ours = classificationQuality(c.labels, c.chances, c.threshold);
      const theirs = sklearn[i]!;
      expect(ours.confusion).toEqual(theirs.confusion);
      expect([ours.precision, ours.recall, ours.f1]).toEqual([theirs.precision, theirs.recall, theirs.f1]);
      close(ours.deviatedShare, theirs.zero_one_loss, 1e-15);
    });
  });

  it('given the same pairs, when the reliability curve is drawn, then its non-empty bins are calibration_curve(n_bins=10)', () => {
    cases.forEach((c, i) => {
      const bins = classificationQuality(c.labels, c.chances, c.threshold).reliability;
      expect(bins.map((b) => b.observedRate)).toEqual(sklearn[i]!.prob_true);
      bins.forEach((b, k) => close(b.meanPredicted, sklearn[i]!.prob_pred[k] as number, 1e-12));
    });
  });
});
