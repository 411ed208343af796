import type { TrialSummary } from '../tune.js';

const f = (v: number, digits = 4) => v.toFixed(digits);

/** The best `n` trials by loss as a fixed-width table. */
export function bestTrialsTable(trials: readonly TrialSummary[], n = 5): string {
  const header = ['rank', 'trial', 'val AUC', 'test AUC', 'test logloss', 'rounds', 'max_depth', 'eta', 'subsample', 'colsample', 'min_child_w', 'lambda', 'ms'];
  const rows = [...trials]
    .sort((a, b) => a.loss - b.loss)
    .slice(0, n)
    .map((t, i) => [
      String(i + 1),
      String(t.index),
      f(t.metrics.validation.auc),
      f(t.metrics.test.auc),
      f(t.metrics.test.log_loss),
      String((t.bestIteration ?? -1) + 1),
      String(t.params.max_depth),
      f(t.params.eta),
      f(t.params.subsample, 3),
      f(t.params.colsample_bytree, 3),
      f(t.params.min_child_weight, 3),
      f(t.params.lambda),
      f(t.durationMs, 0),
    ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
