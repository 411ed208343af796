// Columns of the runs table: 'metric:<key>', 'param:<key>', 'tag:<key>' or 'attr:<name>', and how
// each one sorts on the server (the MLflow order_by grammar).

const ENTITY = { metric: 'metrics', param: 'params', tag: 'tags', attr: 'attributes' };

/** AUCs decide the model, so they are the columns a new user sees first. */
export const DEFAULT_METRICS = ['validation_auc', 'test_auc'];

export function splitColumn(id) {
  const at = id.indexOf(':');
  return { kind: id.slice(0, at), key: id.slice(at + 1) };
}

/** The order_by clause for a column; keys are backquoted since tags such as mlflow.runName hold dots. */
export function orderByClause(id, descending) {
  const { kind, key } = splitColumn(id);
  const entity = ENTITY[kind];
  if (!entity) throw new Error(`unknown column ${id}`);
  return `${entity}.\`${key.replaceAll('`', '')}\` ${descending ? 'DESC' : 'ASC'}`;
}

/** Latest values of a run keyed as columns. */
export function runValues(run) {
  const values = new Map();
  for (const m of run.data?.metrics ?? []) values.set(`metric:${m.key}`, m.value);
  for (const p of run.data?.params ?? []) values.set(`param:${p.key}`, p.value);
  for (const t of run.data?.tags ?? []) values.set(`tag:${t.key}`, t.value);
  return values;
}

export function tagOf(run, key) {
  return (run.data?.tags ?? []).find((t) => t.key === key)?.value;
}

/**
 * Every metric, param and user tag key of the experiment (`keys`, from the registry) and of the runs
 * shown, grouped for the column chooser.
 */
export function availableColumns(runs, keys = { metrics: [], params: [], tags: [] }) {
  const groups = { metric: new Set(), param: new Set(), tag: new Set() };
  for (const [kind, list] of [['metric', keys.metrics], ['param', keys.params], ['tag', keys.tags]]) {
    for (const key of list ?? []) if (kind !== 'tag' || !key.startsWith('mlflow.')) groups[kind].add(`${kind}:${key}`);
  }
  for (const run of runs) {
    for (const id of runValues(run).keys()) {
      const { kind, key } = splitColumn(id);
      if (kind !== 'tag' || !key.startsWith('mlflow.')) groups[kind].add(id);
    }
  }
  return Object.fromEntries(Object.entries(groups).map(([kind, ids]) => [kind, [...ids].sort()]));
}

/** The chosen columns, or the AUCs (else the first two metrics) when the URL names none. */
export function defaultColumns(available) {
  const aucs = DEFAULT_METRICS.map((k) => `metric:${k}`).filter((id) => available.metric.includes(id));
  return aucs.length ? aucs : available.metric.slice(0, 2);
}
