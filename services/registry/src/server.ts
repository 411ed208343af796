import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { createS3Client, ensureBucket } from '@churn/aws';
import { createLogger, type Logger } from '@churn/logger';
import type { ArtifactStore } from './artifacts/artifact-store.js';
import { S3ArtifactStore } from './artifacts/s3-artifact-store.js';
import type { RegistryConfig } from './config.js';
import { createHttpMetrics } from './http/metrics.js';
import { authentication, errorHandler, notFoundHandler, requestLogging } from './http/middleware.js';
import { mountPredictorStatus } from './http/predictors.js';
import { mountRoutes } from './http/route-table.js';
import { mountArtifactProxy } from './routes/artifacts.js';
import { ROUTES } from './routes/index.js';
import { createPool } from './store/db.js';
import { migrate } from './store/migrate.js';
import { createPgStores, type Stores } from './store/stores.js';

export const VERSION = '0.1.0';
export const UI_DIR = fileURLToPath(new URL('../ui/', import.meta.url));

export interface RegistryDeps {
  stores: Stores;
  artifacts: ArtifactStore;
  log: Logger;
  auth?: { username?: string | undefined; password?: string | undefined; token?: string | undefined };
  maxBody?: string;
  /** The predictors' /health URLs whose status the UI shows. */
  predictorHealthUrls?: readonly string[];
  /** Answers /health: whether the metadata store is reachable. */
  healthy?: () => Promise<boolean>;
}

/** The Express app without listening, so tests can mount it on port 0. */
export function createRegistryApp(deps: RegistryDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLogging(deps.log));
  const metrics = createHttpMetrics();
  app.use(metrics.middleware);
  app.get('/metrics', metrics.handler);
  app.get('/health', async (_req, res) => {
    const ok = deps.healthy ? await deps.healthy().catch(() => false) : true;
    res.status(ok ? 200 : 503).type('text/plain').send(ok ? 'OK' : 'database unavailable');
  });
  app.get('/version', (_req, res) => {
    res.type('text/plain').send(VERSION);
  });
  app.use(authentication(deps.auth ?? {}));
  const ctx = { stores: deps.stores, artifacts: deps.artifacts, log: deps.log };
  // Artifact bodies stream to S3, so the proxy is mounted before the JSON parser.
  mountArtifactProxy(app, ctx);
  app.use(express.json({ limit: deps.maxBody ?? '20mb', type: () => true, strict: false }));
  mountRoutes(app, ROUTES, ctx);
  mountPredictorStatus(app, deps.predictorHealthUrls ?? []);
  if (existsSync(UI_DIR)) app.use(express.static(UI_DIR));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}

export interface RunningRegistry {
  url: string;
  port: number;
  app: Express;
  stores: Stores;
  close(): Promise<void>;
}

/** Migrates the database, ensures the bucket, and listens; close() drains and releases everything. */
export async function startRegistry(config: RegistryConfig, log: Logger = createLogger('registry', { level: config.LOG_LEVEL })): Promise<RunningRegistry> {
  const db = createPool(config.REGISTRY_DATABASE_URL);
  db.on('error', (error) => log.error({ err: error }, 'idle database client error'));
  const applied = await migrate(db);
  if (applied.length) log.info({ applied }, 'applied migrations');
  const s3 = createS3Client(config);
  // On AWS the bucket usually exists and the role may not be allowed to create buckets: warn, go on.
  await ensureBucket(s3, config.ARTIFACTS_BUCKET).catch((error: unknown) => log.warn({ err: error, bucket: config.ARTIFACTS_BUCKET }, 'could not ensure the artifacts bucket'));
  const artifacts = new S3ArtifactStore(s3, config.ARTIFACTS_BUCKET);
  const stores = createPgStores(db);
  const app = createRegistryApp({
    stores,
    artifacts,
    log,
    maxBody: config.REGISTRY_MAX_BODY,
    predictorHealthUrls: config.PREDICTOR_HEALTH_URLS,
    auth: { username: config.MLFLOW_TRACKING_USERNAME, password: config.MLFLOW_TRACKING_PASSWORD, token: config.MLFLOW_TRACKING_TOKEN },
    healthy: async () => (await db.query('SELECT 1')).rowCount === 1,
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.REGISTRY_PORT, config.REGISTRY_HOST, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.REGISTRY_HOST}:${port}`;
  log.info({ url }, 'registry listening');
  return {
    url,
    port,
    app,
    stores,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await db.end();
      artifacts.close();
    },
  };
}

