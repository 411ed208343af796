/** Classification and probability metrics, all computed on the churn probability. */
export interface Metrics {
  auc: number;
  log_loss: number;
  accuracy: number;
  f1: number;
  rmse: number;
  mae: number;
  mse: number;
}

const EPS = 1e-15;

/** AUC-ROC by the rank-sum (Mann-Whitney) formula, ties sharing their average rank. */
function auc(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (probs[a] ?? 0) - (probs[b] ?? 0));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && probs[order[j + 1] ?? 0] === probs[order[i] ?? 0]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k] ?? 0] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function evaluate(labels: ArrayLike<number>, probs: ArrayLike<number>): Metrics {
  const n = labels.length;
  if (n !== probs.length) throw new RangeError(`evaluate: ${n} labels for ${probs.length} predictions`);
  if (n === 0) throw new RangeError('evaluate: no rows');
  let logLoss = 0;
  let squared = 0;
  let absolute = 0;
  let correct = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i] ?? 0;
    const p = probs[i] ?? 0;
    const clipped = Math.min(Math.max(p, EPS), 1 - EPS);
    logLoss -= y === 1 ? Math.log(clipped) : Math.log(1 - clipped);
    squared += (p - y) ** 2;
    absolute += Math.abs(p - y);
    const predicted = p >= 0.5 ? 1 : 0;
    if (predicted === y) correct++;
    if (predicted === 1 && y === 1) tp++;
    if (predicted === 1 && y === 0) fp++;
    if (predicted === 0 && y === 1) fn++;
  }
  const mse = squared / n;
  return {
    auc: auc(labels, probs),
    log_loss: logLoss / n,
    accuracy: correct / n,
    f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    rmse: Math.sqrt(mse),
    mae: absolute / n,
    mse,
  };
}
