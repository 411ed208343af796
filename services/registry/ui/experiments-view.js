import { api } from './api.js';
import { formatTime, h } from './dom.js';

/** Every experiment with how many runs it holds and when it last ran, newest activity first. */
export async function experimentsView() {
  const { experiments = [] } = await api.searchExperiments();
  const { stats = [] } = experiments.length ? await api.experimentRunStats(experiments.map((e) => e.experiment_id)) : {};
  const statsOf = new Map(stats.map((s) => [s.experiment_id, s]));
  const rows = experiments.map((e) => {
    const s = statsOf.get(e.experiment_id);
    return h(
      'tr',
      { dataset: { testid: 'experiment-row', experimentId: e.experiment_id } },
      h('td', { class: 'name' }, h('a', { href: `#/experiments/${encodeURIComponent(e.experiment_id)}` }, e.name), h('div', { class: 'muted mono' }, `id ${e.experiment_id}`)),
      h('td', { class: 'num', dataset: { testid: 'experiment-run-count' } }, String(s?.run_count ?? 0)),
      h('td', {}, s?.last_run_time ? formatTime(s.last_run_time) : '—'),
      h('td', {}, formatTime(e.creation_time)),
      h('td', { class: 'mono location' }, e.artifact_location),
    );
  });
  return h(
    'section',
    {},
    h('h1', {}, 'Experiments'),
    experiments.length === 0
      ? h('p', { class: 'muted' }, 'No experiments yet. Run the tuning workflow (make train) to create churn-tuning.')
      : h(
          'table',
          { class: 'table experiments', dataset: { testid: 'experiments-table' } },
          h('caption', { class: 'sr-only' }, 'Experiments, with their run counts, last run and artifact location'),
          h('colgroup', {}, h('col', { class: 'col-name' }), h('col', { class: 'col-count' }), h('col', { class: 'col-time' }), h('col', { class: 'col-time' }), h('col', {})),
          h('thead', {}, h('tr', {}, ['Name', 'Runs', 'Last run', 'Created', 'Artifact location'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, rows),
        ),
  );
}
