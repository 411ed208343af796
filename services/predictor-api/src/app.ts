import { performance } from 'node:perf_hooks';
import express, { type Express, type Request } from 'express';
import { predictionRequestSchema, toFeatures, type ChurnFeatures } from '@churn/churn-data';
import { requestId, type Logger } from '@churn/logger';
import type { ModelHolder, PredictionLogEntry, ServingMetrics } from '@churn/serving';
import type { Registry } from 'prom-client';
import { scoreCsv } from './batch-csv.js';
import { errorHandler, HttpError } from './errors.js';
import { httpMetrics } from './http-metrics.js';
import { jsonBody, parseSize } from './json-body.js';
import { featuresOf, featuresOfCsv } from './invocations.js';
import { buildOpenApi } from './openapi.js';
import { docsPage, formPage } from './pages.js';

export interface PredictorDeps {
  holder: ModelHolder;
  log: { log(entry: PredictionLogEntry): void };
  metrics: ServingMetrics;
  registry: Registry;
  logger: Logger;
  /** Largest JSON body (body-parser syntax, e.g. 1mb); larger gets 413. */
  bodyLimit?: string;
  /** Rows per model call in /predict/batch. */
  batchChunkRows?: number;
  /** Sees every prediction (the live drift monitor). */
  onPrediction?: (features: ChurnFeatures, chance: number) => void;
}

/** Errors thrown by the model for inputs the schema let through (e.g. a category it never saw) are the client's. */
function predictOrReject(deps: PredictorDeps, rows: ChurnFeatures[]): { runId: string; chances: Float64Array } {
  return deps.holder.use(({ runId, model }) => {
    try {
      return { runId, chances: model.predict(rows) };
    } catch (error) {
      const field = (error as { field?: unknown }).field;
      if (typeof field === 'string') throw new HttpError(400, (error as Error).message, field);
      throw error;
    }
  });
}

const isEmpty = (body: unknown) => body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);

/** Builds the Express app (no listening): routes, validation, metrics, errors. */
export function createApp(deps: PredictorDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Any content type is read as JSON so `curl -d` without a header works; bad JSON is a 400.
  const readJson = jsonBody(parseSize(deps.bodyLimit ?? '1mb'));
  const readJsonOrCsv = jsonBody(parseSize(deps.bodyLimit ?? '1mb'), { csv: true });
  const openapi = buildOpenApi();
  const form = formPage();
  const docs = docsPage(openapi);

  app.use(httpMetrics(deps.registry));

  const logAll = (req: Request, features: ChurnFeatures[], chances: Float64Array, runId: string, started: number, ids?: readonly (string | number | undefined)[]) => {
    const latency = performance.now() - started;
    const id = requestId(req.headers['x-request-id']);
    const now = new Date();
    deps.metrics.observePredictions('http', chances);
    for (let i = 0; i < features.length; i += 1) {
      const customerId = ids?.[i];
      const chance = chances[i] as number;
      deps.log.log({
        model_run_id: runId,
        source: 'http',
        features: features[i] as ChurnFeatures,
        churn_chance: chance,
        latency_ms: latency,
        created_at: now,
        request_id: id,
        ...(customerId !== undefined ? { customer_id: customerId } : {}),
      });
      deps.onPrediction?.(features[i] as ChurnFeatures, chance);
    }
  };

  app.post('/predict', readJson, (req, res) => {
    const started = performance.now();
    if (isEmpty(req.body)) throw new HttpError(400, 'empty body: expected a JSON object with the customer features', '(body)');
    const parsed = predictionRequestSchema.safeParse(req.body);
    if (!parsed.success) throw HttpError.fromZod(parsed.error);
    const features = [toFeatures(parsed.data)];
    const { runId, chances } = predictOrReject(deps, features);
    const customerId = parsed.data.customer_id;
    res.json({ 'churn chance': chances[0], model_run_id: runId, ...(customerId !== undefined ? { customer_id: customerId } : {}) });
    logAll(req, features, chances, runId, started, [customerId]);
  });

  app.post('/invocations', readJsonOrCsv, (req, res) => {
    const started = performance.now();
    const csv = (req.body as { csv?: unknown } | undefined)?.csv;
    const features = typeof csv === 'string' && req.is('text/csv') ? featuresOfCsv(csv) : featuresOf(req.body);
    const { runId, chances } = predictOrReject(deps, features);
    res.json({ predictions: Array.from(chances) });
    logAll(req, features, chances, runId, started);
  });

  app.post('/predict/batch', async (req, res) => {
    if (!deps.holder.ready) {
      res.status(503).json({ error: 'no model loaded yet' });
      return;
    }
    const started = performance.now();
    await scoreCsv(req, res, {
      holder: deps.holder,
      chunkRows: deps.batchChunkRows ?? 1000,
      onScored: (features, chances, runId, ids) => logAll(req, features, chances, runId, started, ids),
    });
    res.end();
  });

  app.get('/health', (_req, res) => {
    const runId = deps.holder.runId;
    res.status(runId ? 200 : 503).json(runId ? { status: 'ok', model_run_id: runId } : { status: 'loading' });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });

  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(docs);
  });
  app.get('/', (_req, res) => {
    res.type('html').send(form);
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(errorHandler(deps.logger));
  return app;
}
