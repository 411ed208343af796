/* global document, window */
import { api, artifactHref } from './api.js';
import { metricChart } from './chart.js';
import { copyPromoteButton, copyRunIdButton, promoteCommand, toast } from './copy.js';
import { crumbs, errorBox, formatBytes, formatDuration, formatNumber, formatTime, h, statusBadge } from './dom.js';
import { runsView } from './runs-view.js';
import { currentHash } from './url-state.js';

const main = document.getElementById('main');
const ALIASES = ['champion', 'challenger'];

// ------------------------------------------------------------------ routing

const routes = [
  [/^#?\/?$/, () => experimentsView()],
  [/^#\/experiments\/?$/, () => experimentsView()],
  [/^#\/experiments\/([^/]+)\/?$/, (id, query) => runsView(id, query)],
  [/^#\/runs\/([^/]+)\/?$/, (id) => runView(id)],
  [/^#\/models\/?$/, () => modelsView()],
  [/^#\/models\/(.+)$/, (name) => modelView(name)],
];

let renderId = 0;

async function render() {
  const { path: hash, query } = currentHash();
  const id = ++renderId;
  for (const link of document.querySelectorAll('.topbar nav a')) link.classList.toggle('active', hash.startsWith(link.getAttribute('href')) || (hash === '#/' && link.dataset.testid === 'nav-experiments'));
  const found = routes.map(([re, view]) => [re.exec(hash), view]).find(([m]) => m);
  main.replaceChildren(h('p', { class: 'muted', dataset: { testid: 'loading' } }, 'Loading…'));
  try {
    const view = found ? await found[1](...found[0].slice(1).map(decodeURIComponent), query) : notFoundView();
    if (id === renderId) main.replaceChildren(view);
  } catch (error) {
    if (id === renderId) main.replaceChildren(errorBox(error));
  }
}

window.addEventListener('hashchange', render);
render();

function notFoundView() {
  return h('div', {}, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to experiments')));
}

// ------------------------------------------------------------------ experiments

async function experimentsView() {
  const { experiments = [] } = await api.searchExperiments();
  const rows = experiments.map((e) =>
    h(
      'tr',
      { dataset: { testid: 'experiment-row', experimentId: e.experiment_id } },
      h('td', {}, h('a', { href: `#/experiments/${encodeURIComponent(e.experiment_id)}` }, e.name)),
      h('td', { class: 'mono' }, e.experiment_id),
      h('td', {}, formatTime(e.creation_time)),
      h('td', {}, formatTime(e.last_update_time)),
    ),
  );
  return h(
    'section',
    {},
    h('h1', {}, 'Experiments'),
    experiments.length === 0
      ? h('p', { class: 'muted' }, 'No experiments yet. Run the tuning workflow (make train) to create churn-tuning.')
      : h('table', { class: 'table', dataset: { testid: 'experiments-table' } }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'ID'), h('th', {}, 'Created'), h('th', {}, 'Updated'))), h('tbody', {}, rows)),
  );
}

// ------------------------------------------------------------------ one run

function kvTable(testid, entries, emptyText) {
  if (entries.length === 0) return h('p', { class: 'muted' }, emptyText);
  return h(
    'table',
    { class: 'table kv', dataset: { testid } },
    h('tbody', {}, entries.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'mono' }, v)))),
  );
}

async function runView(runId) {
  const { run } = await api.getRun(runId);
  const { info } = run;
  const params = (run.data?.params ?? []).map((p) => [p.key, p.value]).sort(([a], [b]) => a.localeCompare(b));
  const metrics = (run.data?.metrics ?? []).sort((a, b) => a.key.localeCompare(b.key));
  const tags = (run.data?.tags ?? []).filter((t) => !t.key.startsWith('mlflow.log-model')).map((t) => [t.key, t.value]).sort(([a], [b]) => a.localeCompare(b));
  const experiment = await api.getExperiment(info.experiment_id).then((r) => r.experiment, () => undefined);

  const charts = h('div', { class: 'charts', dataset: { testid: 'metric-charts' } });
  for (const m of metrics) {
    const card = h('figure', { class: 'chart-card' }, h('figcaption', {}, m.key, h('span', { class: 'muted' }, ` latest ${formatNumber(m.value)}`)), h('p', { class: 'muted' }, 'Loading…'));
    charts.append(card);
    api.metricHistory(runId, m.key).then(
      ({ metrics: history = [] }) => card.lastChild.replaceWith(metricChart(m.key, history)),
      (error) => card.lastChild.replaceWith(errorBox(error)),
    );
  }

  return h(
    'section',
    {},
    crumbs(
      h('a', { href: '#/' }, 'Experiments'),
      experiment ? h('a', { href: `#/experiments/${encodeURIComponent(info.experiment_id)}` }, experiment.name) : info.experiment_id,
      info.run_name || info.run_id,
    ),
    h('div', { class: 'run-header' }, h('h1', {}, info.run_name || info.run_id, ' ', statusBadge(info.status))),
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
    h('div', { class: 'two-col' }, h('div', {}, h('h2', {}, 'Parameters'), kvTable('params-table', params, 'No parameters.')), h('div', {}, h('h2', {}, 'Metrics'), kvTable('metrics-table', metrics.map((m) => [m.key, formatNumber(m.value)]), 'No metrics.'))),
    metrics.length ? [h('h2', {}, 'Metric charts'), charts] : null,
    h('h2', {}, 'Artifacts'),
    await artifactBrowser(run),
    h('h2', {}, 'Tags'),
    kvTable('tags-table', tags, 'No tags.'),
  );
}

async function artifactBrowser(run) {
  const holder = h('div', { class: 'artifacts', dataset: { testid: 'artifact-browser' } });
  const list = h('ul', { class: 'tree' });
  holder.append(list);
  await fillDir(run, '', list);
  if (!list.childElementCount) holder.replaceChildren(h('p', { class: 'muted', dataset: { testid: 'artifacts-empty' } }, 'No artifacts.'));
  return holder;
}

async function fillDir(run, path, list) {
  const { files = [] } = await api.listArtifacts(run.info.run_id, path || undefined);
  files.sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
  for (const f of files) {
    const name = f.path.split('/').pop();
    if (f.is_dir) {
      const children = h('ul', { class: 'tree', hidden: true });
      let loaded = false;
      const toggle = h(
        'button',
        {
          type: 'button',
          class: 'dir',
          'aria-expanded': 'false',
          dataset: { testid: 'artifact-dir', path: f.path },
          onclick: async () => {
            const open = children.hidden;
            children.hidden = !open;
            toggle.setAttribute('aria-expanded', String(open));
            toggle.classList.toggle('open', open);
            if (open && !loaded) {
              loaded = true;
              await fillDir(run, f.path, children).catch((error) => children.append(h('li', {}, errorBox(error))));
            }
          },
        },
        `${name}/`,
      );
      list.append(h('li', { dataset: { testid: 'artifact-entry', path: f.path } }, toggle, children));
    } else {
      const href = artifactHref(run.info.artifact_uri, f.path);
      list.append(
        h(
          'li',
          { dataset: { testid: 'artifact-entry', path: f.path } },
          href ? h('a', { href, download: name, dataset: { testid: 'artifact-download', path: f.path } }, name) : name,
          h('span', { class: 'muted size' }, formatBytes(f.file_size)),
        ),
      );
    }
  }
}

// ------------------------------------------------------------------ registered models

async function modelsView() {
  const { registered_models: models = [] } = await api.searchRegisteredModels();
  const rows = models.map((m) =>
    h(
      'tr',
      { dataset: { testid: 'model-row', modelName: m.name } },
      h('td', {}, h('a', { href: `#/models/${encodeURIComponent(m.name)}` }, m.name)),
      h('td', {}, (m.latest_versions ?? []).map((v) => `v${v.version}`).join(', ')),
      h('td', {}, (m.aliases ?? []).map((a) => aliasChip(a.alias, a.version))),
      h('td', {}, formatTime(m.last_updated_timestamp)),
    ),
  );
  return h(
    'section',
    {},
    h('h1', {}, 'Registered models'),
    models.length === 0
      ? h('p', { class: 'muted' }, 'No registered models yet.')
      : h('table', { class: 'table', dataset: { testid: 'models-table' } }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Latest versions'), h('th', {}, 'Aliases'), h('th', {}, 'Updated'))), h('tbody', {}, rows)),
  );
}

function aliasChip(alias, version) {
  return h('span', { class: `chip alias-${alias}`, dataset: { testid: 'alias', alias, version: String(version) } }, `@${alias}`, version !== undefined ? ` → v${version}` : '');
}

async function modelView(name) {
  const [{ registered_model: model }, { model_versions: versions = [] }] = await Promise.all([api.getRegisteredModel(name), api.searchModelVersions(name)]);
  versions.sort((a, b) => Number(b.version) - Number(a.version));
  const aliasesOf = new Map();
  for (const a of model.aliases ?? []) aliasesOf.set(String(a.version), [...(aliasesOf.get(String(a.version)) ?? []), a.alias]);

  async function promote(alias, version) {
    try {
      await api.setAlias(name, alias, version);
      toast(`${name}@${alias} now points to version ${version}`);
      await render();
    } catch (error) {
      toast(`Could not set ${alias}: ${error.message}`);
    }
  }

  async function removeAlias(alias) {
    try {
      await api.deleteAlias(name, alias);
      toast(`Removed ${name}@${alias}`);
      await render();
    } catch (error) {
      toast(`Could not remove ${alias}: ${error.message}`);
    }
  }

  const rows = versions.map((v) => {
    const aliases = aliasesOf.get(String(v.version)) ?? v.aliases ?? [];
    return h(
      'tr',
      { dataset: { testid: 'version-row', version: String(v.version) } },
      h('td', { class: 'num' }, `v${v.version}`),
      h(
        'td',
        {},
        aliases.map((a) =>
          h('span', { class: 'chip-wrap' }, aliasChip(a), h('button', { type: 'button', class: 'chip-x', title: `Remove @${a}`, 'aria-label': `Remove alias ${a}`, dataset: { testid: 'remove-alias', alias: a }, onclick: () => removeAlias(a) }, '×')),
        ),
      ),
      h('td', { class: 'nowrap' }, v.run_id ? [copyRunIdButton(v.run_id, { compact: true }), h('a', { href: `#/runs/${encodeURIComponent(v.run_id)}`, class: 'mono' }, v.run_id.slice(0, 8))] : '—'),
      h('td', {}, formatTime(v.creation_timestamp)),
      h('td', {}, String(v.status ?? '').toLowerCase()),
      h(
        'td',
        { class: 'nowrap' },
        ALIASES.map((alias) =>
          h(
            'button',
            {
              type: 'button',
              class: alias === 'champion' ? 'promote primary' : 'promote secondary',
              disabled: aliases.includes(alias),
              dataset: { testid: 'promote', alias, version: String(v.version) },
              onclick: () => promote(alias, v.version),
            },
            `Make ${alias}`,
          ),
        ),
      ),
    );
  });
  return h(
    'section',
    {},
    crumbs(h('a', { href: '#/models' }, 'Models'), name),
    h('h1', {}, name),
    model.description ? h('p', {}, model.description) : null,
    h('div', { class: 'aliases', dataset: { testid: 'model-aliases' } }, (model.aliases ?? []).length ? model.aliases.map((a) => aliasChip(a.alias, a.version)) : h('span', { class: 'muted' }, 'No aliases yet: promote a version below.')),
    versions.length === 0
      ? h('p', { class: 'muted' }, 'No versions yet.')
      : h(
          'table',
          { class: 'table', dataset: { testid: 'versions-table' } },
          h('thead', {}, h('tr', {}, h('th', {}, 'Version'), h('th', {}, 'Aliases'), h('th', {}, 'Run'), h('th', {}, 'Created'), h('th', {}, 'Status'), h('th', {}, 'Promote'))),
          h('tbody', {}, rows),
        ),
    h('p', { class: 'hint' }, 'The predictors can follow an alias: MODEL_URI=models:/', name, '@champion.'),
  );
}
