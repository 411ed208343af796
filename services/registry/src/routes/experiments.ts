import { z } from 'zod';
import { route } from '../http/route-table.js';
import { maxResults, nonEmpty, repeated, tagList, viewType } from '../http/schemas.js';

const experimentId = z.string().min(1);
const search = z.object({
  max_results: maxResults(1000, 50000),
  page_token: z.string().optional(),
  filter: z.string().optional(),
  order_by: repeated(z.string()).optional(),
  view_type: viewType,
});

export const experimentRoutes = [
  route('POST', '/experiments/create', z.object({ name: nonEmpty, artifact_location: z.string().optional(), tags: tagList }), async (input, { stores }) => ({
    experiment_id: await stores.experiments.create(input.name, input.artifact_location, input.tags),
  })),
  route('GET', '/experiments/get', z.object({ experiment_id: experimentId }), async (input, { stores }) => ({
    experiment: await stores.experiments.get(input.experiment_id),
  })),
  route('GET', '/experiments/get-by-name', z.object({ experiment_name: nonEmpty }), async (input, { stores }) => ({
    experiment: await stores.experiments.getByName(input.experiment_name),
  })),
  ...(['GET', 'POST'] as const).map((method) =>
    route(method, '/experiments/search', search, async (input, { stores }) => {
      const page = await stores.experiments.search({ filter: input.filter, orderBy: input.order_by, maxResults: input.max_results, pageToken: input.page_token, viewType: input.view_type });
      return { experiments: page.items, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
    }),
  ),
  // The UI's experiments list: MLflow has no count, and paging 10,000 runs to count them is slow.
  route('GET', '/experiments/run-stats', z.object({ experiment_ids: repeated(experimentId) }), async (input, { stores }) => ({
    stats: await stores.experiments.runStats(input.experiment_ids),
  })),
  // Not in MLflow: the UI's column chooser offers every key of the experiment, not only the shown page's.
  route('GET', '/experiments/run-keys', z.object({ experiment_id: experimentId }), async (input, { stores }) => stores.experiments.runKeys(input.experiment_id)),
  route('POST', '/experiments/update', z.object({ experiment_id: experimentId, new_name: nonEmpty }), async (input, { stores }) => {
    await stores.experiments.rename(input.experiment_id, input.new_name);
    return {};
  }),
  route('POST', '/experiments/delete', z.object({ experiment_id: experimentId }), async (input, { stores }) => {
    await stores.experiments.setLifecycle(input.experiment_id, 'deleted');
    return {};
  }),
  route('POST', '/experiments/restore', z.object({ experiment_id: experimentId }), async (input, { stores }) => {
    await stores.experiments.setLifecycle(input.experiment_id, 'active');
    return {};
  }),
  route('POST', '/experiments/set-experiment-tag', z.object({ experiment_id: experimentId, key: nonEmpty, value: z.string() }), async (input, { stores }) => {
    await stores.experiments.setTag(input.experiment_id, { key: input.key, value: input.value });
    return {};
  }),
  route('POST', '/experiments/delete-experiment-tag', z.object({ experiment_id: experimentId, key: nonEmpty }), async (input, { stores }) => {
    await stores.experiments.deleteTag(input.experiment_id, input.key);
    return {};
  }),
];
