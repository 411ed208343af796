/* global document, window */
import { api, artifactHref } from './api.js';
import { metricChart } from './chart.js';
import { copyRunIdButton, toast } from './copy.js';
import { formatBytes, formatDuration, formatNumber, formatTime, h } from './dom.js';

const main = document.getElementById('main');
const ALIASES = ['champion', 'challenger'];

// ------------------------------------------------------------------ routing

const routes = [
  [/^#?\/?$/, () => experimentsView()],
  [/^#\/experiments\/?$/, () => experimentsView()],
  [/^#\/experiments\/([^/]+)\/?$/, (id) => runsView(id)],
  [/^#\/runs\/([^/]+)\/?$/, (id) => runView(id)],
  [/^#\/models\/?$/, () => modelsView()],
  [/^#\/models\/(.+)$/, (name) => modelView(name)],
];

let renderId = 0;

async function render() {
  const hash = window.location.hash || '#/';
  const id = ++renderId;
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', hash.startsWith(link.getAttribute('href')) || (hash === '#/' && link.dataset.testid === 'nav-experiments'));
  const found = routes.map(([re, view]) => [re.exec(hash), view]).find(([m]) => m);
  main.replaceChildren(h('p', { class: 'muted', dataset: { testid: 'loading' } }, 'Loading…'));
  try {
    const view = found ? await found[1](...found[0].slice(1).map(decodeURIComponent)) : notFoundView();
    if (id === renderId) main.replaceChildren(view);
  } catch (error) {
    if (id === renderId) main.replaceChildren(errorBox(error));
  }
}

window.addEventListener('hashchange', render);
render();

function errorBox(error) {
  return h('div', { class: 'error', role: 'alert', dataset: { testid: 'error' } }, h('strong', {}, error.errorCode || 'Error'), ' ', error.message);
}

function notFoundView() {
  return h('div', {}, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to experiments')));
}

function crumbs(...parts) {
  return h('div', { class: 'crumbs' }, parts.map((p, i) => [i ? h('span', { class: 'sep' }, '/') : null, p]));
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

// ------------------------------------------------------------------ runs of one experiment

function latest(list) {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, kv.value]));
}

function compareValues(a, b) {
  const [na, nb] = [Number(a), Number(b)];
  const aMissing = a === undefined || a === '';
  const bMissing = b === undefined || b === '';
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1; // blanks last
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

async function runsView(experimentId) {
  const { experiment } = await api.getExperiment(experimentId);
  const state = { runs: [], nextPageToken: undefined, filter: '', sort: { key: 'attr:start_time', dir: -1 } };
  const tableHolder = h('div', { class: 'table-scroll' });
  const status = h('p', { class: 'muted', dataset: { testid: 'runs-count' } });
  const filterError = h('div');
  const moreButton = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'load-more' }, onclick: () => load(true) }, 'Load more');

  async function load(more) {
    filterError.replaceChildren();
    try {
      const page = await api.searchRuns(experimentId, state.filter, more ? state.nextPageToken : undefined);
      state.runs = more ? [...state.runs, ...(page.runs ?? [])] : page.runs ?? [];
      state.nextPageToken = page.next_page_token || undefined;
      draw();
    } catch (error) {
      filterError.replaceChildren(errorBox(error));
    }
  }

  function value(run, key) {
    const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (kind === 'param') return run.params[name];
    if (kind === 'metric') return run.metrics[name];
    if (name === 'duration') return run.info.end_time && run.info.start_time ? Number(run.info.end_time) - Number(run.info.start_time) : undefined;
    return run.info[name];
  }

  function draw() {
    const runs = state.runs.map((r) => ({ info: r.info, params: latest(r.data?.params), metrics: latest(r.data?.metrics) }));
    const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
    const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
    const { key, dir } = state.sort;
    runs.sort((a, b) => dir * compareValues(value(a, key), value(b, key)));

    const header = (label, sortKey, cls) =>
      h(
        'th',
        {
          class: `sortable ${cls ?? ''}`,
          dataset: { sortKey, testid: 'sort-header' },
          'aria-sort': key === sortKey ? (dir > 0 ? 'ascending' : 'descending') : 'none',
          onclick: () => {
            state.sort = { key: sortKey, dir: key === sortKey ? -dir : sortKey.startsWith('metric:') ? -1 : 1 };
            draw();
          },
        },
        label,
        key === sortKey ? (dir > 0 ? ' ▲' : ' ▼') : '',
      );
    const groupRow = h(
      'tr',
      { class: 'groups' },
      h('th', { colspan: 4 }, ''),
      paramKeys.length ? h('th', { colspan: paramKeys.length, class: 'group params' }, 'Parameters') : null,
      metricKeys.length ? h('th', { colspan: metricKeys.length, class: 'group metrics' }, 'Metrics') : null,
    );
    const headRow = h(
      'tr',
      {},
      h('th', {}, 'RUN_ID'),
      header('Run', 'attr:run_name'),
      header('Started', 'attr:start_time'),
      header('Duration', 'attr:duration'),
      paramKeys.map((k) => header(k, `param:${k}`, 'param')),
      metricKeys.map((k) => header(k, `metric:${k}`, 'metric num')),
    );
    const body = runs.map((r) =>
      h(
        'tr',
        { dataset: { testid: 'run-row', runId: r.info.run_id }, class: r.info.status === 'FAILED' ? 'failed' : '' },
        h('td', { class: 'nowrap' }, copyRunIdButton(r.info.run_id, { compact: true }), h('span', { class: 'mono short', title: r.info.run_id }, r.info.run_id.slice(0, 8))),
        h('td', {}, h('a', { href: `#/runs/${encodeURIComponent(r.info.run_id)}`, dataset: { testid: 'run-link' } }, r.info.run_name || r.info.run_id), ' ', statusBadge(r.info.status)),
        h('td', { class: 'nowrap' }, formatTime(r.info.start_time)),
        h('td', { class: 'nowrap' }, formatDuration(r.info.start_time, r.info.end_time)),
        paramKeys.map((k) => h('td', { class: 'param' }, r.params[k] ?? '')),
        metricKeys.map((k) => h('td', { class: 'num metric', title: r.metrics[k] === undefined ? '' : String(r.metrics[k]) }, r.metrics[k] === undefined ? '' : formatNumber(r.metrics[k]))),
      ),
    );
    tableHolder.replaceChildren(
      runs.length === 0
        ? h('p', { class: 'muted', dataset: { testid: 'runs-empty' } }, state.filter ? 'No run matches the filter.' : 'No runs in this experiment yet.')
        : h('table', { class: 'table runs', dataset: { testid: 'runs-table' } }, h('thead', {}, groupRow, headRow), h('tbody', {}, body)),
    );
    status.textContent = `${runs.length} run${runs.length === 1 ? '' : 's'}${state.nextPageToken ? ' (more available)' : ''}. Click a header to sort; Copy ID puts the RUN_ID on the clipboard.`;
    moreButton.hidden = !state.nextPageToken;
  }

  const filterInput = h('input', {
    type: 'search',
    class: 'filter',
    placeholder: "MLflow filter, e.g. metrics.auc > 0.9 and params.max_depth = '6'",
    'aria-label': 'Filter runs',
    dataset: { testid: 'runs-filter' },
  });
  const form = h(
    'form',
    {
      class: 'filter-form',
      onsubmit: (event) => {
        event.preventDefault();
        state.filter = filterInput.value.trim();
        void load(false);
      },
    },
    filterInput,
    h('button', { type: 'submit' }, 'Search'),
  );

  await load(false);
  return h(
    'section',
    {},
    crumbs(h('a', { href: '#/' }, 'Experiments'), experiment.name),
    h('h1', {}, experiment.name),
    h('p', { class: 'muted' }, `Experiment ${experiment.experiment_id} · artifacts at `, h('span', { class: 'mono' }, experiment.artifact_location)),
    form,
    filterError,
    status,
    tableHolder,
    moreButton,
  );
}

function statusBadge(status) {
  return h('span', { class: `badge status-${String(status).toLowerCase()}` }, String(status).toLowerCase());
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
      h('p', { class: 'hint' }, 'Serve this run: put it into RUN_ID in .env.local, or run ', h('code', {}, `make promote RUN_ID=${info.run_id} env=local`), '.'),
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
