import { aliasesByRun } from './aliases.js';
import { api } from './api.js';
import { columnChooser } from './column-chooser.js';
import { copyPromoteButton, copyRunIdButton } from './copy.js';
import { crumbs, formatDuration, formatNumber, formatTime, h, statusBadge } from './dom.js';
import { availableColumns, defaultColumns, orderByClause, runValues, splitColumn, tagOf } from './run-columns.js';
import { replaceQuery } from './url-state.js';

const PAGE_SIZE = 100;
// Without a filter the table lists top-level runs; trials appear under their tuning run.
const TOP_LEVEL = 'tags.`mlflow.parentRunId` IS NULL';
const PARENT_TAG = 'mlflow.parentRunId';
const LONG_TEXT = 16;

const isTuningRun = (run) => tagOf(run, 'run_kind') === 'tuning';

/** Keys holding a comma survive the comma-joined list. */
const encodeColumns = (ids) => ids.map((id) => id.replaceAll('%', '%25').replaceAll(',', '%2C')).join(',');
const decodeColumns = (text) => text.split(',').filter(Boolean).map(decodeURIComponent);

/** The experiment page: runs with metrics first, server-side sort, filter and pages, trials under their tuning run. */
export async function runsView(experimentId, query) {
  // Filled once the page's requests, sent together, have answered.
  let experiment;
  let aliases = new Map();
  let keys;
  const state = {
    filter: query.get('filter') ?? '',
    sort: query.get('sort') ?? 'attr:start_time',
    descending: query.get('dir') !== 'asc',
    columns: query.has('cols') ? decodeColumns(query.get('cols')) : undefined,
    previousTokens: [],
    token: undefined,
    nextToken: undefined,
    runs: [],
    matched: 0,
    // Tuning runs shown only because trials of theirs match the filter.
    context: new Set(),
    children: new Map(),
    open: new Set(),
    selected: new Set(),
  };
  const compareLink = h('a', { class: 'button', dataset: { testid: 'compare-selected' }, hidden: true }, 'Compare selected');

  function updateCompareLink() {
    compareLink.hidden = state.selected.size < 2;
    compareLink.textContent = `Compare ${state.selected.size} selected`;
    compareLink.href = `#/compare?experiment=${encodeURIComponent(experimentId)}&runs=${[...state.selected].join(',')}`;
  }

  const tableHolder = h('div', { class: 'table-scroll' });
  const status = h('p', { class: 'muted', dataset: { testid: 'runs-count' }, 'aria-live': 'polite' });
  const filterError = h('div', { id: 'filter-error' });
  const chooserHolder = h('div', { class: 'chooser-holder' });
  const previousButton = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'page-previous' }, onclick: () => turnPage(-1) }, '← Previous');
  const nextButton = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'page-next' }, onclick: () => turnPage(1) }, 'Next →');

  function remember() {
    replaceQuery({ filter: state.filter, sort: state.sort, dir: state.descending ? undefined : 'asc', cols: state.columns ? encodeColumns(state.columns) : undefined });
  }

  const search = (filter, pageToken, maxResults) =>
    api.searchRuns(experimentId, { filter, orderBy: [orderByClause(state.sort, state.descending)], pageToken, maxResults });

  async function loadChildren(parentId) {
    const { runs = [] } = await search(`tags.\`${PARENT_TAG}\` = '${parentId.replaceAll("'", '')}'`, undefined, 1000);
    state.children.set(parentId, runs);
  }

  /**
   * A filtered page, with each matching trial under its tuning run as without a filter (the way MLflow
   * nests them too): a parent that does not match itself is fetched and marked as context.
   */
  async function groupUnderParents(found) {
    const ids = new Set(found.map((r) => r.info.run_id));
    const missing = [...new Set(found.map((r) => tagOf(r, PARENT_TAG)).filter((id) => id && !ids.has(id)))];
    const { runs: parents = [] } = missing.length
      ? await api.searchRuns(experimentId, { filter: `attributes.run_id IN (${missing.map((id) => `'${id.replaceAll("'", '')}'`).join(', ')})`, maxResults: missing.length })
      : {};
    const byId = new Map([...found, ...parents].map((r) => [r.info.run_id, r]));
    const top = [];
    const children = new Map();
    for (const run of found) {
      const parent = byId.get(tagOf(run, PARENT_TAG));
      const holder = parent ?? run;
      if (!top.includes(holder)) top.push(holder);
      if (parent) children.set(parent.info.run_id, [...(children.get(parent.info.run_id) ?? []), run]);
    }
    return { top, children, context: new Set(parents.map((r) => r.info.run_id)) };
  }

  async function load({ first = false } = {}) {
    const page = await search(state.filter || TOP_LEVEL, state.token, PAGE_SIZE);
    const found = page.runs ?? [];
    state.matched = found.length;
    state.nextToken = page.next_page_token || undefined;
    if (state.filter) {
      const grouped = await groupUnderParents(found);
      state.runs = grouped.top;
      state.children = grouped.children;
      state.context = grouped.context;
      state.open = new Set(grouped.children.keys());
      return;
    }
    state.context = new Set();
    // An open tuning run stays on top when a sort or page would move it away: its trials are being compared.
    const pinned = state.runs.filter((r) => state.open.has(r.info.run_id) && !found.some((f) => f.info.run_id === r.info.run_id));
    state.runs = [...pinned, ...found];
    // The newest tuning run opens by itself: after a tuning its trials are what a user compares.
    if (first && !state.filter) {
      const newest = state.runs.find(isTuningRun);
      if (newest) state.open.add(newest.info.run_id);
    }
    state.children.clear();
    const shown = new Set(state.runs.map((r) => r.info.run_id));
    await Promise.all([...state.open].filter((id) => shown.has(id)).map(loadChildren));
  }

  async function reload(change) {
    const before = { ...state };
    change();
    try {
      await load();
      filterError.replaceChildren();
      filterInput.removeAttribute('aria-invalid');
      remember();
      draw();
    } catch (error) {
      Object.assign(state, { filter: before.filter, token: before.token, previousTokens: before.previousTokens, sort: before.sort, descending: before.descending });
      showFilterError(error);
    }
  }

  function showFilterError(error) {
    filterInput.setAttribute('aria-invalid', 'true');
    filterError.replaceChildren(h('div', { class: 'error inline', role: 'alert', dataset: { testid: 'filter-error' } }, h('strong', {}, 'Filter: '), error.message));
  }

  function turnPage(direction) {
    return reload(() => {
      if (direction > 0) {
        state.previousTokens = [...state.previousTokens, state.token];
        state.token = state.nextToken;
      } else {
        state.token = state.previousTokens.at(-1);
        state.previousTokens = state.previousTokens.slice(0, -1);
      }
    });
  }

  function sortBy(id) {
    return reload(() => {
      // A metric is read best-first; a name or a parameter alphabetically.
      state.descending = state.sort === id ? !state.descending : splitColumn(id).kind === 'metric' || id === 'attr:start_time' || id === 'attr:duration';
      state.sort = id;
      state.previousTokens = [];
      state.token = undefined;
    });
  }

  async function toggle(runId) {
    if (state.open.has(runId)) state.open.delete(runId);
    else {
      state.open.add(runId);
      if (!state.children.has(runId)) await loadChildren(runId);
    }
    draw();
  }

  function header(label, id, cls = '') {
    const active = state.sort === id;
    // Parameters are text in MLflow; here those holding numbers sort by value.
    const title = splitColumn(id).kind === 'param' ? `Sort by ${label}: numbers by value, then text values in text order (MLflow sorts parameters as text)` : `Sort by ${label}`;
    return h(
      'th',
      { class: `sortable ${cls}`, scope: 'col', 'aria-sort': active ? (state.descending ? 'descending' : 'ascending') : 'none' },
      h('button', { type: 'button', class: 'sort', dataset: { sortKey: id, testid: 'sort-header' }, title, onclick: () => sortBy(id) }, label, active ? (state.descending ? ' ▼' : ' ▲') : ''),
    );
  }

  function cell(id, value) {
    if (value === undefined) return h('td', {});
    if (splitColumn(id).kind === 'metric') return h('td', { class: 'num metric', title: String(value) }, formatNumber(value));
    const text = String(value);
    // A 64-character dataset hash would push every other column off screen.
    return h('td', { class: 'mono', title: text.length > LONG_TEXT ? text : undefined }, text.length > LONG_TEXT ? `${text.slice(0, LONG_TEXT)}…` : text);
  }

  function row(run, columns, { child = false } = {}) {
    const { info } = run;
    const values = runValues(run);
    const parent = !child && isTuningRun(run);
    const open = state.open.has(info.run_id);
    const kids = state.children.get(info.run_id);
    const toggleButton = parent
      ? h(
          'button',
          { type: 'button', class: `expand ${open ? 'open' : ''}`, 'aria-expanded': String(open), 'aria-label': `${open ? 'Hide' : 'Show'} the trials of ${info.run_name}`, dataset: { testid: 'expand-run', runId: info.run_id }, onclick: () => toggle(info.run_id) },
          open ? '▾' : '▸',
        )
      : null;
    const select = h('input', {
      type: 'checkbox',
      checked: state.selected.has(info.run_id),
      'aria-label': `Select ${info.run_name || info.run_id} to compare`,
      dataset: { testid: 'select-run', runId: info.run_id },
      onchange: (event) => {
        if (event.target.checked) state.selected.add(info.run_id);
        else state.selected.delete(info.run_id);
        updateCompareLink();
      },
    });
    return h(
      'tr',
      {
        class: [child ? 'child' : '', info.status === 'FAILED' ? 'failed' : '', state.context.has(info.run_id) ? 'context' : ''].join(' ').trim(),
        title: state.context.has(info.run_id) ? 'Shown for its trials that match the filter; this run does not match it' : undefined,
        dataset: child ? { testid: 'run-row', runId: info.run_id, parentRunId: tagOf(run, PARENT_TAG) } : { testid: 'run-row', runId: info.run_id, ...(state.context.has(info.run_id) ? { context: 'true' } : {}) },
      },
      h('td', { class: 'select' }, select),
      h(
        'td',
        { class: 'run-name' },
        toggleButton,
        h('a', { href: `#/runs/${encodeURIComponent(info.run_id)}`, dataset: { testid: 'run-link' } }, info.run_name || info.run_id),
        ' ',
        statusBadge(info.status),
        parent && kids ? h('span', { class: 'muted' }, ` ${kids.length} trials`) : null,
        parent ? h('a', { class: 'compare-trials', href: `#/compare?experiment=${encodeURIComponent(experimentId)}&parent=${encodeURIComponent(info.run_id)}`, dataset: { testid: 'compare-trials', runId: info.run_id } }, 'Compare trials') : null,
        (aliases.get(info.run_id) ?? []).map(({ model, alias }) => h('span', { class: `chip alias-${alias}`, title: `${model}@${alias}`, dataset: { testid: 'run-alias', alias } }, `@${alias}`)),
      ),
      columns.map((id) => cell(id, values.get(id))),
      h('td', { class: 'nowrap' }, formatTime(info.start_time)),
      h('td', { class: 'nowrap' }, formatDuration(info.start_time, info.end_time)),
      h('td', { class: 'nowrap actions' }, copyRunIdButton(info.run_id, { compact: true }), copyPromoteButton(info.run_id, { compact: true })),
    );
  }

  function draw() {
    const everyRun = [...state.runs, ...[...state.children.values()].flat()];
    const available = availableColumns(everyRun, keys);
    const columns = state.columns ?? defaultColumns(available);
    chooserHolder.replaceChildren(
      columnChooser(available, columns, (chosen) => {
        state.columns = chosen;
        remember();
        draw();
        chooserHolder.querySelector('details').open = true;
      }),
    );
    const body = state.runs.flatMap((run) => [row(run, columns), ...(state.open.has(run.info.run_id) ? (state.children.get(run.info.run_id) ?? []).map((c) => row(c, columns, { child: true })) : [])]);
    const label = (id) => splitColumn(id).key;
    tableHolder.replaceChildren(
      state.runs.length === 0
        ? h('p', { class: 'muted', dataset: { testid: 'runs-empty' } }, state.filter ? 'No run matches the filter.' : 'No runs in this experiment yet.')
        : h(
            'table',
            { class: 'table runs', dataset: { testid: 'runs-table', sorted: `${state.sort}:${state.descending ? 'desc' : 'asc'}`, filter: state.filter } },
            h('caption', { class: 'sr-only' }, `Runs of ${experiment.name}`),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Select')), header('Run', 'attr:run_name'), columns.map((id) => header(label(id), id, splitColumn(id).kind === 'metric' ? 'metric num' : splitColumn(id).kind)), header('Started', 'attr:start_time'), header('Duration', 'attr:duration'), h('th', { scope: 'col' }, 'Serve'))),
            h('tbody', {}, body),
          ),
    );
    const first = state.previousTokens.length * PAGE_SIZE;
    const shown = state.filter ? state.matched : state.runs.length;
    status.textContent = shown ? `Runs ${first + 1}–${first + shown}${state.filter ? ' matching the filter' : ''}, trials under their tuning run${state.nextToken ? '; more on the next page' : ''}.` : '';
    previousButton.hidden = state.previousTokens.length === 0;
    nextButton.hidden = !state.nextToken;
  }

  const filterInput = h('input', {
    type: 'search',
    id: 'runs-filter',
    class: 'filter',
    value: state.filter,
    placeholder: "metrics.test_auc > 0.9 and params.max_depth = '6'",
    'aria-describedby': 'filter-error',
    dataset: { testid: 'runs-filter' },
  });
  const form = h(
    'form',
    {
      class: 'filter-form',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        void reload(() => {
          state.filter = filterInput.value.trim();
          state.previousTokens = [];
          state.token = undefined;
        });
      },
    },
    h('label', { for: 'runs-filter', class: 'filter-label' }, 'Filter (MLflow search syntax)'),
    filterInput,
    h('button', { type: 'submit' }, 'Search'),
  );

  const firstLoad = load({ first: true }).catch((error) => {
    // A bad filter in a shared link still shows the page, with the error next to the filter.
    showFilterError(error);
  });
  // The alias markers are a hint: without them the runs are still worth showing.
  // The chooser falls back to the keys of the runs shown if the experiment's keys cannot be read.
  [{ experiment }, aliases, keys] = await Promise.all([api.getExperiment(experimentId), aliasesByRun().catch(() => new Map()), api.runKeys(experimentId).catch(() => undefined), firstLoad]);
  draw();
  return h(
    'section',
    {},
    crumbs(h('a', { href: '#/' }, 'Experiments'), experiment.name),
    h('h1', { class: 'wrap' }, experiment.name),
    h('p', { class: 'muted' }, `Experiment ${experiment.experiment_id} · artifacts at `, h('span', { class: 'mono wrap' }, experiment.artifact_location)),
    form,
    filterError,
    h('div', { class: 'toolbar' }, chooserHolder, compareLink),
    status,
    tableHolder,
    h('div', { class: 'pager' }, previousButton, nextButton),
  );
}
