import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import express, { type Express, type Request } from 'express';
import type { DatasetContract, FeatureRow } from '@churn/churn-data';
import { monitoringOf, type RowScores } from '@churn/serving';
import { outcomeMetrics } from '@churn/drift/outcomes';
import { requestId } from '@churn/logger';
import { requireApiKey } from './api-key.js';
import { scoreCsv, scoreCsvForMlflow, sendPredictions } from './batch-csv.js';
import { scoreJsonForMlflow } from './batch-json.js';
import { errorHandler, HttpError } from './errors.js';
import { httpMetrics, type HttpMetrics } from './http-metrics.js';
import { jsonOrCsvBody, parseSize } from './json-body.js';
import { featuresOf } from './invocations.js';
import { buildOpenApi } from './openapi.js';
import { docsPage, formPage } from './pages.js';
import { isPredictRequest, predictRoute } from './predict-route.js';
import { outcomesRoute } from './outcomes-route.js';
import { currentContract, recordPredictions, scoreWithServedModel, type PredictorDeps } from './scoring.js';

export type { PredictorDeps };

/** The predictor's request handler: POST /predict on its fast path, every other route in Express. */
export function createPredictor(deps: PredictorDeps): RequestListener {
  const metrics = httpMetrics(deps.registry);
  const bodyLimitBytes = parseSize(deps.bodyLimit ?? '1mb');
  const predict = predictRoute(deps, bodyLimitBytes, metrics);
  const app = createApp(deps, bodyLimitBytes, metrics);
  const listener = (req: IncomingMessage, res: ServerResponse) => (isPredictRequest(req) ? predict(req, res) : app(req, res));
  return deps.apiKey ? requireApiKey(deps.apiKey, listener) : listener;
}

/** The Express app (no listening) for every route but POST /predict: routes, validation, metrics, errors. */
function createApp(deps: PredictorDeps, bodyLimitBytes: number, metrics: HttpMetrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const readJsonOrCsv = jsonOrCsvBody(bodyLimitBytes);
  // The pages describe the served model's contract, which a promotion may change: built once per contract.
  const pages = new WeakMap<DatasetContract, { openapi: Record<string, unknown>; form: string; docs: string }>();
  const pagesNow = () => {
    const contract = currentContract(deps);
    let built = pages.get(contract);
    if (!built) {
      const openapi = buildOpenApi(contract);
      built = { openapi, form: formPage(contract), docs: docsPage(openapi, contract) };
      pages.set(contract, built);
    }
    return built;
  };

  app.use(metrics.middleware);

  const logAll = (req: Request, features: FeatureRow[], scores: RowScores, runId: string, started: number, ids?: readonly (string | number | undefined)[], columnar = false) =>
    recordPredictions(deps, { features, scores, runId, requestId: requestId(req.headers['x-request-id']), started, ...(ids ? { ids } : {}) }, columnar);

  const batchOptions = (req: Request, started: number) => ({
    holder: deps.holder,
    chunkRows: deps.batchChunkRows ?? 1000,
    maxRows: deps.maxBatchRows ?? 1_000_000,
    // Each chunk waits for room in the prediction log before it is logged: a batch pushes back on its upload instead of dropping documents.
    onScored: async (features: FeatureRow[], scores: RowScores, runId: string, ids: (string | undefined)[]) => {
      await deps.log.whenWritable?.(features.length);
      logAll(req, features, scores, runId, started, ids, true);
    },
  });

  app.post('/invocations', async (req, res, next) => {
    const started = performance.now();
    if (/^text\/csv\b/i.test(req.headers['content-type'] ?? '')) {
      if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity') throw new HttpError(415, `unsupported content encoding ${req.headers['content-encoding']}`, '(body)');
      // Streamed: a CSV of any size under the row limit, never held whole.
      const { predictions } = await scoreCsvForMlflow(req, batchOptions(req, started));
      await sendPredictions(res, predictions);
      res.end();
      return;
    }
    const length = Number(req.headers['content-length'] ?? Number.NaN);
    if (!(length <= bodyLimitBytes)) {
      if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity') throw new HttpError(415, `unsupported content encoding ${req.headers['content-encoding']}`, '(body)');
      // Past the body limit (or of unknown length) JSON is read as it arrives: rows in chunks, never the whole body.
      const { predictions } = await scoreJsonForMlflow(req, { ...batchOptions(req, started), maxValueChars: bodyLimitBytes });
      await sendPredictions(res, predictions);
      res.end();
      return;
    }
    readJsonOrCsv(req, res, (error?: unknown) => {
      if (error) return next(error);
      try {
        const { parsed, runId, predictions, ...scores } = scoreWithServedModel(deps.holder, (contract) => ({ features: featuresOf(contract, req.body, deps.maxBatchRows) }), true);
        res.json({ predictions: predictions ?? Array.from(scores.chances) });
        logAll(req, parsed.features, scores, runId, started);
      } catch (scoreError) {
        next(scoreError);
      }
    });
  });

  app.post('/predict/batch', async (req, res) => {
    if (!deps.holder.ready) {
      res.status(503).json({ error: 'no model loaded yet' });
      return;
    }
    // A body cut at the row limit is discarded unread by node once the answer ends.
    await scoreCsv(req, res, batchOptions(req, performance.now()));
    res.end();
  });

  app.post('/outcomes', readJsonOrCsv, outcomesRoute({ ...deps, contract: () => currentContract(deps) }, outcomeMetrics(deps.registry)));

  app.get('/health', (_req, res) => {
    if (!deps.holder.ready) {
      res.status(503).json({ status: 'loading' });
      return;
    }
    // Which checks watch this model, and why one cannot (no reference profile, a multi-class model).
    const { runId, monitoring } = deps.holder.use(({ runId, model }) => ({ runId, monitoring: monitoringOf(model, deps.liveDriftWindow ?? 0) }));
    res.json({ status: 'ok', model_run_id: runId, monitoring });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });

  app.get('/openapi.json', (_req, res) => {
    res.json(pagesNow().openapi);
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(pagesNow().docs);
  });
  app.get('/', (_req, res) => {
    res.type('html').send(pagesNow().form);
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(errorHandler(deps.logger));
  return app;
}
