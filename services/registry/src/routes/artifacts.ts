import { pipeline } from 'node:stream/promises';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { artifactUriToKey, joinKey, normalizeArtifactPath } from '../artifacts/paths.js';
import { MlflowError, notFound } from '../errors.js';
import { API_PREFIXES, route, sendJson, validationError, type HandlerContext } from '../http/route-table.js';
import { int64, nonEmpty } from '../http/schemas.js';

const ARTIFACT_PROXY_PREFIXES = ['/api/2.0/mlflow-artifacts/artifacts', '/ajax-api/2.0/mlflow-artifacts/artifacts'] as const;

/** The run's artifact root as a bucket key; runs with a non-proxied root (s3://...) have none. */
function rootKey(artifactUri: string): string {
  const key = artifactUriToKey(artifactUri);
  if (key === undefined) throw new MlflowError('INVALID_PARAMETER_VALUE', `Artifact root ${artifactUri} is not served by this server's artifact proxy`);
  return key;
}

async function listUnder(artifacts: ArtifactStore, root: string, path: string) {
  const entries = await artifacts.list(joinKey(root, path));
  return entries.map((e) => ({ path: joinKey(path, e.name), is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size ?? 0 }) }));
}

async function streamArtifact(artifacts: ArtifactStore, key: string, res: Response): Promise<void> {
  const object = await artifacts.get(key);
  if (!object) throw notFound(`Artifact not found: ${key}`);
  res.status(200).type(object.contentType && object.contentType !== 'binary/octet-stream' ? object.contentType : 'application/octet-stream');
  if (object.size !== undefined) res.setHeader('Content-Length', String(object.size));
  await pipeline(object.body, res);
}

/** Artifact listing for runs, under the REST prefixes (part of the route table). */
export const artifactRoutes = [
  route(
    'GET',
    '/artifacts/list',
    z.object({ run_id: z.string().optional(), run_uuid: z.string().optional(), path: z.string().optional(), page_token: z.string().optional() }),
    async (input, { stores, artifacts }) => {
      const runId = input.run_id || input.run_uuid;
      if (!runId) throw new MlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'run_id'.");
      const run = await stores.runs.get(runId);
      const path = normalizeArtifactPath(input.path);
      return { root_uri: run.info.artifact_uri, files: await listUnder(artifacts, rootKey(run.info.artifact_uri), path) };
    },
  ),
];

const getArtifactQuery = z.object({ run_id: z.string().optional(), run_uuid: z.string().optional(), path: nonEmpty });
const modelVersionArtifactQuery = z.object({ name: nonEmpty, version: int64, path: nonEmpty });

/**
 * Byte-level endpoints outside the JSON route table: the mlflow-artifacts proxy (upload, download,
 * list, delete; clients never need S3 credentials) and MLflow's get-artifact downloads.
 */
export function mountArtifactProxy(router: Router, ctx: HandlerContext): void {
  const { artifacts, stores } = ctx;
  for (const prefix of ARTIFACT_PROXY_PREFIXES) {
    router.get(prefix, async (req: Request, res: Response) => {
      const parsed = z.object({ path: z.string().optional() }).safeParse(req.query);
      if (!parsed.success) throw validationError(parsed.error);
      const path = normalizeArtifactPath(parsed.data.path);
      const files = (await artifacts.list(path)).map((e) => ({ path: e.name, is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size ?? 0 }) }));
      sendJson(res, 200, { files });
    });
    router.put(`${prefix}/*path`, async (req: Request, res: Response) => {
      const key = normalizeArtifactPath((req.params as { path: string[] }).path.join('/'));
      if (!key) throw new MlflowError('INVALID_PARAMETER_VALUE', 'An artifact path is required');
      await artifacts.put(key, req, req.headers['content-type']);
      sendJson(res, 200, {});
    });
    router.get(`${prefix}/*path`, async (req: Request, res: Response) => {
      await streamArtifact(artifacts, normalizeArtifactPath((req.params as { path: string[] }).path.join('/')), res);
    });
    router.delete(`${prefix}/*path`, async (req: Request, res: Response) => {
      const key = normalizeArtifactPath((req.params as { path: string[] }).path.join('/'));
      if (!key) throw new MlflowError('INVALID_PARAMETER_VALUE', 'Refusing to delete the artifact root');
      if (!(await artifacts.delete(key))) throw notFound(`Artifact not found: ${key}`);
      sendJson(res, 200, {});
    });
  }

  for (const prefix of ['', ...API_PREFIXES]) {
    router.get(`${prefix}/get-artifact`, async (req: Request, res: Response) => {
      const parsed = getArtifactQuery.safeParse(req.query);
      if (!parsed.success) throw validationError(parsed.error);
      const runId = parsed.data.run_id || parsed.data.run_uuid;
      if (!runId) throw new MlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'run_id'.");
      const run = await stores.runs.get(runId);
      await streamArtifact(artifacts, joinKey(rootKey(run.info.artifact_uri), normalizeArtifactPath(parsed.data.path)), res);
    });
    router.get(`${prefix}/model-versions/get-artifact`, async (req: Request, res: Response) => {
      const parsed = modelVersionArtifactQuery.safeParse(req.query);
      if (!parsed.success) throw validationError(parsed.error);
      const uri = await stores.modelVersions.downloadUri(parsed.data.name, String(parsed.data.version));
      await streamArtifact(artifacts, joinKey(rootKey(uri), normalizeArtifactPath(parsed.data.path)), res);
    });
  }
}
