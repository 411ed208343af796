import { formatNumber, svg } from './dom.js';

const W = 420;
const H = 200;
const PAD = { left: 52, right: 12, top: 12, bottom: 28 };

/** "Nice" tick values covering [min, max]. */
function ticks(min, max, count = 4) {
  if (min === max) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * A line chart of one metric's history as inline SVG: x is the step (or the time when every step
 * is 0), y the value; each point has a tooltip.
 */
export function metricChart(key, history) {
  const points = history
    .map((m) => ({ step: Number(m.step ?? 0), time: Number(m.timestamp ?? 0), value: Number(m.value) }))
    .filter((p) => Number.isFinite(p.value));
  const byTime = points.length > 1 && points.every((p) => p.step === 0);
  const xs = points.map((p) => (byTime ? p.time : p.step));
  points.forEach((p, i) => (p.x = xs[i]));
  points.sort((a, b) => a.x - b.x);

  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `${key} history`, dataset: { testid: 'metric-chart', metricKey: key } });
  if (points.length === 0) {
    root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'no finite values'));
    return root;
  }
  let [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const single = xMin === xMax;
  let [yMin, yMax] = [Math.min(...points.map((p) => p.value)), Math.max(...points.map((p) => p.value))];
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMin === yMax) [yMin, yMax] = [yMin - Math.abs(yMin || 1) * 0.1, yMax + Math.abs(yMax || 1) * 0.1];
  const sx = (x) => PAD.left + ((x - xMin) / (xMax - xMin)) * (W - PAD.left - PAD.right);
  const sy = (y) => H - PAD.bottom - ((y - yMin) / (yMax - yMin)) * (H - PAD.top - PAD.bottom);

  for (const t of ticks(yMin, yMax)) {
    root.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: sy(t), y2: sy(t), class: 'grid' }));
    root.append(svg('text', { x: PAD.left - 6, y: sy(t) + 4, 'text-anchor': 'end', class: 'tick' }, formatNumber(t)));
  }
  const xTicks = single ? [points[0].x] : byTime ? [xMin, xMax] : ticks(xMin, xMax, 5).filter((t) => Number.isInteger(t));
  for (const t of xTicks) {
    const label = byTime ? new Date(t).toLocaleTimeString() : String(t);
    root.append(svg('text', { x: sx(t), y: H - PAD.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, label));
  }
  root.append(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom, class: 'axis' }));
  root.append(svg('text', { x: W - PAD.right, y: H - 2, 'text-anchor': 'end', class: 'axis-label' }, byTime ? 'time' : 'step'));

  const d = points.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.value).toFixed(1)}`).join(' ');
  root.append(svg('path', { d, class: 'line' }));
  const showDots = points.length <= 60;
  for (const p of points) {
    const dot = svg('circle', { cx: sx(p.x), cy: sy(p.value), r: showDots ? 3 : 0.01, class: 'dot' });
    dot.append(svg('title', {}, `${key} = ${formatNumber(p.value)} at ${byTime ? new Date(p.x).toLocaleString() : `step ${p.x}`}`));
    root.append(dot);
  }
  return root;
}
