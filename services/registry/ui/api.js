// The registry's REST API as the MLflow web UI calls it: /ajax-api/2.0/mlflow on the same origin.
const API = '/ajax-api/2.0/mlflow';
export const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

export class ApiError extends Error {
  constructor(message, errorCode, status) {
    super(message);
    this.errorCode = errorCode;
    this.status = status;
  }
}

async function call(method, path, params, base = API) {
  let url = `${base}${path}`;
  const init = { method, headers: { accept: 'application/json' } };
  // GET carries parameters in the query; DELETE in both (MLflow reads the body, others the query).
  if (method === 'GET' || method === 'DELETE') {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params ?? {})) {
      if (v === undefined || v === null || v === '') continue;
      for (const one of Array.isArray(v) ? v : [v]) search.append(k, String(one));
    }
    if (search.size) url += `?${search}`;
  }
  if (method !== 'GET') {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(params ?? {});
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let body = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text.slice(0, 300) };
  }
  if (!response.ok) throw new ApiError(body.message || `${response.status} ${response.statusText}`, body.error_code || `HTTP_${response.status}`, response.status);
  return body;
}

export const api = {
  searchExperiments: () => call('POST', '/experiments/search', { max_results: 1000, order_by: ['last_update_time DESC'] }),
  experimentRunStats: (ids) => call('GET', '/experiments/run-stats', { experiment_ids: ids }),
  getExperiment: (id) => call('GET', '/experiments/get', { experiment_id: id }),
  // numeric_param_order is the registry's own: max_depth 10 after 9, where MLflow orders params as text.
  searchRuns: (experimentId, { filter, orderBy = ['attributes.start_time DESC'], pageToken, maxResults = 100 } = {}) =>
    call('POST', '/runs/search', { experiment_ids: [experimentId], filter: filter || undefined, max_results: maxResults, order_by: orderBy, page_token: pageToken, numeric_param_order: true }),
  // Not an MLflow endpoint: every metric, param and tag key of the experiment, for the column chooser.
  runKeys: (experimentId) => call('GET', '/experiments/run-keys', { experiment_id: experimentId }),
  getRun: (runId) => call('GET', '/runs/get', { run_id: runId }),
  metricHistories: (runIds, key) => call('GET', '/metrics/get-history-bulk-interval', { run_ids: runIds, metric_key: key }),
  metricHistory: (runId, key) => call('GET', '/metrics/get-history', { run_id: runId, metric_key: key }),
  listArtifacts: (runId, path) => call('GET', '/artifacts/list', { run_id: runId, path }),
  searchRegisteredModels: () => call('GET', '/registered-models/search', { max_results: 1000 }),
  getRegisteredModel: (name) => call('GET', '/registered-models/get', { name }),
  searchModelVersions: (name) => call('GET', '/model-versions/search', { filter: `name='${name.replaceAll("'", "\\'")}'`, max_results: 1000 }),
  searchModelVersionsOfRun: (runId) => call('GET', '/model-versions/search', { filter: `run_id='${runId.replaceAll("'", '')}'`, max_results: 1000 }),
  aliasHistory: (name) => call('GET', '/registered-models/alias-history', { name }),
  // Not an MLflow endpoint: each configured predictor's /health as the registry probed it.
  predictors: () => call('GET', '/registry-ui/predictors', {}, ''),
  setAlias: (name, alias, version) => call('POST', '/registered-models/alias', { name, alias, version: String(version) }),
  deleteAlias: (name, alias) => call('DELETE', '/registered-models/alias', { name, alias }),
};

/** A download link for a run's artifact through the artifact proxy (mlflow-artifacts:/<root>/<path>). */
export function artifactHref(artifactUri, path) {
  const root = String(artifactUri).replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, '').replace(/\/+$/, '');
  if (root === String(artifactUri)) return undefined;
  return `${ARTIFACTS}/${[root, path].filter(Boolean).join('/').split('/').map(encodeURIComponent).join('/')}`;
}
