import { api } from './api.js';
import { artifactBrowser } from './artifact-browser.js';
import { metricChart } from './chart.js';
import { copyPromoteButton, copyRunIdButton, promoteCommand } from './copy.js';
import { crumbs, errorBox, formatDuration, formatNumber, formatTime, h, statusBadge } from './dom.js';

function kvTable(testid, entries, emptyText) {
  if (entries.length === 0) return h('p', { class: 'muted' }, emptyText);
  return h(
    'table',
    { class: 'table kv', dataset: { testid } },
    h('tbody', {}, entries.map(([k, v, title]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'mono', title }, v)))),
  );
}

function datasetInputs(inputs) {
  if (!inputs.length) return h('p', { class: 'muted' }, 'No dataset inputs.');
  const context = (input) => (input.tags ?? []).find((t) => t.key === 'mlflow.data.context')?.value ?? '';
  return h(
    'table',
    { class: 'table', dataset: { testid: 'dataset-inputs' } },
    h('thead', {}, h('tr', {}, ['Dataset', 'Context', 'Digest', 'Source'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      inputs.map((input) =>
        h('tr', {}, h('td', {}, input.dataset?.name ?? ''), h('td', {}, context(input)), h('td', { class: 'mono' }, input.dataset?.digest ?? ''), h('td', { class: 'mono wrap' }, input.dataset?.source ?? '')),
      ),
    ),
  );
}

function modelVersions(versions) {
  if (!versions.length) return h('p', { class: 'muted' }, 'No registered model version was made from this run.');
  return h(
    'ul',
    { class: 'versions', dataset: { testid: 'run-model-versions' } },
    versions.map((v) =>
      h('li', {}, h('a', { href: `#/models/${encodeURIComponent(v.name)}` }, `${v.name} v${v.version}`), (v.aliases ?? []).map((a) => h('span', { class: `chip alias-${a}` }, `@${a}`))),
    ),
  );
}

function metricCharts(runId, metrics) {
  const charts = h('div', { class: 'charts', dataset: { testid: 'metric-charts' } });
  for (const m of metrics) {
    const card = h('figure', { class: 'chart-card' }, h('figcaption', {}, m.key, h('span', { class: 'muted' }, ` latest ${formatNumber(m.value)}`)), h('p', { class: 'muted' }, 'Loading…'));
    charts.append(card);
    api.metricHistory(runId, m.key).then(
      ({ metrics: history = [] }) => card.lastChild.replaceWith(metricChart(m.key, history)),
      (error) => card.lastChild.replaceWith(errorBox(error)),
    );
  }
  return charts;
}

/** One run: what it scored, how it was made, what it produced, and how to serve it. */
export async function runView(runId) {
  const { run } = await api.getRun(runId);
  const { info } = run;
  const params = (run.data?.params ?? []).map((p) => [p.key, p.value]).sort(([a], [b]) => a.localeCompare(b));
  const metrics = (run.data?.metrics ?? []).sort((a, b) => a.key.localeCompare(b.key));
  const tags = (run.data?.tags ?? []).filter((t) => !t.key.startsWith('mlflow.log-model')).map((t) => [t.key, t.value]).sort(([a], [b]) => a.localeCompare(b));
  const [experiment, { model_versions: versions = [] }, artifacts] = await Promise.all([
    api.getExperiment(info.experiment_id).then((r) => r.experiment, () => undefined),
    api.searchModelVersionsOfRun(runId),
    artifactBrowser(run),
  ]);

  return h(
    'section',
    {},
    crumbs(
      h('a', { href: '#/' }, 'Experiments'),
      experiment ? h('a', { href: `#/experiments/${encodeURIComponent(info.experiment_id)}` }, experiment.name) : info.experiment_id,
      info.run_name || info.run_id,
    ),
    h('div', { class: 'run-header' }, h('h1', { class: 'wrap' }, info.run_name || info.run_id, ' ', statusBadge(info.status))),
    h(
      'div',
      { class: 'run-id-box', dataset: { testid: 'run-id-box' } },
      h('div', {}, h('div', { class: 'label' }, 'RUN_ID'), h('code', { class: 'run-id', dataset: { testid: 'run-id' } }, info.run_id)),
      copyRunIdButton(info.run_id),
      h('p', { class: 'hint' }, 'Serve this run: put it into RUN_ID in .env.local, or run ', h('code', { dataset: { testid: 'promote-command' } }, promoteCommand(info.run_id)), ' ', copyPromoteButton(info.run_id, { compact: true })),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Started'), h('dd', {}, formatTime(info.start_time)),
      h('dt', {}, 'Duration'), h('dd', {}, formatDuration(info.start_time, info.end_time) || '—'),
      h('dt', {}, 'Artifacts'), h('dd', { class: 'mono' }, info.artifact_uri),
    ),
    h(
      'div',
      { class: 'two-col' },
      h('div', {}, h('h2', {}, 'Metrics'), kvTable('metrics-table', metrics.map((m) => [m.key, formatNumber(m.value), String(m.value)]), 'No metrics.')),
      h('div', {}, h('h2', {}, 'Parameters'), kvTable('params-table', params, 'No parameters.')),
    ),
    h('h2', {}, 'Model versions'),
    modelVersions(versions),
    h('h2', {}, 'Dataset inputs'),
    datasetInputs(run.inputs?.dataset_inputs ?? []),
    metrics.length ? [h('h2', {}, 'Metric charts'), metricCharts(runId, metrics)] : null,
    h('h2', {}, 'Artifacts'),
    artifacts,
    h('h2', {}, 'Tags'),
    kvTable('tags-table', tags, 'No tags.'),
  );
}
