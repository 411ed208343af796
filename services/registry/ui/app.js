/* global document, window */
import { api } from './api.js';
import { copyRunIdButton, toast } from './copy.js';
import { crumbs, errorBox, formatTime, h } from './dom.js';
import { compareView } from './compare-view.js';
import { experimentsView } from './experiments-view.js';
import { runView } from './run-view.js';
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
  [/^#\/compare\/?$/, (query) => compareView(query)],
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
    if (id === renderId) {
      main.replaceChildren(view);
      focusHeading();
    }
  } catch (error) {
    if (id === renderId) main.replaceChildren(errorBox(error));
  }
}

// A screen reader announces the new page, and Tab continues from its top, not from the link left behind.
function focusHeading() {
  const heading = main.querySelector('h1');
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: true });
}

window.addEventListener('hashchange', render);
render();

function notFoundView() {
  return h('div', {}, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to experiments')));
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
