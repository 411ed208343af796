import { z } from 'zod';
import { invalid } from '../errors.js';
import { route } from '../http/route-table.js';
import { float, int64, maxResults, nonEmpty, repeated, tagList, viewType } from '../http/schemas.js';

// MLflow clients send run_id, older ones run_uuid; either names the run.
const runRef = z
  .object({ run_id: z.string().optional(), run_uuid: z.string().optional() })
  .transform((v, ctx) => {
    const id = v.run_id || v.run_uuid;
    if (!id) {
      ctx.addIssue({ code: 'custom', message: "Missing value for required parameter 'run_id'.", path: ['run_id'] });
      return z.NEVER;
    }
    return id;
  });
// Run-scoped requests: the run reference plus the endpoint's own fields, with every issue reported.
const runInput = <T extends z.ZodRawShape>(shape: T) =>
  z.unknown().transform((value, ctx) => {
    const ref = runRef.safeParse(value);
    const rest = z.object(shape).safeParse(value);
    for (const issue of [...(ref.error?.issues ?? []), ...(rest.error?.issues ?? [])]) ctx.addIssue({ ...issue, code: 'custom', message: issue.message });
    if (!ref.success || !rest.success) return z.NEVER;
    return { runId: ref.data, ...rest.data };
  });

const metric = z.object({
  key: z.string(),
  value: float,
  timestamp: int64.optional(),
  step: int64.optional(),
  model_id: z.string().optional(),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
});
const metricOf = (m: z.infer<typeof metric>) => ({ ...m, timestamp: m.timestamp ?? Date.now(), step: m.step ?? 0 });
const RUN_STATUS = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);

const searchRuns = z.object({
  experiment_ids: repeated(z.string()).optional().transform((v) => v ?? []),
  filter: z.string().optional(),
  run_view_type: viewType,
  max_results: maxResults(1000, 50000),
  order_by: repeated(z.string()).optional(),
  page_token: z.string().optional(),
  // Not in MLflow, which orders params as text ('10' before '9'): numbers by value. Only the UI sends it.
  numeric_param_order: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
});

export const runRoutes = [
  route(
    'POST',
    '/runs/create',
    z.object({ experiment_id: z.string().optional(), user_id: z.string().optional(), start_time: int64.optional(), tags: tagList, run_name: z.string().optional() }),
    async (input, { stores }) => ({
      run: await stores.runs.create({ experimentId: input.experiment_id ?? '0', userId: input.user_id, startTime: input.start_time, runName: input.run_name, tags: input.tags }),
    }),
  ),
  route('GET', '/runs/get', runInput({}), async (input, { stores }) => ({ run: await stores.runs.get(input.runId) })),
  route(
    'POST',
    '/runs/update',
    runInput({ status: RUN_STATUS.optional(), end_time: int64.optional(), run_name: z.string().optional() }),
    async (input, { stores }) => ({ run_info: await stores.runs.update(input.runId, { status: input.status, endTime: input.end_time, runName: input.run_name }) }),
  ),
  route('POST', '/runs/delete', runInput({}), async (input, { stores }) => {
    await stores.runs.setLifecycle(input.runId, 'deleted');
    return {};
  }),
  route('POST', '/runs/restore', runInput({}), async (input, { stores }) => {
    await stores.runs.setLifecycle(input.runId, 'active');
    return {};
  }),
  ...(['GET', 'POST'] as const).map((method) =>
    route(method, '/runs/search', searchRuns, async (input, { stores }) => {
      const page = await stores.runs.search(input.experiment_ids, {
        filter: input.filter,
        orderBy: input.order_by,
        maxResults: input.max_results,
        pageToken: input.page_token,
        viewType: input.run_view_type,
        numericParamOrder: input.numeric_param_order,
      });
      return { runs: page.items, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
    }),
  ),
  route('POST', '/runs/log-metric', runInput(metric.shape), async (input, { stores }) => {
    await stores.runs.logBatch(input.runId, { metrics: [metricOf(input)], params: [], tags: [] });
    return {};
  }),
  route('POST', '/runs/log-parameter', runInput({ key: z.string(), value: z.string() }), async (input, { stores }) => {
    await stores.runs.logBatch(input.runId, { metrics: [], params: [{ key: input.key, value: input.value }], tags: [] });
    return {};
  }),
  route('POST', '/runs/set-tag', runInput({ key: z.string(), value: z.string() }), async (input, { stores }) => {
    await stores.runs.logBatch(input.runId, { metrics: [], params: [], tags: [{ key: input.key, value: input.value }] });
    return {};
  }),
  route('POST', '/runs/delete-tag', runInput({ key: nonEmpty }), async (input, { stores }) => {
    await stores.runs.deleteTag(input.runId, input.key);
    return {};
  }),
  route(
    'POST',
    '/runs/log-batch',
    runInput({ metrics: repeated(metric).optional(), params: tagList, tags: tagList }),
    async (input, { stores }) => {
      await stores.runs.logBatch(input.runId, { metrics: (input.metrics ?? []).map(metricOf), params: input.params, tags: input.tags });
      return {};
    },
  ),
  route(
    'POST',
    '/runs/log-inputs',
    runInput({
      datasets: z.array(z.object({ tags: tagList, dataset: z.record(z.string(), z.unknown()) })).optional(),
      models: z.array(z.object({ model_id: nonEmpty })).optional(),
    }),
    async (input, { stores }) => {
      await stores.runs.logInputs(input.runId, input.datasets ?? [], input.models ?? []);
      return {};
    },
  ),
  route('POST', '/runs/outputs', runInput({ models: z.array(z.object({ model_id: nonEmpty, step: int64.optional() })) }), async (input, { stores }) => {
    await stores.runs.logOutputs(input.runId, input.models.map((m) => ({ model_id: m.model_id, step: m.step ?? 0 })));
    return {};
  }),
  route('POST', '/runs/log-model', runInput({ model_json: nonEmpty }), async (input, { stores }) => {
    await stores.runs.recordLoggedModel(input.runId, input.model_json);
    return {};
  }),
  route(
    'GET',
    '/metrics/get-history-bulk-interval',
    z.object({ run_ids: z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(nonEmpty).min(1).max(100)), metric_key: nonEmpty, max_results: maxResults(320, 1000) }),
    async (input, { stores }) => ({ metrics: await stores.runs.metricHistories(input.run_ids, input.metric_key, input.max_results) }),
  ),
  route(
    'GET',
    '/metrics/get-history',
    runInput({ metric_key: nonEmpty, max_results: int64.optional(), page_token: z.string().optional() }),
    async (input, { stores }) => {
      if (input.max_results !== undefined && input.max_results < 1) throw invalid("Invalid value for parameter 'max_results': must be positive");
      const page = await stores.runs.metricHistory(input.runId, input.metric_key, input.max_results, input.page_token);
      return { metrics: page.items, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
    },
  ),
];
