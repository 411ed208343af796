import { z } from 'zod';
import { route } from '../http/route-table.js';
import { bool, maxResults, nonEmpty, repeated, tagList } from '../http/schemas.js';
import { LOGGED_MODEL_STATUSES } from '../store/logged-models-store.js';

const modelId = { model_id: nonEmpty };
const status = z.union([z.enum(LOGGED_MODEL_STATUSES), z.number().int().min(0).max(3).transform((n) => LOGGED_MODEL_STATUSES[n] as string)]);

export const loggedModelRoutes = [
  route(
    'POST',
    '/logged-models',
    z.object({ experiment_id: nonEmpty, name: z.string().optional(), model_type: z.string().optional(), source_run_id: z.string().optional(), params: tagList, tags: tagList }),
    async (input, { stores }) => ({
      model: await stores.loggedModels.create({ experimentId: input.experiment_id, name: input.name, modelType: input.model_type, sourceRunId: input.source_run_id, params: input.params, tags: input.tags }),
    }),
  ),
  route(
    'POST',
    '/logged-models/search',
    z.object({
      experiment_ids: repeated(z.string()).optional().transform((v) => v ?? []),
      filter: z.string().optional(),
      order_by: z.array(z.object({ field_name: nonEmpty, ascending: bool.optional() })).optional(),
      max_results: maxResults(50, 50000),
      page_token: z.string().optional(),
    }),
    async (input, { stores }) => {
      const page = await stores.loggedModels.search({ experimentIds: input.experiment_ids, filter: input.filter, orderBy: input.order_by ?? [], maxResults: input.max_results, pageToken: input.page_token });
      return { models: page.items, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
    },
  ),
  route('GET', '/logged-models/:model_id', z.object(modelId), async (input, { stores }) => ({ model: await stores.loggedModels.get(input.model_id) })),
  route('PATCH', '/logged-models/:model_id', z.object({ ...modelId, status }), async (input, { stores }) => ({
    model: await stores.loggedModels.finalize(input.model_id, input.status),
  })),
  route('DELETE', '/logged-models/:model_id', z.object(modelId), async (input, { stores }) => {
    await stores.loggedModels.delete(input.model_id);
    return {};
  }),
  route('PATCH', '/logged-models/:model_id/tags', z.object({ ...modelId, tags: tagList }), async (input, { stores }) => {
    await stores.loggedModels.setTags(input.model_id, input.tags);
    return {};
  }),
  route('DELETE', '/logged-models/:model_id/tags/:tag_key', z.object({ ...modelId, tag_key: nonEmpty }), async (input, { stores }) => {
    await stores.loggedModels.deleteTag(input.model_id, input.tag_key);
    return {};
  }),
  route('POST', '/logged-models/:model_id/params', z.object({ ...modelId, params: tagList }), async (input, { stores }) => {
    await stores.loggedModels.logParams(input.model_id, input.params);
    return {};
  }),
];

