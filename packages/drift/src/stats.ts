// Two-sample statistics with scipy's definitions, so p-values and distances can be cross-checked.
import { sortedFloat64 } from './radix-sort.js';
import { aucByLevel, rankByChance } from './segment-auc.js';
import { chiSquareSf, kolmogorovSf, normalTwoSided } from './special.js';

export interface TestResult {
  statistic: number;
  pValue: number;
}

export interface KsResult extends TestResult {
  /** Which p-value scipy.stats.ks_2samp(method='auto') would compute: exact below 10,000 per side. */
  method: 'exact' | 'asymp';
}

/** scipy's MAX_AUTO_N: above it ks_2samp(method='auto') switches to the asymptotic p-value. */
export const KS_MAX_EXACT_N = 10_000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** sup |F1 - F2| of two sorted samples. */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < n1 && a[i] === x) i++;
    while (j < n2 && b[j] === x) j++;
    const diff = Math.abs(i / n1 - j / n2);
    if (diff > d) d = diff;
  }
  return d;
}

/**
 * The share of lattice paths from (0,0) to (m,n) that touch |i/m - j/n| >= h*g/(m*n): the exact
 * two-sided p-value. Cells hold that share among the paths reaching them (1 outside the band), so
 * small p-values keep their precision; only the band is visited.
 */
function ksExactOuterProbability(n1: number, n2: number, g: number, h: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const mg = m / g;
  const ng = n / g;
  const column = new Float64Array(n + 1).fill(1);
  // Multiplying by a table of reciprocals is about twice as fast as dividing in the inner loop.
  const reciprocal = new Float64Array(m + n + 1);
  for (let k = 1; k <= m + n; k++) reciprocal[k] = 1 / k;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  for (let j = 0; j < maxj; j++) column[j] = 0;
  for (let i = 1; i <= m; i++) {
    const minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let value = minj === 0 ? 0 : 1;
    for (let j = minj; j < maxj; j++) {
      value = ((column[j] as number) * i + value * j) * (reciprocal[i + j] as number);
      column[j] = value;
    }
  }
  return column[n] as number;
}

/**
 * Two-sided two-sample Kolmogorov-Smirnov test on already sorted samples, as
 * scipy.stats.ks_2samp(a, b, method=method): 'auto' is exact when both samples have at most 10,000
 * values, otherwise kstwo.sf(D, round(n1*n2/(n1+n2))).
 */
export function ks2Sorted(a: Float64Array, b: Float64Array, method: 'auto' | 'exact' | 'asymp' = 'auto'): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { statistic: Number.NaN, pValue: Number.NaN, method: 'asymp' };
  let d = ksStatistic(a, b);
  const mode = method === 'auto' ? (Math.max(n1, n2) <= KS_MAX_EXACT_N ? 'exact' : 'asymp') : method;
  if (mode === 'exact') {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = Math.round(d * lcm);
    d = h / lcm;
    const pValue = h === 0 ? 1 : ksExactOuterProbability(n1, n2, g, h);
    return { statistic: d, pValue: Math.min(1, Math.max(0, pValue)), method: 'exact' };
  }
  const en = (n1 * n2) / (n1 + n2);
  return { statistic: d, pValue: kolmogorovSf(Math.round(en), d), method: 'asymp' };
}

export function ks2(a: ArrayLike<number>, b: ArrayLike<number>, method: 'auto' | 'exact' | 'asymp' = 'auto'): KsResult {
  return ks2Sorted(sortedFloat64(a), sortedFloat64(b), method);
}

/** First Wasserstein distance between two sorted samples (scipy.stats.wasserstein_distance). */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return Number.NaN;
  let i = 0;
  let j = 0;
  let total = 0;
  let previous = Math.min(a[0] as number, b[0] as number);
  while (i < n1 || j < n2) {
    const x = Math.min(i < n1 ? (a[i] as number) : Infinity, j < n2 ? (b[j] as number) : Infinity);
    total += Math.abs(i / n1 - j / n2) * (x - previous);
    while (i < n1 && a[i] === x) i++;
    while (j < n2 && b[j] === x) j++;
    previous = x;
  }
  return total;
}

export function wasserstein(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return wassersteinSorted(sortedFloat64(a), sortedFloat64(b));
}

/** Pearson's chi-square goodness of fit with k-1 degrees of freedom (scipy.stats.chisquare). */
export function chiSquare(observed: readonly number[], expected: readonly number[]): TestResult {
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i] as number;
    const o = observed[i] as number;
    statistic += e === 0 ? (o === 0 ? Number.NaN : Infinity) : (o - e) ** 2 / e;
  }
  return { statistic, pValue: statistic === Infinity ? 0 : chiSquareSf(statistic, observed.length - 1) };
}

/** Jensen-Shannon distance (natural log) of two distributions, as scipy.spatial.distance.jensenshannon. */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  const sp = p.reduce((s, v) => s + v, 0);
  const sq = q.reduce((s, v) => s + v, 0);
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / sp;
    const qi = (q[i] as number) / sq;
    const mi = (pi + qi) / 2;
    if (pi > 0) divergence += pi * Math.log(pi / mi);
    if (qi > 0) divergence += qi * Math.log(qi / mi);
  }
  return Math.sqrt(Math.max(0, divergence / 2));
}

/** Population stability index sum((r - c) * ln(r / c)) over shares where zeros are already floored. */
export function psi(reference: readonly number[], current: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    const c = current[i] as number;
    total += (r - c) * Math.log(r / c);
  }
  return total;
}

/** Equal-width edges over [min, max] of both samples (numpy.histogram_bin_edges(..., bins)). */
export function binEdges(min: number, max: number, bins: number): Float64Array {
  let lo = min;
  let hi = max;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  const step = (hi - lo) / bins;
  for (let i = 0; i < bins; i++) edges[i] = i * step + lo;
  edges[bins] = hi;
  return edges;
}

/** numpy.histogram counts on equal-width edges: bins are half-open except the last. */
export function histogram(sorted: Float64Array, edges: Float64Array): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const first = edges[0] as number;
  const last = edges[bins] as number;
  const norm = bins / (last - first);
  for (const x of sorted) {
    if (x < first || x > last) continue;
    let index = Math.floor((x - first) * norm);
    if (index === bins) index -= 1;
    if (x < (edges[index] as number)) index -= 1;
    else if (index !== bins - 1 && x >= (edges[index + 1] as number)) index += 1;
    counts[index] = (counts[index] as number) + 1;
  }
  return counts;
}

/** Two-proportion z-test, the one Evidently uses for binary features on small references. */
export function proportionsZTest(referenceHits: number, referenceTotal: number, currentHits: number, currentTotal: number): TestResult {
  const p1 = referenceHits / referenceTotal;
  const p2 = currentHits / currentTotal;
  const pooled = (referenceHits + currentHits) / (referenceTotal + currentTotal);
  const statistic = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / referenceTotal + 1 / currentTotal));
  return { statistic, pValue: Number.isNaN(statistic) ? 1 : normalTwoSided(statistic) };
}

/** Area under the ROC curve as the Mann-Whitney statistic: the share of (positive, negative) pairs ranked right, ties counted half. */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  return aucByLevel(rankByChance(scores), new Int32Array(labels.length), labels, 1)[0] as number;
}

