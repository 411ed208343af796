import { api } from './api.js';
import { formatTime, h } from './dom.js';

/** Every registered model with its latest versions and aliases. */
export async function modelsView() {
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

export function aliasChip(alias, version) {
  return h('span', { class: `chip alias-${alias}`, dataset: { testid: 'alias', alias, version: String(version) } }, `@${alias}`, version !== undefined ? ` → v${version}` : '');
}
