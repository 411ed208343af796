import { api } from './api.js';

/**
 * Which runs hold a registered model alias (champion, challenger, ...): run id -> ['churn-model@champion'].
 * Only models that have aliases are asked for their versions.
 */
export async function aliasesByRun() {
  const { registered_models: models = [] } = await api.searchRegisteredModels();
  const byRun = new Map();
  await Promise.all(
    models
      .filter((m) => (m.aliases ?? []).length)
      .map(async (m) => {
        const { model_versions: versions = [] } = await api.searchModelVersions(m.name);
        const runOf = new Map(versions.map((v) => [String(v.version), v.run_id]));
        for (const a of m.aliases) {
          const runId = runOf.get(String(a.version));
          if (runId) byRun.set(runId, [...(byRun.get(runId) ?? []), { model: m.name, alias: a.alias }]);
        }
      }),
  );
  return byRun;
}
