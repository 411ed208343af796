// Small server-side SVG bar charts for the report: no browser, no fonts, no scripts to load.
import { escapeHtml } from './html.js';

export interface BarSeries {
  name: string;
  color: string;
  values: readonly number[];
}

export interface BarChartSpec {
  title: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  width?: number;
  height?: number;
  /** Axis label under the categories. */
  xLabel?: string;
}

const format = (v: number) => (v === 0 ? '0' : v < 0.01 ? v.toExponential(0) : `${Math.round(v * 1000) / 10}%`);

/** Grouped bars of shares per category (one group per category, one bar per series). */
export function barChartSvg(spec: BarChartSpec): string {
  const width = spec.width ?? 460;
  const height = spec.height ?? 220;
  const margin = { top: 28, right: 10, bottom: 58, left: 48 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const max = Math.max(1e-9, ...spec.series.flatMap((s) => s.values));
  const groups = spec.categories.length;
  const groupW = plotW / Math.max(groups, 1);
  const barW = Math.max(1, (groupW * 0.8) / Math.max(spec.series.length, 1));
  const y = (v: number) => margin.top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(spec.title)}">`);
  parts.push(`<text x="${margin.left}" y="16" font-size="13" font-weight="600" fill="#222">${escapeHtml(spec.title)}</text>`);
  for (let t = 0; t <= 4; t++) {
    const value = (max * t) / 4;
    const ty = y(value).toFixed(1);
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${ty}" y2="${ty}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 4}" y="${ty}" font-size="10" text-anchor="end" dominant-baseline="middle" fill="#555">${format(value)}</text>`);
  }
  spec.categories.forEach((category, g) => {
    spec.series.forEach((series, s) => {
      const v = series.values[g] ?? 0;
      const x = margin.left + g * groupW + groupW * 0.1 + s * barW;
      const top = y(v);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${(margin.top + plotH - top).toFixed(1)}" fill="${series.color}"><title>${escapeHtml(`${series.name} ${category}: ${format(v)}`)}</title></rect>`,
      );
    });
    // Label every group when few, otherwise about eight evenly spaced ones.
    const every = Math.ceil(groups / 8);
    if (g % every === 0) {
      const lx = margin.left + g * groupW + groupW / 2;
      const ly = margin.top + plotH + 12;
      parts.push(`<text x="${lx.toFixed(1)}" y="${ly}" font-size="10" text-anchor="end" transform="rotate(-30 ${lx.toFixed(1)} ${ly})" fill="#555">${escapeHtml(category)}</text>`);
    }
  });
  parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#999"/>`);
  spec.series.forEach((series, s) => {
    const lx = width - margin.right - 150 + s * 75;
    parts.push(`<rect x="${lx}" y="6" width="10" height="10" fill="${series.color}"/><text x="${lx + 14}" y="15" font-size="11" fill="#333">${escapeHtml(series.name)}</text>`);
  });
  if (spec.xLabel) parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 4}" font-size="10" text-anchor="middle" fill="#777">${escapeHtml(spec.xLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Shares of reference and current values per category, categories in first-seen order of the reference. */
export function categoricalShares(reference: readonly string[], current: readonly string[]): { categories: string[]; reference: number[]; current: number[] } {
  const categories = [...new Set([...reference, ...current])];
  const share = (values: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return categories.map((c) => (counts.get(c) ?? 0) / (values.length || 1));
  };
  return { categories, reference: share(reference), current: share(current) };
}

const compact = (v: number) => (Math.abs(v) >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Math.round(v * 100) / 100));

/** Shares of both samples over shared equal-width bins (one bin per value for small integer sets). */
export function numericShares(
  reference: readonly number[],
  current: readonly number[],
  bins = 20,
  labelOf: (value: number) => string = String,
): { categories: string[]; reference: number[]; current: number[] } {
  const all = [...reference, ...current];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of all) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const distinct = new Set(all);
  if (distinct.size <= bins && all.every(Number.isInteger)) {
    const values = [...distinct].sort((a, b) => a - b);
    const shares = (sample: readonly number[]) => values.map((v) => sample.filter((x) => x === v).length / (sample.length || 1));
    return { categories: values.map(labelOf), reference: shares(reference), current: shares(current) };
  }
  const width = hi > lo ? (hi - lo) / bins : 1;
  const shares = (sample: readonly number[]) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of sample) {
      const i = Math.min(bins - 1, Math.floor((v - lo) / width));
      counts[i] = (counts[i] as number) + 1;
    }
    return counts.map((c) => c / (sample.length || 1));
  };
  const categories = Array.from({ length: bins }, (_, i) => compact(lo + i * width));
  return { categories, reference: shares(reference), current: shares(current) };
}

export interface ReliabilityPoint {
  meanPredicted: number;
  observedRate: number;
  count: number;
}

/** The reliability curve: observed churn rate against mean predicted chance per bin, beside the diagonal of a calibrated model. */
export function reliabilitySvg(title: string, points: readonly ReliabilityPoint[], width = 460, height = 300): string {
  const margin = { top: 28, right: 16, bottom: 40, left: 48 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const x = (v: number) => (margin.left + v * plotW).toFixed(1);
  const y = (v: number) => (margin.top + plotH - v * plotH).toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`);
  parts.push(`<text x="${margin.left}" y="16" font-size="13" font-weight="600" fill="#222">${escapeHtml(title)}</text>`);
  for (let t = 0; t <= 4; t++) {
    const v = t / 4;
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 4}" y="${y(v)}" font-size="10" text-anchor="end" dominant-baseline="middle" fill="#555">${v}</text>`);
    parts.push(`<text x="${x(v)}" y="${margin.top + plotH + 14}" font-size="10" text-anchor="middle" fill="#555">${v}</text>`);
  }
  parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"><title>perfectly calibrated</title></line>`);
  if (points.length > 0) {
    parts.push(`<polyline fill="none" stroke="#f58518" stroke-width="2" points="${points.map((p) => `${x(p.meanPredicted)},${y(p.observedRate)}`).join(' ')}"/>`);
    for (const p of points) {
      parts.push(
        `<circle cx="${x(p.meanPredicted)}" cy="${y(p.observedRate)}" r="4" fill="#f58518"><title>${escapeHtml(`mean chance ${p.meanPredicted.toFixed(3)}, churned ${p.observedRate.toFixed(3)} of ${p.count}`)}</title></circle>`,
      );
    }
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 4}" font-size="10" text-anchor="middle" fill="#777">mean predicted churn chance</text>`);
  parts.push(`<text x="12" y="${margin.top + plotH / 2}" font-size="10" text-anchor="middle" fill="#777" transform="rotate(-90 12 ${margin.top + plotH / 2})">observed churn rate</text>`);
  parts.push('</svg>');
  return parts.join('');
}
