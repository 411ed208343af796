import { z } from 'zod';
import { route } from '../http/route-table.js';
import { int64, maxResults, nonEmpty, repeated, tagList } from '../http/schemas.js';

const search = z.object({ filter: z.string().optional(), max_results: maxResults(100, 1000), order_by: repeated(z.string()).optional(), page_token: z.string().optional() });
const version = z.union([int64.transform(String), z.string()]);

export const registeredModelRoutes = [
  route('POST', '/registered-models/create', z.object({ name: nonEmpty, tags: tagList, description: z.string().optional() }), async (input, { stores }) => ({
    registered_model: await stores.registeredModels.create(input.name, input.description, input.tags),
  })),
  route('GET', '/registered-models/get', z.object({ name: nonEmpty }), async (input, { stores }) => ({
    registered_model: await stores.registeredModels.get(input.name),
  })),
  ...(['GET', 'POST'] as const).map((method) =>
    route(method, '/registered-models/search', search, async (input, { stores }) => {
      const page = await stores.registeredModels.search({ filter: input.filter, orderBy: input.order_by, maxResults: input.max_results, pageToken: input.page_token });
      return { registered_models: page.items, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
    }),
  ),
  route('POST', '/registered-models/rename', z.object({ name: nonEmpty, new_name: nonEmpty }), async (input, { stores }) => ({
    registered_model: await stores.registeredModels.rename(input.name, input.new_name),
  })),
  route('PATCH', '/registered-models/update', z.object({ name: nonEmpty, description: z.string().optional() }), async (input, { stores }) => ({
    registered_model: await stores.registeredModels.update(input.name, input.description),
  })),
  route('DELETE', '/registered-models/delete', z.object({ name: nonEmpty }), async (input, { stores }) => {
    await stores.registeredModels.delete(input.name);
    return {};
  }),
  route('POST', '/registered-models/set-tag', z.object({ name: nonEmpty, key: nonEmpty, value: z.string() }), async (input, { stores }) => {
    await stores.registeredModels.setTag(input.name, { key: input.key, value: input.value });
    return {};
  }),
  route('DELETE', '/registered-models/delete-tag', z.object({ name: nonEmpty, key: nonEmpty }), async (input, { stores }) => {
    await stores.registeredModels.deleteTag(input.name, input.key);
    return {};
  }),
  route('POST', '/registered-models/alias', z.object({ name: nonEmpty, alias: nonEmpty, version }), async (input, { stores }) => {
    await stores.registeredModels.setAlias(input.name, input.alias, input.version);
    return {};
  }),
  route('DELETE', '/registered-models/alias', z.object({ name: nonEmpty, alias: nonEmpty }), async (input, { stores }) => {
    await stores.registeredModels.deleteAlias(input.name, input.alias);
    return {};
  }),
  // Not in MLflow, which keeps only the current target: the UI's "who held champion when".
  route('GET', '/registered-models/alias-history', z.object({ name: nonEmpty }), async (input, { stores }) => ({
    history: await stores.registeredModels.aliasHistory(input.name),
  })),
  route('GET', '/registered-models/alias', z.object({ name: nonEmpty, alias: nonEmpty }), async (input, { stores }) => ({
    model_version: await stores.registeredModels.versionByAlias(input.name, input.alias),
  })),
  ...(['GET', 'POST'] as const).map((method) =>
    route(method, '/registered-models/get-latest-versions', z.object({ name: nonEmpty, stages: repeated(z.string()).optional() }), async (input, { stores }) => ({
      model_versions: await stores.registeredModels.latestVersions(input.name, input.stages ?? []),
    })),
  ),
];
