import type { Matrix } from './types.js';

/** A seeded toy binary problem with a nonlinear signal, for engine tests. */
export function toyProblem(rows: number, cols = 8, seed = 7): Matrix & { labels: Float32Array } {
  let state = seed;
  const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const data = new Float32Array(rows * cols);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) data[r * cols + c] = random();
    const x = (i: number) => data[r * cols + i] ?? 0;
    labels[r] = x(0) + x(1) * x(2) + 0.5 * random() > 1 ? 1 : 0;
  }
  return { data, rows, cols, labels };
}

export function slice(m: Matrix & { labels: Float32Array }, from: number, to: number): Matrix & { labels: Float32Array } {
  return { data: m.data.subarray(from * m.cols, to * m.cols), rows: to - from, cols: m.cols, labels: m.labels.subarray(from, to) };
}

/** AUC by pair counting: small and obviously right, for test data only. */
export function pairAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      const a = scores[i] ?? 0;
      const b = scores[j] ?? 0;
      wins += a > b ? 1 : a === b ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] ?? 0) - (b[i] ?? Number.NaN)));
  return d;
};
