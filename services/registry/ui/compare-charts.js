import { formatNumber, svg } from './dom.js';

const W = 900;
const H = 320;
const PAD = { left: 60, right: 60, top: 28, bottom: 36 };

/** One axis' scale: numbers spread linearly, anything else as evenly spaced categories in sorted order. */
function axisScale(values) {
  const present = values.filter((v) => v !== undefined);
  const numeric = present.length > 0 && present.every((v) => Number.isFinite(Number(v)));
  if (numeric) {
    const nums = present.map(Number);
    let [min, max] = [Math.min(...nums), Math.max(...nums)];
    if (min === max) [min, max] = [min - 1, max + 1];
    return { at: (v) => (Number(v) - min) / (max - min), labels: [[0, formatNumber(min)], [1, formatNumber(max)]] };
  }
  const levels = [...new Set(present.map(String))].sort();
  const at = (v) => (levels.length < 2 ? 0.5 : levels.indexOf(String(v)) / (levels.length - 1));
  return { at, labels: levels.map((l) => [at(l), l]) };
}

/** Blue for the worst metric value to orange for the best, so the good region of each axis stands out. */
function colorFor(t) {
  const mix = (a, b) => Math.round(a + (b - a) * t);
  return `rgb(${mix(70, 230)},${mix(110, 120)},${mix(210, 30)})`;
}

/** Parallel coordinates: one vertical axis per parameter and the metric last; one line per run. */
export function parallelCoordinates(runs, paramKeys, metricKey) {
  const axes = [...paramKeys.map((k) => ({ key: k, get: (r) => r.params[k] })), { key: metricKey, get: (r) => r.metrics[metricKey] }];
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart compare-chart', role: 'img', 'aria-label': `Parallel coordinates of ${paramKeys.join(', ')} and ${metricKey}`, dataset: { testid: 'parallel-coordinates' } });
  const x = (i) => PAD.left + (axes.length < 2 ? 0.5 : i / (axes.length - 1)) * (W - PAD.left - PAD.right);
  const y = (t) => H - PAD.bottom - t * (H - PAD.top - PAD.bottom);
  const scales = axes.map((a) => axisScale(runs.map(a.get)));
  const metricScale = scales.at(-1);
  for (const run of runs) {
    const points = axes.map((a, i) => [x(i), a.get(run) === undefined ? undefined : y(scales[i].at(a.get(run)))]).filter(([, py]) => py !== undefined);
    const m = run.metrics[metricKey];
    const line = svg('polyline', { points: points.map((p) => p.join(',')).join(' '), class: 'pc-line', stroke: m === undefined ? '#b8bfcc' : colorFor(metricScale.at(m)), dataset: { runId: run.id } });
    line.append(svg('title', {}, `${run.name}: ${metricKey} ${m === undefined ? 'missing' : formatNumber(m)}`));
    root.append(line);
  }
  axes.forEach((a, i) => {
    root.append(svg('line', { x1: x(i), x2: x(i), y1: y(0), y2: y(1), class: 'axis' }));
    root.append(svg('text', { x: x(i), y: PAD.top - 12, 'text-anchor': 'middle', class: 'axis-label' }, a.key));
    for (const [t, label] of scales[i].labels) root.append(svg('text', { x: x(i) + 4, y: y(t) + 4, class: 'tick' }, label));
  });
  return root;
}

/** The metric against one parameter, a dot per run. */
export function scatter(runs, paramKey, metricKey) {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart compare-chart', role: 'img', 'aria-label': `${metricKey} against ${paramKey}`, dataset: { testid: 'scatter' } });
  const shown = runs.filter((r) => r.params[paramKey] !== undefined && r.metrics[metricKey] !== undefined);
  const sx = axisScale(shown.map((r) => r.params[paramKey]));
  const sy = axisScale(shown.map((r) => r.metrics[metricKey]));
  const x = (t) => PAD.left + t * (W - PAD.left - PAD.right);
  const y = (t) => H - PAD.bottom - t * (H - PAD.top - PAD.bottom);
  root.append(svg('line', { x1: x(0), x2: x(1), y1: y(0), y2: y(0), class: 'axis' }));
  root.append(svg('line', { x1: x(0), x2: x(0), y1: y(0), y2: y(1), class: 'axis' }));
  for (const [t, label] of sx.labels) root.append(svg('text', { x: x(t), y: H - PAD.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, label));
  for (const [t, label] of sy.labels) root.append(svg('text', { x: x(0) - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'tick' }, label));
  root.append(svg('text', { x: x(1), y: H - 4, 'text-anchor': 'end', class: 'axis-label' }, paramKey));
  root.append(svg('text', { x: x(0), y: PAD.top - 12, class: 'axis-label' }, metricKey));
  for (const run of shown) {
    const dot = svg('circle', { cx: x(sx.at(run.params[paramKey])), cy: y(sy.at(run.metrics[metricKey])), r: 4, class: 'dot', dataset: { runId: run.id } });
    dot.append(svg('title', {}, `${run.name}: ${paramKey} ${run.params[paramKey]}, ${metricKey} ${formatNumber(run.metrics[metricKey])}`));
    root.append(dot);
  }
  return root;
}

/** Each run's history of the metric over its steps, one curve per run, coloured by its last value. */
export function overlaidCurves(histories, metricKey) {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart compare-chart', role: 'img', 'aria-label': `${metricKey} by step, one curve per run`, dataset: { testid: 'metric-curves' } });
  const points = histories.flatMap((r) => r.points);
  if (!points.length) return root;
  const sx = axisScale(points.map((p) => p.step));
  const sy = axisScale(points.map((p) => p.value));
  const x = (t) => PAD.left + t * (W - PAD.left - PAD.right);
  const y = (t) => H - PAD.bottom - t * (H - PAD.top - PAD.bottom);
  root.append(svg('line', { x1: x(0), x2: x(1), y1: y(0), y2: y(0), class: 'axis' }));
  for (const [t, label] of sx.labels) root.append(svg('text', { x: x(t), y: H - PAD.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, label));
  for (const [t, label] of sy.labels) root.append(svg('text', { x: x(0) - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'tick' }, label));
  root.append(svg('text', { x: x(1), y: H - 4, 'text-anchor': 'end', class: 'axis-label' }, 'step'));
  for (const run of histories) {
    if (!run.points.length) continue;
    const last = run.points.at(-1).value;
    const stroke = colorFor(sy.at(last));
    const coords = run.points.map((p) => [x(sx.at(p.step)), y(sy.at(p.value))]);
    // A single logged value has no line to draw: it shows as a dot.
    const mark =
      coords.length > 1
        ? svg('path', { d: coords.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join(' '), class: 'pc-line', stroke, dataset: { runId: run.id } })
        : svg('circle', { cx: coords[0][0], cy: coords[0][1], r: 3, fill: stroke, dataset: { runId: run.id } });
    mark.append(svg('title', {}, `${run.name}: last ${metricKey} ${formatNumber(last)}`));
    root.append(mark);
  }
  return root;
}
