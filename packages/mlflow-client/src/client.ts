import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { MlflowError } from './errors.js';
import { Transport, type CallOptions, type TransportOptions } from './transport.js';
import {
  experimentSchema,
  fileInfoSchema,
  metricSchema,
  modelVersionSchema,
  registeredModelSchema,
  runInfoSchema,
  runSchema,
  type CreateModelVersionInput,
  type CreateRunInput,
  type Experiment,
  type FileInfo,
  type KeyValue,
  type LogBatchInput,
  type Metric,
  type MetricInput,
  type ModelVersion,
  type RegisteredModel,
  type ResolvedModelUri,
  type Run,
  type RunInfo,
  type RunStatus,
  type SearchRunsInput,
  type ViewType,
} from './types.js';
import { ARTIFACTS_PROXY_PATH, encodePath, joinArtifactPath, parseModelUri, proxyPathOf } from './uris.js';

export type MlflowClientOptions = TransportOptions & {
  /** Parallel artifact transfers in uploadDir/downloadDir (default 4). */
  artifactConcurrency?: number;
};

const API = '/api/2.0/mlflow';
// MLflow's per-request limits for runs/log-batch.
const BATCH_MAX_PARAMS = 100;
const BATCH_MAX_TAGS = 100;
const BATCH_MAX_ENTRIES = 1000;

const searchRunsResponse = z.object({ runs: z.array(runSchema).default([]), next_page_token: z.string().optional() });
const metricHistoryResponse = z.object({ metrics: z.array(metricSchema).default([]), next_page_token: z.string().optional() });
const listFilesResponse = z.object({ files: z.array(fileInfoSchema).default([]) });
const searchExperimentsResponse = z.object({ experiments: z.array(experimentSchema).default([]), next_page_token: z.string().optional() });
const searchModelVersionsResponse = z.object({ model_versions: z.array(modelVersionSchema).default([]), next_page_token: z.string().optional() });
const searchRegisteredModelsResponse = z.object({ registered_models: z.array(registeredModelSchema).default([]), next_page_token: z.string().optional() });
const loggedModelResponse = z.object({ model: z.object({ info: z.object({ artifact_uri: z.string(), source_run_id: z.string().optional() }) }) });
const searchLoggedModelsResponse = z.object({
  models: z.array(z.object({ info: z.object({ artifact_uri: z.string(), source_run_id: z.string().optional() }) })).default([]),
  next_page_token: z.string().optional(),
});

/**
 * A typed client of MLflow's REST API (tracking, registry, artifact proxy). Works against our
 * registry and a real `mlflow server`; artifacts go through the server's proxy, never to S3.
 */
export class MlflowClient {
  readonly http: Transport;
  private readonly artifactConcurrency: number;
  private readonly artifactRoots = new Map<string, string>();

  constructor(options: MlflowClientOptions) {
    this.http = new Transport(options);
    this.artifactConcurrency = options.artifactConcurrency ?? 4;
  }

  get trackingUri(): string {
    return this.http.baseUrl;
  }

  // ---------------------------------------------------------------- experiments

  async getExperiment(experimentId: string): Promise<Experiment> {
    const body = await this.get('/experiments/get', { experiment_id: experimentId });
    return parse(z.object({ experiment: experimentSchema }), body, 'experiments/get').experiment;
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const body = await this.get('/experiments/get-by-name', { experiment_name: name });
      return parse(z.object({ experiment: experimentSchema }), body, 'experiments/get-by-name').experiment;
    } catch (error) {
      if (error instanceof MlflowError && error.isNotFound) return undefined;
      throw error;
    }
  }

  async createExperiment(name: string, artifactLocation?: string): Promise<string> {
    const body = await this.post('/experiments/create', { name, artifact_location: artifactLocation }, false);
    return parse(z.object({ experiment_id: z.string() }), body, 'experiments/create').experiment_id;
  }

  /** The experiment's id, creating it (or restoring a deleted one) when needed; safe under races. */
  async getOrCreateExperiment(name: string): Promise<string> {
    const existing = await this.getExperimentByName(name);
    if (existing) {
      if (existing.lifecycle_stage === 'deleted') await this.post('/experiments/restore', { experiment_id: existing.experiment_id });
      return existing.experiment_id;
    }
    try {
      return await this.createExperiment(name);
    } catch (error) {
      if (!(error instanceof MlflowError) || error.errorCode !== 'RESOURCE_ALREADY_EXISTS') throw error;
      const raced = await this.getExperimentByName(name);
      if (!raced) throw error;
      return raced.experiment_id;
    }
  }

  async searchExperiments(input: { filter?: string; maxResults?: number; orderBy?: string[]; pageToken?: string; viewType?: ViewType } = {}): Promise<{ experiments: Experiment[]; nextPageToken?: string }> {
    const body = await this.post('/experiments/search', {
      filter: input.filter,
      max_results: input.maxResults ?? 1000,
      order_by: input.orderBy,
      page_token: input.pageToken,
      view_type: input.viewType,
    });
    const parsed = parse(searchExperimentsResponse, body, 'experiments/search');
    return { experiments: parsed.experiments, nextPageToken: parsed.next_page_token || undefined };
  }

  // ---------------------------------------------------------------- runs

  async createRun(input: CreateRunInput): Promise<Run> {
    const body = await this.post(
      '/runs/create',
      {
        experiment_id: input.experimentId,
        run_name: input.runName,
        start_time: input.startTime ?? Date.now(),
        tags: toKeyValues(input.tags),
      },
      false,
    );
    const run = parse(z.object({ run: runSchema }), body, 'runs/create').run;
    this.artifactRoots.set(run.info.run_id, run.info.artifact_uri);
    return run;
  }

  async getRun(runId: string): Promise<Run> {
    const body = await this.get('/runs/get', { run_id: runId });
    const run = parse(z.object({ run: runSchema }), body, 'runs/get').run;
    this.artifactRoots.set(run.info.run_id, run.info.artifact_uri);
    return run;
  }

  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const body = await this.post('/runs/update', {
      run_id: runId,
      run_uuid: runId,
      status: update.status,
      end_time: update.endTime ?? (update.status && update.status !== 'RUNNING' ? Date.now() : undefined),
      run_name: update.runName,
    });
    return parse(z.object({ run_info: runInfoSchema }), body, 'runs/update').run_info;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.post('/runs/delete', { run_id: runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.post('/runs/restore', { run_id: runId });
  }

  /** Logs any number of metrics, params and tags, split into requests within MLflow's limits. */
  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const now = Date.now();
    // Timestamps are fixed here so that a retried request logs the same values, not new points.
    const metrics = (batch.metrics ?? []).map((m) => toMetric(m, now));
    const params = [...(batch.params ?? [])];
    const tags = [...(batch.tags ?? [])];
    do {
      const p = params.splice(0, BATCH_MAX_PARAMS);
      const t = tags.splice(0, BATCH_MAX_TAGS);
      const m = metrics.splice(0, BATCH_MAX_ENTRIES - p.length - t.length);
      await this.post('/runs/log-batch', { run_id: runId, metrics: m, params: p, tags: t });
    } while (metrics.length > 0 || params.length > 0 || tags.length > 0);
  }

  async logMetric(runId: string, key: string, value: number, options: { step?: number; timestamp?: number } = {}): Promise<void> {
    await this.post('/runs/log-metric', { run_id: runId, run_uuid: runId, ...toMetric({ key, value, ...options }, Date.now()) });
  }

  async logParam(runId: string, key: string, value: string | number | boolean): Promise<void> {
    await this.post('/runs/log-parameter', { run_id: runId, run_uuid: runId, key, value: String(value) });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.post('/runs/set-tag', { run_id: runId, run_uuid: runId, key, value });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.post('/runs/delete-tag', { run_id: runId, key });
  }

  async searchRuns(input: SearchRunsInput): Promise<{ runs: Run[]; nextPageToken?: string }> {
    const body = await this.post('/runs/search', {
      experiment_ids: input.experimentIds,
      filter: input.filter || undefined,
      order_by: input.orderBy,
      max_results: input.maxResults ?? 1000,
      page_token: input.pageToken,
      run_view_type: input.runViewType,
    });
    const parsed = parse(searchRunsResponse, body, 'runs/search');
    return { runs: parsed.runs, nextPageToken: parsed.next_page_token || undefined };
  }

  /** Every run matching the search, following page tokens. */
  async searchAllRuns(input: Omit<SearchRunsInput, 'pageToken'>): Promise<Run[]> {
    const runs: Run[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.searchRuns({ ...input, pageToken });
      runs.push(...page.runs);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return runs;
  }

  /** Every logged value of one metric, oldest step first as the server returns them. */
  async getMetricHistory(runId: string, metricKey: string): Promise<Metric[]> {
    const metrics: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const body = await this.get('/metrics/get-history', { run_id: runId, run_uuid: runId, metric_key: metricKey, page_token: pageToken });
      const page = parse(metricHistoryResponse, body, 'metrics/get-history');
      metrics.push(...page.metrics);
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return metrics;
  }

  // ---------------------------------------------------------------- artifacts (through the proxy)

  async uploadArtifact(runId: string, relPath: string, body: Uint8Array | string): Promise<void> {
    const path = joinArtifactPath(await this.artifactRoot(runId), relPath);
    await this.http.raw({ method: 'PUT', path: `${ARTIFACTS_PROXY_PATH}/${encodePath(path)}`, body, idempotent: true });
  }

  /** Uploads every file below localDir (recursively) to `<artifactPath>/<relative path>`; returns the relative paths. */
  async uploadDir(runId: string, localDir: string, artifactPath = ''): Promise<string[]> {
    const files = await walk(resolve(localDir));
    const rels = files.map((file) => relative(resolve(localDir), file).split(sep).join('/'));
    await mapLimit(rels, this.artifactConcurrency, async (rel) => {
      await this.uploadArtifact(runId, joinArtifactPath(artifactPath, rel), await readFile(join(localDir, rel)));
    });
    return rels;
  }

  /** The entries directly under `path` of the run's artifacts; paths are relative to the run's root, like MLflow's. */
  async listArtifacts(runId: string, path = ''): Promise<FileInfo[]> {
    return this.listUnder(await this.artifactRoot(runId), joinArtifactPath(path));
  }

  async downloadArtifact(runId: string, relPath: string): Promise<Buffer> {
    return this.downloadByPath(joinArtifactPath(await this.artifactRoot(runId), relPath));
  }

  /** Downloads every file below the run's `artifactPath` into destDir (recursively); returns the relative paths. */
  async downloadDir(runId: string, artifactPath: string, destDir: string): Promise<string[]> {
    return this.downloadTree(joinArtifactPath(await this.artifactRoot(runId), artifactPath), destDir);
  }

  /** Like downloadDir, for any mlflow-artifacts URI (a model version's source, a logged model's location). */
  async downloadUri(artifactUri: string, destDir: string): Promise<string[]> {
    return this.downloadTree(proxyPathOf(artifactUri), destDir);
  }

  /**
   * The artifact location of the model a run logged under `name` with MLflow 3, which keeps it in a
   * logged model rather than in the run's artifacts; `runs:/<run>/<name>` names it, as MLflow's own
   * client resolves that URI (search the run's experiment by name, match the source run).
   */
  async loggedModelOfRun(runId: string, name: string): Promise<string | undefined> {
    const { experiment_id: experimentId } = (await this.getRun(runId)).info;
    let pageToken: string | undefined;
    do {
      const body = await this.post('/logged-models/search', { experiment_ids: [experimentId], filter: `name = '${name.replace(/'/g, "\\'")}'`, max_results: 100, page_token: pageToken });
      const page = parse(searchLoggedModelsResponse, body, 'logged-models/search');
      const match = page.models.find((m) => m.info.source_run_id === runId);
      if (match) return match.info.artifact_uri;
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return undefined;
  }

  // ---------------------------------------------------------------- model registry

  async createRegisteredModel(name: string, description?: string): Promise<RegisteredModel> {
    const body = await this.post('/registered-models/create', { name, description }, false);
    return parse(z.object({ registered_model: registeredModelSchema }), body, 'registered-models/create').registered_model;
  }

  /** Creates the registered model unless it exists. */
  async ensureRegisteredModel(name: string): Promise<RegisteredModel> {
    try {
      return await this.createRegisteredModel(name);
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === 'RESOURCE_ALREADY_EXISTS') return this.getRegisteredModel(name);
      throw error;
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const body = await this.get('/registered-models/get', { name });
    return parse(z.object({ registered_model: registeredModelSchema }), body, 'registered-models/get').registered_model;
  }

  async searchRegisteredModels(input: { filter?: string; maxResults?: number; pageToken?: string } = {}): Promise<{ registeredModels: RegisteredModel[]; nextPageToken?: string }> {
    const body = await this.get('/registered-models/search', { filter: input.filter, max_results: input.maxResults ?? 100, page_token: input.pageToken });
    const parsed = parse(searchRegisteredModelsResponse, body, 'registered-models/search');
    return { registeredModels: parsed.registered_models, nextPageToken: parsed.next_page_token || undefined };
  }

  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    const body = await this.post(
      '/model-versions/create',
      { name: input.name, source: input.source, run_id: input.runId, description: input.description, tags: toKeyValues(input.tags) },
      false,
    );
    return parse(z.object({ model_version: modelVersionSchema }), body, 'model-versions/create').model_version;
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    const body = await this.get('/model-versions/get', { name, version: String(version) });
    return parse(z.object({ model_version: modelVersionSchema }), body, 'model-versions/get').model_version;
  }

  async searchModelVersions(input: { filter?: string; maxResults?: number; orderBy?: string[]; pageToken?: string } = {}): Promise<{ modelVersions: ModelVersion[]; nextPageToken?: string }> {
    const body = await this.get('/model-versions/search', {
      filter: input.filter,
      max_results: input.maxResults ?? 1000,
      order_by: input.orderBy,
      page_token: input.pageToken,
    });
    const parsed = parse(searchModelVersionsResponse, body, 'model-versions/search');
    return { modelVersions: parsed.model_versions, nextPageToken: parsed.next_page_token || undefined };
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void> {
    await this.post('/registered-models/alias', { name, alias, version: String(version) });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    // MLflow's server reads DELETE parameters from the JSON body; the query string serves servers that read it there.
    await this.http.json({ method: 'DELETE', path: `${API}/registered-models/alias`, query: { name, alias }, json: { name, alias }, idempotent: true });
  }

  /** The version behind an alias, or undefined when the model or the alias does not exist. */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      const body = await this.get('/registered-models/alias', { name, alias });
      return parse(z.object({ model_version: modelVersionSchema }), body, 'registered-models/alias').model_version;
    } catch (error) {
      // MLflow answers a missing alias with INVALID_PARAMETER_VALUE "... alias ... not found".
      if (error instanceof MlflowError && (error.isNotFound || (error.errorCode === 'INVALID_PARAMETER_VALUE' && /not found/i.test(error.message)))) {
        return undefined;
      }
      throw error;
    }
  }

  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    const body = await this.get('/model-versions/get-download-uri', { name, version: String(version) });
    return parse(z.object({ artifact_uri: z.string() }), body, 'model-versions/get-download-uri').artifact_uri;
  }

  /**
   * Where a model URI points: `runs:/<id>/<path>`, `models:/<name>@<alias>`, `models:/<name>/<version>`.
   * A version's source may be `runs:/...`, an artifact URI under its run, or (MLflow 3) `models:/m-<id>`.
   */
  async resolveModelUri(uri: string): Promise<ResolvedModelUri> {
    const parsed = parseModelUri(uri);
    if (parsed.kind === 'run') {
      const root = await this.artifactRootUri(parsed.runId);
      return { runId: parsed.runId, artifactPath: parsed.artifactPath, artifactUri: joinUri(root, parsed.artifactPath) };
    }
    const version =
      parsed.kind === 'alias' ? await this.getModelVersionByAlias(parsed.name, parsed.alias) : await this.getModelVersion(parsed.name, parsed.version);
    if (!version) throw new MlflowError(`${uri}: no such registered model or alias`, 'RESOURCE_DOES_NOT_EXIST', 404);
    return { ...(await this.resolveSource(version, uri)), version };
  }

  /** Downloads the model a URI points to into destDir. */
  async downloadModel(uri: string, destDir: string): Promise<ResolvedModelUri> {
    const resolved = await this.resolveModelUri(uri);
    if (resolved.artifactUri) await this.downloadUri(resolved.artifactUri, destDir);
    else await this.downloadDir(resolved.runId, resolved.artifactPath, destDir);
    return resolved;
  }

  // ---------------------------------------------------------------- internals

  private async resolveSource(version: ModelVersion, uri: string): Promise<Omit<ResolvedModelUri, 'version'>> {
    const source = version.source;
    if (source.startsWith('runs:/')) {
      const run = parseModelUri(source);
      if (run.kind === 'run') return this.resolveModelUri(source);
    }
    if (source.startsWith('models:/m-')) {
      const modelId = source.slice('models:/'.length).split('/')[0] ?? '';
      const body = await this.get(`/logged-models/${encodeURIComponent(modelId)}`, {});
      const info = parse(loggedModelResponse, body, 'logged-models/get').model.info;
      return { runId: version.run_id || info.source_run_id || '', artifactPath: '', artifactUri: info.artifact_uri };
    }
    if (!version.run_id) {
      if (source.startsWith('mlflow-artifacts:')) return { runId: '', artifactPath: '', artifactUri: source };
      throw new MlflowError(`${uri}: version ${version.version} has no run and an unsupported source "${source}"`, 'INVALID_PARAMETER_VALUE', 0);
    }
    const root = await this.artifactRootUri(version.run_id);
    const rootPath = proxyPathOf(root);
    const sourcePath = source.startsWith('mlflow-artifacts:') ? proxyPathOf(source) : undefined;
    if (sourcePath !== undefined && (sourcePath === rootPath || sourcePath.startsWith(`${rootPath}/`))) {
      return { runId: version.run_id, artifactPath: sourcePath.slice(rootPath.length + 1), artifactUri: source };
    }
    if (sourcePath !== undefined) return { runId: version.run_id, artifactPath: '', artifactUri: source };
    throw new MlflowError(`${uri}: version source "${source}" is not reachable through the artifact proxy`, 'UNSUPPORTED_ARTIFACT_URI', 0);
  }

  private async artifactRootUri(runId: string): Promise<string> {
    const cached = this.artifactRoots.get(runId);
    if (cached) return cached;
    return (await this.getRun(runId)).info.artifact_uri;
  }

  private async artifactRoot(runId: string): Promise<string> {
    return proxyPathOf(await this.artifactRootUri(runId));
  }

  private async listUnder(rootPath: string, path: string): Promise<FileInfo[]> {
    const full = joinArtifactPath(rootPath, path);
    const body = await this.http.json({ method: 'GET', path: ARTIFACTS_PROXY_PATH, query: { path: full }, idempotent: true });
    // The proxy names entries by their base name; give them paths relative to the root, like artifacts/list.
    return parse(listFilesResponse, body, 'mlflow-artifacts list').files.map((file) => ({
      ...file,
      path: joinArtifactPath(path, file.path.split('/').pop()),
    }));
  }

  private async downloadByPath(fullPath: string): Promise<Buffer> {
    return this.http.raw({ method: 'GET', path: `${ARTIFACTS_PROXY_PATH}/${encodePath(fullPath)}`, idempotent: true });
  }

  private async downloadTree(rootPath: string, destDir: string): Promise<string[]> {
    const files: string[] = [];
    const pending = [''];
    while (pending.length > 0) {
      const dir = pending.shift() ?? '';
      for (const entry of await this.listUnder(rootPath, dir)) {
        if (entry.is_dir) pending.push(entry.path);
        else files.push(entry.path);
      }
    }
    if (files.length === 0) throw new MlflowError(`no artifacts under ${rootPath}`, 'RESOURCE_DOES_NOT_EXIST', 404);
    await mapLimit(files, this.artifactConcurrency, async (rel) => {
      const target = join(destDir, ...rel.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await this.downloadByPath(joinArtifactPath(rootPath, rel)));
    });
    return files;
  }

  private get(path: string, query: CallOptions['query']): Promise<unknown> {
    return this.http.json({ method: 'GET', path: `${API}${path}`, query, idempotent: true });
  }

  private post(path: string, json: unknown, idempotent = true): Promise<unknown> {
    return this.http.json({ method: 'POST', path: `${API}${path}`, json, idempotent });
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MlflowError(`${what}: unexpected answer at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`, 'BAD_RESPONSE', 200);
  }
  return result.data;
}

function toKeyValues(record?: Record<string, string>): KeyValue[] | undefined {
  return record ? Object.entries(record).map(([key, value]) => ({ key, value })) : undefined;
}

function toMetric(metric: MetricInput, now: number): { key: string; value: number | string; timestamp: number; step: number } {
  // JSON has no NaN/Infinity; MLflow accepts these spellings for them.
  const value = Number.isFinite(metric.value) ? metric.value : Number.isNaN(metric.value) ? 'NaN' : metric.value > 0 ? 'Infinity' : '-Infinity';
  return { key: metric.key, value, timestamp: metric.timestamp ?? now, step: metric.step ?? 0 };
}

function joinUri(root: string, path: string): string {
  return path ? `${root.replace(/\/+$/, '')}/${path}` : root;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
