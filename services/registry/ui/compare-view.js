import { api } from './api.js';
import { overlaidCurves, parallelCoordinates, scatter } from './compare-charts.js';
import { crumbs, errorBox, formatNumber, h } from './dom.js';
import { DEFAULT_METRICS } from './run-columns.js';
import { replaceQuery } from './url-state.js';

const quote = (id) => `'${id.replaceAll("'", '')}'`;

/** Runs as plain maps of their latest metrics and params. */
function flatten(run) {
  return {
    id: run.info.run_id,
    name: run.info.run_name || run.info.run_id.slice(0, 8),
    metrics: Object.fromEntries((run.data?.metrics ?? []).map((m) => [m.key, m.value])),
    params: Object.fromEntries((run.data?.params ?? []).map((p) => [p.key, p.value])),
  };
}

/** Every key of the chosen kind, and the ones whose values differ between the runs. */
function keysOf(runs, kind) {
  const all = [...new Set(runs.flatMap((r) => Object.keys(r[kind])))].sort();
  return { all, differing: all.filter((k) => new Set(runs.map((r) => String(r[kind][k]))).size > 1) };
}

function differences(runs, params, metrics, metricKey) {
  const best = Math.max(...runs.map((r) => Number(r.metrics[metricKey] ?? -Infinity)));
  const row = (label, cells) => h('tr', {}, h('th', { scope: 'row' }, label), cells);
  return h(
    'table',
    { class: 'table diff', dataset: { testid: 'compare-diff' } },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), runs.map((r) => h('th', { scope: 'col' }, h('a', { href: `#/runs/${encodeURIComponent(r.id)}` }, r.name))))),
    h(
      'tbody',
      {},
      metrics.map((k) => row(k, runs.map((r) => h('td', { class: `num ${k === metricKey && r.metrics[k] === best ? 'best' : ''}`, title: r.metrics[k] === undefined ? undefined : String(r.metrics[k]) }, r.metrics[k] === undefined ? '' : formatNumber(r.metrics[k]))))),
      params.map((k) => row(k, runs.map((r) => h('td', { class: 'mono', title: r.params[k] }, r.params[k] === undefined ? '' : formatNumber(r.params[k]))))),
    ),
  );
}

/** The curves come from bulk history requests, drawn when they answer. */
function curvesHolder(runs, metricKey) {
  const holder = h('div', { class: 'curves' }, h('p', { class: 'muted' }, 'Loading curves…'));
  // The endpoint takes at most 100 runs a request, as MLflow's does.
  const chunks = Array.from({ length: Math.ceil(runs.length / 100) }, (_, i) => runs.slice(i * 100, i * 100 + 100));
  Promise.all(chunks.map((chunk) => api.metricHistories(chunk.map((r) => r.id), metricKey))).then(
    (pages) => {
      const metrics = pages.flatMap((page) => page.metrics ?? []);
      const histories = runs.map((r) => ({
        id: r.id,
        name: r.name,
        points: metrics.filter((m) => m.run_id === r.id).map((m) => ({ step: Number(m.step ?? 0), value: Number(m.value) })).filter((p) => Number.isFinite(p.value)),
      }));
      holder.replaceChildren(overlaidCurves(histories, metricKey));
    },
    (error) => holder.replaceChildren(errorBox(error)),
  );
  return holder;
}

function select(id, label, options, value, onchange) {
  return h(
    'label',
    { class: 'compare-control', for: id },
    `${label} `,
    h('select', { id, dataset: { testid: id }, onchange: (event) => onchange(event.target.value) }, options.map((o) => h('option', { value: o, selected: o === value }, o))),
  );
}

/** Compares the selected runs of an experiment, or every trial of a tuning run. */
export async function compareView(query) {
  const experimentId = query.get('experiment') ?? '';
  const parent = query.get('parent');
  const ids = (query.get('runs') ?? '').split(',').filter(Boolean);
  const filter = parent ? `tags.\`mlflow.parentRunId\` = ${quote(parent)}` : `attributes.run_id IN (${ids.map(quote).join(', ')})`;
  const [{ experiment }, { runs = [] }] = await Promise.all([api.getExperiment(experimentId), api.searchRuns(experimentId, { filter, maxResults: 1000 })]);
  const flat = runs.map(flatten);
  const metrics = keysOf(flat, 'metrics').all;
  const params = keysOf(flat, 'params').differing;
  const state = {
    metric: query.get('metric') ?? DEFAULT_METRICS.slice().reverse().find((k) => metrics.includes(k)) ?? metrics[0],
    param: query.get('param') ?? params[0],
  };
  const charts = h('div', { class: 'compare-charts' });

  function draw() {
    replaceQuery({ experiment: experimentId, parent: parent ?? undefined, runs: parent ? undefined : ids.join(','), metric: state.metric, param: state.param });
    charts.replaceChildren(
      h(
        'div',
        {},
        h('h2', {}, `Parameters and ${state.metric}`),
        parallelCoordinates(flat, params, state.metric),
        state.param ? [h('h2', {}, `${state.metric} against ${state.param}`), scatter(flat, state.param, state.metric)] : null,
        h('h2', {}, `${state.metric} by step`),
        curvesHolder(flat, state.metric),
        h('h2', {}, 'Differences'),
        // Fifty trials are fifty columns: the table scrolls, the page keeps its width.
        h('div', { class: 'table-scroll' }, differences(flat, params, metrics, state.metric)),
      ),
    );
  }

  draw();
  return h(
    'section',
    {},
    crumbs(h('a', { href: '#/' }, 'Experiments'), h('a', { href: `#/experiments/${encodeURIComponent(experimentId)}` }, experiment.name), 'Compare'),
    h('h1', {}, `Compare ${flat.length} runs`),
    flat.length < 2
      ? h('p', { class: 'muted' }, 'Choose at least two runs to compare.')
      : [
          h(
            'div',
            { class: 'compare-controls' },
            select('compare-metric', 'Metric', metrics, state.metric, (v) => {
              state.metric = v;
              draw();
            }),
            params.length ? select('compare-param', 'Parameter', params, state.param, (v) => {
                  state.param = v;
                  draw();
                }) : null,
          ),
          charts,
        ],
  );
}
