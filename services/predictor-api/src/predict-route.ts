import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseRequest } from '@churn/churn-data';
import { requestId } from '@churn/logger';
import { classesOf } from '@churn/serving';
import { errorResponse, HttpError } from './errors.js';
import type { HttpMetrics } from './http-metrics.js';
import { parseJsonBody, readBody } from './json-body.js';
import { recordPredictions, scoreWithServedModel, type PredictorDeps } from './scoring.js';

const ROUTE = '/predict';

/** POST /predict (a query string or trailing slash allowed, as Express would route it). */
export function isPredictRequest(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || !req.url) return false;
  const query = req.url.indexOf('?');
  const path = query === -1 ? req.url : req.url.slice(0, query);
  return path === ROUTE || path === `${ROUTE}/`;
}

function sendJson(res: ServerResponse, status: number, body: unknown, id?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...(id ? { 'x-request-id': id } : {}) });
  res.end(text);
}

/**
 * POST /predict served on node:http in front of the Express app. It is the route clients hit once per
 * customer, and Express 5's per-request work (router, prototype swap of req/res, res.json) costs more
 * than validating, scoring and logging together: a constant Express handler answers about a fifth of
 * what node:http does on 2 cores (BENCHMARKS.md). Validation, errors, metrics and the prediction log
 * are the ones the Express routes use.
 */
export function predictRoute(deps: PredictorDeps, limitBytes: number, metrics: HttpMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  const reply = (res: ServerResponse, status: number, body: unknown, startedNs: bigint, id?: string) => {
    sendJson(res, status, body, id);
    metrics.observe(ROUTE, 'POST', status, startedNs);
  };
  return (req, res) => {
    const startedNs = process.hrtime.bigint();
    readBody(req, limitBytes, (readError, text) => {
      try {
        if (readError) throw readError;
        const started = performance.now();
        const body = parseJsonBody(text);
        if (body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0)) {
          throw new HttpError(400, 'empty body: expected a JSON object with the customer features', '(body)');
        }
        const { parsed, runId, contract, ...scores } = scoreWithServedModel(deps.holder, (c) => {
          const request = parseRequest(c, body, 'json');
          if (!request.ok) throw new HttpError(400, request.message, request.field);
          return { features: [request.features], customerId: request.customerId };
        });
        const { chance_field, run_id_field } = contract.response;
        const { customerId } = parsed;
        // Echoed (or minted) so the client can name this prediction when its outcome is known (POST /outcomes).
        const id = requestId(req.headers['x-request-id']);
        // A multi-class model answers its class and every class's probability instead of one chance.
        const answer = classesOf(scores, 0) ?? { [chance_field]: scores.chances[0] };
        reply(res, 200, { ...answer, [run_id_field]: runId, ...(customerId !== undefined ? { customer_id: customerId } : {}) }, startedNs, id);
        recordPredictions(deps, { features: parsed.features, scores, runId, requestId: id, started, ids: [customerId] });
      } catch (error) {
        if (res.headersSent) {
          deps.logger.error({ err: error }, 'recording a served prediction failed');
          return;
        }
        const { status, body } = errorResponse(error, deps.logger);
        reply(res, status, body, startedNs);
      }
    });
  };
}
