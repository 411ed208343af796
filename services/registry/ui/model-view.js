/* global window, HashChangeEvent */
import { api } from './api.js';
import { copyRunIdButton, toast } from './copy.js';
import { crumbs, formatNumber, formatTime, h } from './dom.js';
import { aliasChip } from './models-view.js';
import { DEFAULT_METRICS } from './run-columns.js';

const ALIASES = ['champion', 'challenger'];
// The newest versions get their run's metrics; older ones keep a link, so the page stays quick.
const VERSIONS_WITH_METRICS = 50;

const rerender = () => window.dispatchEvent(new HashChangeEvent('hashchange'));

async function promote(name, alias, version) {
  try {
    await api.setAlias(name, alias, version);
    toast(`${name}@${alias} now points to version ${version}`);
    rerender();
  } catch (error) {
    toast(`Could not set ${alias}: ${error.message}`);
  }
}

async function removeAlias(name, alias) {
  try {
    await api.deleteAlias(name, alias);
    toast(`Removed ${name}@${alias}`);
    rerender();
  } catch (error) {
    toast(`Could not remove ${alias}: ${error.message}`);
  }
}

function metricCells(run) {
  const metrics = Object.fromEntries((run?.data?.metrics ?? []).map((m) => [m.key, m.value]));
  return DEFAULT_METRICS.map((k) => h('td', { class: 'num metric', title: metrics[k] === undefined ? undefined : String(metrics[k]) }, metrics[k] === undefined ? '' : formatNumber(metrics[k])));
}

function versionRow(name, v, aliases, run) {
  return h(
    'tr',
    { dataset: { testid: 'version-row', version: String(v.version) } },
    h('td', { class: 'num' }, `v${v.version}`),
    h(
      'td',
      {},
      aliases.map((a) =>
        h('span', { class: 'chip-wrap' }, aliasChip(a), h('button', { type: 'button', class: 'chip-x', title: `Remove @${a}`, 'aria-label': `Remove alias ${a}`, dataset: { testid: 'remove-alias', alias: a }, onclick: () => removeAlias(name, a) }, '×')),
      ),
    ),
    h('td', { class: 'nowrap' }, v.run_id ? [copyRunIdButton(v.run_id, { compact: true }), ' ', h('a', { href: `#/runs/${encodeURIComponent(v.run_id)}` }, run?.info?.run_name || v.run_id.slice(0, 8))] : '—'),
    metricCells(run),
    h('td', {}, formatTime(v.creation_timestamp)),
    h(
      'td',
      { class: 'nowrap' },
      ALIASES.map((alias) =>
        h(
          'button',
          { type: 'button', class: alias === 'champion' ? 'promote primary' : 'promote secondary', disabled: aliases.includes(alias), dataset: { testid: 'promote', alias, version: String(v.version) }, onclick: () => promote(name, alias, v.version) },
          `Make ${alias}`,
        ),
      ),
    ),
  );
}

function aliasHistory(history) {
  if (!history.length) return h('p', { class: 'muted' }, 'No alias was set yet.');
  return h(
    'table',
    { class: 'table', dataset: { testid: 'alias-history' } },
    h('thead', {}, h('tr', {}, ['When', 'Alias', 'Change'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, history.map((e) => h('tr', {}, h('td', {}, formatTime(e.changed_at)), h('td', {}, aliasChip(e.alias)), h('td', {}, e.version === null ? 'removed' : `→ v${e.version}`)))),
  );
}

function predictorStatus(predictors, versionOfRun) {
  if (!predictors.length) return h('p', { class: 'muted' }, 'No predictor configured (PREDICTOR_HEALTH_URLS).');
  return h(
    'ul',
    { class: 'predictors', dataset: { testid: 'predictors' } },
    predictors.map((p) =>
      h(
        'li',
        { dataset: { testid: 'predictor-status', url: p.url, ok: String(p.ok) } },
        h('span', { class: `badge ${p.ok ? 'status-finished' : 'status-failed'}` }, p.ok ? 'up' : 'down'),
        ' ',
        h('span', { class: 'mono' }, p.url),
        p.model_run_id
          ? [' serves ', h('a', { href: `#/runs/${encodeURIComponent(p.model_run_id)}`, class: 'mono' }, p.model_run_id.slice(0, 8)), versionOfRun.has(p.model_run_id) ? ` (v${versionOfRun.get(p.model_run_id)})` : ' (not a version of this model)']
          : p.ok ? '' : ` ${p.error ?? `HTTP ${p.status}`}`,
      ),
    ),
  );
}

/** One registered model: its versions with their runs' metrics, alias history, promotion, and what the predictors serve. */
export async function modelView(name) {
  const [{ registered_model: model }, { model_versions: versions = [] }, { history = [] }, { predictors = [] }] = await Promise.all([
    api.getRegisteredModel(name),
    api.searchModelVersions(name),
    api.aliasHistory(name),
    api.predictors(),
  ]);
  versions.sort((a, b) => Number(b.version) - Number(a.version));
  const runs = new Map(
    await Promise.all(
      versions
        .slice(0, VERSIONS_WITH_METRICS)
        .filter((v) => v.run_id)
        .map((v) => api.getRun(v.run_id).then(({ run }) => [v.run_id, run], () => [v.run_id, undefined])),
    ),
  );
  const aliasesOf = new Map();
  for (const a of model.aliases ?? []) aliasesOf.set(String(a.version), [...(aliasesOf.get(String(a.version)) ?? []), a.alias]);
  const versionOfRun = new Map(versions.map((v) => [v.run_id, v.version]));

  return h(
    'section',
    {},
    crumbs(h('a', { href: '#/models' }, 'Models'), name),
    h('h1', { class: 'wrap' }, name),
    model.description ? h('p', {}, model.description) : null,
    h('div', { class: 'aliases', dataset: { testid: 'model-aliases' } }, (model.aliases ?? []).length ? model.aliases.map((a) => aliasChip(a.alias, a.version)) : h('span', { class: 'muted' }, 'No aliases yet: promote a version below.')),
    h('h2', {}, 'Predictors now'),
    predictorStatus(predictors, versionOfRun),
    h('h2', {}, 'Versions'),
    versions.length === 0
      ? h('p', { class: 'muted' }, 'No versions yet.')
      : h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'table', dataset: { testid: 'versions-table' } },
            h('thead', {}, h('tr', {}, ['Version', 'Aliases', 'Run', ...DEFAULT_METRICS, 'Created', 'Promote'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, versions.map((v) => versionRow(name, v, aliasesOf.get(String(v.version)) ?? v.aliases ?? [], runs.get(v.run_id)))),
          ),
        ),
    h('h2', {}, 'Alias history'),
    aliasHistory(history),
    h('p', { class: 'hint' }, 'The predictors can follow an alias: MODEL_URI=models:/', name, '@champion.'),
  );
}
