import { z } from 'zod';
import { route } from '../http/route-table.js';
import { bool, int64, maxResults, nonEmpty, repeated, tagList } from '../http/schemas.js';

const version = z.union([int64.transform(String), z.string()]);
const ref = { name: nonEmpty, version };
const search = z.object({ filter: z.string().optional(), max_results: maxResults(10000, 200000), order_by: repeated(z.string()).optional(), page_token: z.string().optional() });

export const modelVersionRoutes = [
  route(
    'POST',
    '/model-versions/create',
    z.object({ name: nonEmpty, source: nonEmpty, run_id: z.string().optional(), tags: tagList, run_link: z.string().optional(), description: z.string().optional(), model_id: z.string().optional() }),
    async (input, { stores }) => ({
      model_version: await stores.modelVersions.create({ name: input.name, source: input.source, runId: input.run_id, runLink: input.run_link, description: input.description, tags: input.tags, modelId: input.model_id }),
    }),
  ),
  route('GET', '/model-versions/get', z.object(ref), async (input, { stores }) => ({ model_version: await stores.modelVersions.get(input.name, input.version) })),
  ...(['GET', 'POST'] as const).map((method) =>
    route(method, '/model-versions/search', search, async (input, { stores }) => {
      const page = await stores.modelVersions.search({ filter: input.filter, orderBy: input.order_by, maxResults: input.max_results, pageToken: input.page_token });
      return { model_versions: page.items, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
    }),
  ),
  route('PATCH', '/model-versions/update', z.object({ ...ref, description: z.string().optional() }), async (input, { stores }) => ({
    model_version: await stores.modelVersions.update(input.name, input.version, input.description),
  })),
  route('DELETE', '/model-versions/delete', z.object(ref), async (input, { stores }) => {
    await stores.modelVersions.delete(input.name, input.version);
    return {};
  }),
  route('POST', '/model-versions/transition-stage', z.object({ ...ref, stage: nonEmpty, archive_existing_versions: bool.optional() }), async (input, { stores }) => ({
    model_version: await stores.modelVersions.transitionStage(input.name, input.version, input.stage, input.archive_existing_versions ?? false),
  })),
  route('GET', '/model-versions/get-download-uri', z.object(ref), async (input, { stores }) => ({
    artifact_uri: await stores.modelVersions.downloadUri(input.name, input.version),
  })),
  route('POST', '/model-versions/set-tag', z.object({ ...ref, key: nonEmpty, value: z.string() }), async (input, { stores }) => {
    await stores.modelVersions.setTag(input.name, input.version, { key: input.key, value: input.value });
    return {};
  }),
  route('DELETE', '/model-versions/delete-tag', z.object({ ...ref, key: nonEmpty }), async (input, { stores }) => {
    await stores.modelVersions.deleteTag(input.name, input.version, input.key);
    return {};
  }),
];
